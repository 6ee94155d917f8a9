export {
  type Agent,
  type CreateAgentOptions,
  createAgent,
  type LoadAgentOptions,
  loadAgent,
  type StepInput,
  type StepResult,
} from './agent.js';
export type { AgentEvent, TraceEntry } from './agent-events.js';
export type { AgentState } from './agent-state.js';
export type { ArchivalPassage } from './agent-storage.js';
export { type AgentTool, defineAgentTool, type ToolContext } from './agent-tool.js';
export {
  archivalMemoryInsert,
  archivalMemorySearch,
  builtinFunctions,
  conversationSearch,
  conversationSearchDate,
  coreMemoryAppend,
  coreMemoryReplace,
  pauseHeartbeats,
  sendMessage,
} from './builtin-functions.js';
export { type AgentConfig, type AgentConfigInput, agentConfigSchema } from './config.js';
export { type Block, type BlockInput, renderBlocks } from './core-memory.js';
export { type ContextTokens, type RenderedContext, renderContext } from './main-context.js';
export { chooseEviction, type QueueLimits, queueLimits } from './queue-manager.js';
export type { MessageKind, StoredMessage } from './stored-message.js';
export { defaultSystemInstructions } from './system-instructions.js';

export const VERSION = '0.1.0';
