import { parseWith } from '@loci/core';
import { z } from 'zod';
import type { OpenAIChatModelId, OpenAIEmbeddingModelId } from './known-models.js';
import type { OpenAIRetryEvent, OpenAIWaitEvent } from './wait-clock.js';

/** Settings shared by the chat model and the embedder. */
export interface OpenAIConnectionOptions {
  /** Defaults to OPENAI_API_KEY; a placeholder when `baseURL` points at a local server that ignores keys. */
  apiKey?: string;
  /** Any OpenAI-compatible server, e.g. Ollama's `http://localhost:11434/v1`. Default: api.openai.com. */
  baseURL?: string;
  organization?: string;
  /** Extra headers on every request (Azure gateways, proxies). */
  headers?: Record<string, string>;
  /**
   * The longest the server may stay silent, per try: until a reply starts (for a reply that is not
   * streamed, until it is complete), and between the chunks of a stream. Then the try fails with
   * code 'timeout' (facts: `timeoutMs`, `phase`, `attempts`) and is retried. Default 60 000.
   */
  timeoutMs?: number;
  /**
   * Tries after the first on 429, 5xx, 408, 409, timeouts, connection errors and replies cut off
   * before they finished (a stream only while none of it has been handed on). Default 3.
   */
  maxRetries?: number;
  /** First backoff wait, doubled each retry, with jitter. Default 500. */
  retryDelayMs?: number;
  /** Cap on one wait, also on the server's retry-after. Default 20 000. */
  maxRetryDelayMs?: number;
  /**
   * Called every `waitNoticeMs` while waiting for the server (before a reply starts, or while a
   * stream is quiet), e.g. to show "waiting for the model… 30 s". Errors it throws are ignored.
   */
  onWait?: (event: OpenAIWaitEvent) => void;
  /** Called after a failed try, before the pause ahead of the retry. Errors it throws are ignored. */
  onRetry?: (event: OpenAIRetryEvent) => void;
  /** How often `onWait` is called while a wait lasts. Default 1 000. */
  waitNoticeMs?: number;
}

export interface OpenAIChatModelOptions extends OpenAIConnectionOptions {
  model: OpenAIChatModelId;
  /** Tokens; defaults from a table of known models, else 8192. */
  contextWindow?: number;
  /**
   * 'native' sends tools the OpenAI way. 'json' is for servers without tool calling: tools are
   * described in the system prompt and the reply is read from a JSON object. Default 'native'.
   */
  toolMode?: 'native' | 'json';
  /** How `maxTokens` is sent. Default: `max_completion_tokens` for api.openai.com, `max_tokens` elsewhere. */
  maxTokensParameter?: 'max_tokens' | 'max_completion_tokens';
}

export interface OpenAIEmbedderOptions extends OpenAIConnectionOptions {
  model: OpenAIEmbeddingModelId;
  /** Vector size; required unless the model is in the known table. */
  dimensions?: number;
  /** Texts per request; larger inputs are split. Default 256. */
  maxBatchSize?: number;
  /** Prepended to query texts, for asymmetric models (e.g. 'search_query: ' for nomic-embed-text). */
  queryPrefix?: string;
  /** Prepended to document texts (e.g. 'search_document: '). */
  documentPrefix?: string;
}

/** Node's timers fire at once for longer delays (about 24.8 days). */
export const maxTimerMs = 2_147_483_647;

const hook = z.custom<(event: never) => void>((value) => typeof value === 'function', {
  message: 'expected a function',
});

const connectionShape = {
  apiKey: z.string().min(1).optional(),
  baseURL: z.url({ protocol: /^https?$/ }).optional(),
  organization: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  timeoutMs: z.int().positive().max(maxTimerMs).optional(),
  maxRetries: z.int().min(0).max(20).optional(),
  retryDelayMs: z.int().min(0).max(maxTimerMs).optional(),
  maxRetryDelayMs: z.int().min(0).max(maxTimerMs).optional(),
  onWait: hook.optional(),
  onRetry: hook.optional(),
  waitNoticeMs: z.int().min(10).max(maxTimerMs).optional(),
};

const chatOptionsSchema = z.strictObject({
  ...connectionShape,
  model: z.string().min(1),
  contextWindow: z.int().positive().optional(),
  toolMode: z.enum(['native', 'json']).optional(),
  maxTokensParameter: z.enum(['max_tokens', 'max_completion_tokens']).optional(),
});

const embedderOptionsSchema = z.strictObject({
  ...connectionShape,
  model: z.string().min(1),
  dimensions: z.int().positive().optional(),
  maxBatchSize: z.int().positive().max(2048).optional(),
  queryPrefix: z.string().optional(),
  documentPrefix: z.string().optional(),
});

export function parseChatModelOptions(options: unknown): OpenAIChatModelOptions {
  return parseWith(chatOptionsSchema, options, 'OpenAI chat model options') as OpenAIChatModelOptions;
}

export function parseEmbedderOptions(options: unknown): OpenAIEmbedderOptions {
  return parseWith(embedderOptionsSchema, options, 'OpenAI embedder options') as OpenAIEmbedderOptions;
}

export const defaultTimeoutMs = 60_000;
export const defaultMaxRetries = 3;
export const defaultRetryDelayMs = 500;
export const defaultMaxRetryDelayMs = 20_000;
export const defaultWaitNoticeMs = 1_000;
