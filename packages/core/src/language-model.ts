import type { z } from 'zod';
import type { AssistantMessage, ChatMessage, ToolCall } from './messages.js';
import type { ToolChoice, ToolDefinition } from './tools.js';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'error' | 'other';

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

export interface GenerateResult {
  message: AssistantMessage;
  toolCalls: ToolCall[];
  usage: Usage;
  finishReason: FinishReason;
  /** Set when `responseSchema` was given and the reply parsed against it. */
  object?: unknown;
}

export type StreamPart =
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call-delta'; index: number; id?: string; name?: string; argumentsDelta: string }
  | { type: 'finish'; result: GenerateResult };

export interface LanguageModel {
  readonly provider: string;
  readonly modelId: string;
  /** Context window in tokens. */
  readonly contextWindow: number;
  generate(options: GenerateOptions): Promise<GenerateResult>;
  /** Streams deltas and ends with one `finish` part holding the same result `generate` would return. */
  stream?(options: GenerateOptions): AsyncIterable<StreamPart>;
}
