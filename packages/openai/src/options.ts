import { parseWith } from '@loci/core';
import { z } from 'zod';
import type { OpenAIChatModelId, OpenAIEmbeddingModelId } from './known-models.js';

/** Settings shared by the chat model and the embedder. */
export interface OpenAIConnectionOptions {
  /** Defaults to OPENAI_API_KEY; a placeholder when `baseURL` points at a local server that ignores keys. */
  apiKey?: string;
  /** Any OpenAI-compatible server, e.g. Ollama's `http://localhost:11434/v1`. Default: api.openai.com. */
  baseURL?: string;
  organization?: string;
  /** Extra headers on every request (Azure gateways, proxies). */
  headers?: Record<string, string>;
  /** Per try, until the response starts. Default 60 000. */
  timeoutMs?: number;
  /** Tries after the first on 429, 5xx, 408, 409, timeouts and connection errors. Default 3. */
  maxRetries?: number;
  /** First backoff wait, doubled each retry, with jitter. Default 500. */
  retryDelayMs?: number;
  /** Cap on one wait, also on the server's retry-after. Default 20 000. */
  maxRetryDelayMs?: number;
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

const connectionShape = {
  apiKey: z.string().min(1).optional(),
  baseURL: z.url({ protocol: /^https?$/ }).optional(),
  organization: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  timeoutMs: z.int().positive().optional(),
  maxRetries: z.int().min(0).max(20).optional(),
  retryDelayMs: z.int().min(0).optional(),
  maxRetryDelayMs: z.int().min(0).optional(),
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
