export {
  type Agent,
  type CreateAgentOptions,
  createAgent,
  type LoadAgentOptions,
  loadAgent,
} from './agent.js';
export {
  type AgentErrorCode,
  AgentExistsError,
  AgentLeaseLostError,
  AgentLockedError,
  AgentNotFoundError,
  AgentStateDamagedError,
} from './agent-errors.js';
export type { AgentEvent, TraceEntry } from './agent-events.js';
export type { ArchivalInsert, CoreMemoryEdit } from './agent-memory-ops.js';
export { type AgentState, agentStateSchema } from './agent-state.js';
export type { ArchivalPassage } from './agent-storage.js';
export { type AgentTool, defineAgentTool, type ToolContext } from './agent-tool.js';
export { type AgentConfig, type AgentConfigInput, agentConfigSchema } from './config.js';
export { type Block, type BlockInput, CoreMemoryEditError } from './core-memory.js';
export { type ForgetAgentOptions, type ForgetAgentResult, forgetAgent } from './forget-agent.js';
export type { ContextTokens, RenderedContext } from './main-context.js';
export type { StepInput, StepResult } from './run-step.js';
export type { MessageKind, StoredMessage } from './stored-message.js';
export { defaultSystemInstructions } from './system-instructions.js';
