import type { ToolCall, ToolDefinition } from '@loci/core';
import { ConfigError, countTokens, toJsonSchema } from '@loci/core';
import type { AgentStorage } from './agent-storage.js';
import { type AgentTool, runToolCall, type ToolContext, withHeartbeat } from './agent-tool.js';
import { builtinFunctions } from './builtin-functions.js';
import type { StepJournal } from './step-journal.js';

/** The functions of one agent: built-in and custom, as sent to the LLM, and what they cost in the prompt. */
export interface Toolbox {
  readonly tools: ReadonlyMap<string, AgentTool>;
  /** Definitions with `request_heartbeat`, as sent with every call. */
  readonly definitions: ToolDefinition[];
  /** Tokens the definitions take in the prompt. */
  readonly tokens: number;
}

export function createToolbox(custom: readonly AgentTool[] | undefined): Toolbox {
  const tools = new Map<string, AgentTool>();
  for (const tool of builtinFunctions) tools.set(tool.definition.name, tool);
  for (const tool of custom ?? []) {
    if (tools.has(tool.definition.name)) {
      throw new ConfigError(`tool "${tool.definition.name}" is defined twice (built-in names are reserved)`, [
        { path: 'tools', message: `duplicate name ${tool.definition.name}` },
      ]);
    }
    tools.set(tool.definition.name, tool);
  }
  const definitions = [...tools.values()].map(withHeartbeat);
  const tokens = countTokens(
    JSON.stringify(
      definitions.map((tool) => ({
        name: tool.name,
        description: tool.description,
        parameters: toJsonSchema(tool.parameters),
      })),
    ),
  );
  return { tools, definitions, tokens };
}

/** What the functions of one step reach: the step's draft state and the agent's storage. */
export function createToolContext(
  journal: StepJournal,
  storage: AgentStorage,
  signal: AbortSignal | undefined,
): ToolContext {
  const { draft, at } = journal;
  return {
    agentId: draft.id,
    namespace: draft.namespace,
    at,
    pageSize: draft.config.pageSize,
    ...(signal === undefined ? {} : { signal }),
    blocks: () => draft.blocks,
    setBlocks: (blocks) => {
      draft.blocks = blocks;
    },
    sendMessage: (text) => {
      journal.said.push(text);
      journal.emit({ type: 'message', text });
    },
    pauseHeartbeats: (until) => {
      draft.heartbeatsPausedUntil = until.toISOString();
    },
    archivalInsert: async (text) => {
      const id = await storage.insertPassage(text, at);
      draft.archivalCount++;
      return id;
    },
    archivalSearch: (query, limit) => storage.searchPassages(query, limit),
    // Recall storage holds every message of earlier steps and rounds; the round in progress (in the
    // first round, the user's message) is in the context window.
    recallSearch: (query, limit) => storage.searchMessages(query, limit),
    recallBetween: (start, end, limit, offset) => storage.messagesBetween(start, end, limit, offset),
    recallCountBetween: (start, end) => storage.countMessagesBetween(start, end),
  };
}

/** Some servers omit tool call ids; results must still pair with their call. */
export function withCallIds(toolCalls: readonly ToolCall[], stepId: string, call: number): ToolCall[] {
  return toolCalls.map((toolCall, index) => ({
    ...toolCall,
    id: toolCall.id.length > 0 ? toolCall.id : `call_${stepId.slice(0, 8)}_${call}_${index}`,
  }));
}

export interface ToolRound {
  /** Why the LLM is called again: it asked for it, or a function failed (so it sees the error). */
  heartbeat: 'requested' | 'function-failed' | undefined;
  /** Each send_message text with the id of the tool message that carries it (for the memory systems). */
  saidTurns: { id: string; text: string }[];
}

/** Runs the calls of one LLM reply in order, recording each result in the queue. */
export async function executeToolCalls(
  toolCalls: readonly ToolCall[],
  toolbox: Toolbox,
  context: ToolContext,
  journal: StepJournal,
): Promise<ToolRound> {
  let heartbeat: ToolRound['heartbeat'];
  const saidTurns: ToolRound['saidTurns'] = [];
  for (const toolCall of toolCalls) {
    journal.emit({ type: 'tool-call', id: toolCall.id, name: toolCall.name, arguments: toolCall.arguments });
    const saidBefore = journal.said.length;
    const outcome = await runToolCall(toolCall, toolbox.tools, context);
    const stored = journal.record({
      kind: 'tool',
      content: outcome.content,
      toolCallId: toolCall.id,
      toolName: toolCall.name,
    });
    for (const text of journal.said.slice(saidBefore)) saidTurns.push({ id: stored.id, text });
    journal.emit({
      type: 'tool-result',
      id: toolCall.id,
      name: toolCall.name,
      ok: outcome.ok,
      content: outcome.content,
    });
    if (!outcome.ok) heartbeat = 'function-failed';
    else if (outcome.heartbeat && heartbeat === undefined) heartbeat = 'requested';
  }
  return { heartbeat, saidTurns };
}
