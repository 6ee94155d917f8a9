import type { ToolCall, ToolDefinition } from '@loci/core';
import { defineTool, ToolCallError } from '@loci/core';
import { z } from 'zod';
import type { ArchivalPassage } from './agent-storage.js';
import type { Block } from './core-memory.js';
import type { StoredMessage } from './stored-message.js';

/** What a function can reach while it runs: the agent's memory, scoped to this agent. */
export interface ToolContext {
  readonly agentId: string;
  readonly namespace: string;
  /** The time of the step (the input's `at`, or now). */
  readonly at: Date;
  readonly pageSize: number;
  readonly signal?: AbortSignal;
  /** The core memory blocks of the step's draft state. */
  blocks(): readonly Block[];
  /** Replaces the blocks of the step's draft state (saved when the step ends). */
  setBlocks(blocks: Block[]): void;
  /** Says `text` to the user (it goes into `StepResult.messages`). */
  sendMessage(text: string): void;
  /** Saves `until` as `heartbeatsPausedUntil` in the agent's state. */
  pauseHeartbeats(until: Date): void;
  /** Stores a passage in archival memory; returns its id. */
  archivalInsert(text: string): Promise<string>;
  /** Archival passages nearest the query, best first. */
  archivalSearch(query: string, limit: number): Promise<ArchivalPassage[]>;
  /** The agent's past messages that match the query. */
  recallSearch(query: string, limit: number): Promise<StoredMessage[]>;
  /** The agent's past messages with `at` in [start, end], a page of `limit` from `offset`. */
  recallBetween(start: Date, end: Date, limit: number, offset: number): Promise<StoredMessage[]>;
  /** How many past messages `recallBetween` would page through. */
  recallCountBetween(start: Date, end: Date): Promise<number>;
}

/**
 * A function the agent's LLM can call. Every tool gets a `request_heartbeat` argument added to its
 * schema; when the LLM leaves it out, `heartbeatByDefault` decides (true unless the tool ends a turn).
 */
export interface AgentTool<TParameters extends z.ZodObject = z.ZodObject> {
  definition: ToolDefinition<TParameters>;
  heartbeatByDefault?: boolean;
  /** Returns the text the LLM sees as the result; throw to report a failure to the LLM. */
  run(args: z.output<TParameters>, context: ToolContext): Promise<string> | string;
}

/** Checks a tool's definition; throws `TypeError` when it declares `request_heartbeat` itself. */
export function defineAgentTool<TParameters extends z.ZodObject>(
  tool: AgentTool<TParameters>,
): AgentTool<TParameters> {
  defineTool(tool.definition);
  if ('request_heartbeat' in tool.definition.parameters.shape) {
    throw new TypeError(`tool "${tool.definition.name}": request_heartbeat is added by the agent; remove it`);
  }
  return tool;
}

const heartbeatField = z
  .boolean()
  .optional()
  .describe('Request an immediate heartbeat after this function returns, to chain another function call.');

/** The definition sent to the LLM: the tool's parameters plus `request_heartbeat`. */
export function withHeartbeat(tool: AgentTool): ToolDefinition {
  return {
    name: tool.definition.name,
    description: tool.definition.description,
    parameters: tool.definition.parameters.extend({ request_heartbeat: heartbeatField }),
  };
}

export interface ToolOutcome {
  ok: boolean;
  /** JSON text the LLM sees as the tool message. */
  content: string;
  heartbeat: boolean;
  /** The parsed arguments, when they parsed. */
  args?: Record<string, unknown>;
  error?: ToolCallError;
}

function result(status: 'OK' | 'Failed', message: string, at: Date): string {
  return JSON.stringify({ status, message, time: at.toISOString() });
}

function failure(call: ToolCall, message: string, code: string, at: Date, cause?: unknown): ToolOutcome {
  const error = new ToolCallError(`function ${call.name}: ${message}`, {
    toolName: call.name,
    code,
    cause,
  });
  // A failed call always gets a heartbeat, so the LLM sees the error and can correct itself.
  return { ok: false, heartbeat: true, error, content: result('Failed', error.message, at) };
}

/**
 * Runs one call from the LLM. Nothing the LLM sends can throw out of here: unknown names, arguments
 * that are not JSON or fail the schema, and errors thrown by the tool become a failed result.
 * Only an abort propagates.
 */
export async function runToolCall(
  call: ToolCall,
  tools: ReadonlyMap<string, AgentTool>,
  context: ToolContext,
): Promise<ToolOutcome> {
  const tool = tools.get(call.name);
  if (!tool) {
    return failure(
      call,
      `unknown function "${call.name}"; the functions are: ${[...tools.keys()].join(', ')}`,
      'unknown_tool',
      context.at,
    );
  }
  let raw: unknown;
  try {
    raw = call.arguments.trim().length === 0 ? {} : JSON.parse(call.arguments);
  } catch (error) {
    return failure(
      call,
      `arguments are not valid JSON (${(error as Error).message}); send one JSON object`,
      'invalid_json',
      context.at,
      error,
    );
  }
  const parsed = withHeartbeat(tool).parameters.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(arguments)'}: ${issue.message}`)
      .join('; ');
    return failure(call, `invalid arguments: ${detail}`, 'invalid_arguments', context.at, parsed.error);
  }
  const args = parsed.data as Record<string, unknown>;
  const requested = args['request_heartbeat'];
  const heartbeat = typeof requested === 'boolean' ? requested : (tool.heartbeatByDefault ?? true);
  try {
    const message = await tool.run(args, context);
    return { ok: true, heartbeat, args, content: result('OK', message, context.at) };
  } catch (error) {
    if (context.signal?.aborted) throw error;
    return { ...failure(call, (error as Error).message, 'tool_failed', context.at, error), args };
  }
}
