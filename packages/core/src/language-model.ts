import type { z } from 'zod';
import type { AssistantMessage, ChatMessage, ToolCall } from './messages.js';
import type { ToolChoice, ToolDefinition } from './tools.js';

/** Tokens one call used, as the provider counted them. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

/** Why the model stopped: `length` means it hit `maxTokens` or the context window. */
export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'error' | 'other';

/** One request to a `LanguageModel`; only `messages` is required. */
export interface GenerateOptions {
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  /** Ask for a JSON object matching this schema; the parsed value comes back as `object`. */
  responseSchema?: z.ZodType;
  temperature?: number;
  maxTokens?: number;
  signal?: AbortSignal;
}

/** A complete reply; `toolCalls` repeats `message.toolCalls` (empty when there are none). */
export interface GenerateResult {
  message: AssistantMessage;
  toolCalls: ToolCall[];
  usage: Usage;
  finishReason: FinishReason;
  /** Set when `responseSchema` was given and the reply parsed against it. */
  object?: unknown;
}

/** One piece of a streamed reply; the last is always `finish`. */
export type StreamPart =
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call-delta'; index: number; id?: string; name?: string; argumentsDelta: string }
  | { type: 'finish'; result: GenerateResult };

/** What every chat model adapter implements; agents and memory systems take one. */
export interface LanguageModel {
  readonly provider: string;
  readonly modelId: string;
  /** Context window in tokens. */
  readonly contextWindow: number;
  /** One complete reply. Provider failures throw `ProviderError`. */
  generate(options: GenerateOptions): Promise<GenerateResult>;
  /** Streams deltas and ends with one `finish` part holding the same result `generate` would return. */
  stream?(options: GenerateOptions): AsyncIterable<StreamPart>;
}
