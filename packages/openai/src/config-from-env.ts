import { parseWith } from '@loci/core';
import { z } from 'zod';
import { knownEmbeddingDimensions } from './known-models.js';
import { maxTimerMs, type OpenAIChatModelOptions, type OpenAIEmbedderOptions } from './options.js';

/** What `openAIConfigFromEnv` read: options for `createOpenAIChatModel` and `createOpenAIEmbedder`. */
export interface OpenAIEnvConfig {
  chat: OpenAIChatModelOptions;
  /** Present when LOCI_EMBEDDING_MODEL is set. */
  embedder?: OpenAIEmbedderOptions;
}

const positiveInteger = z
  .string()
  .regex(/^\d+$/, 'expected a positive whole number')
  .transform(Number)
  .pipe(z.int().positive());

const retryCount = z
  .string()
  .regex(/^\d+$/, 'expected a whole number from 0 to 20')
  .transform(Number)
  .pipe(z.int().min(0).max(20));

/** Node's timers fire at once past about 24.8 days. */
const timeoutMs = z
  .string()
  .regex(/^\d+$/, 'expected a positive whole number of milliseconds')
  .transform(Number)
  .pipe(z.int().positive().max(maxTimerMs));

const envSchema = z.object({
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  OPENAI_ORG_ID: z.string().optional(),
  LOCI_MODEL: z.string().optional(),
  LOCI_CONTEXT_WINDOW: positiveInteger.optional(),
  LOCI_TOOL_MODE: z.enum(['native', 'json']).optional(),
  LOCI_EMBEDDING_MODEL: z.string().optional(),
  LOCI_EMBEDDING_DIMENSIONS: positiveInteger.optional(),
  LOCI_TIMEOUT_MS: timeoutMs.optional(),
  LOCI_MAX_RETRIES: retryCount.optional(),
});

const defaultOpenAIModel = 'gpt-4o-mini';

/** Empty variables (`OPENAI_BASE_URL=`) mean unset, as shells commonly produce them. */
function nonEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && value.trim() !== '') out[key] = value.trim();
  return out;
}

/**
 * Chat (and embedder) options from the environment, or `undefined` when no LLM is configured.
 * OPENAI_API_KEY or OPENAI_BASE_URL configures one; a base URL alone is a local server (Ollama,
 * llama.cpp, vLLM) that needs LOCI_MODEL and no key.
 */
export function openAIConfigFromEnv(
  env: Record<string, string | undefined> = process.env,
): OpenAIEnvConfig | undefined {
  const vars = parseWith(envSchema, nonEmpty(env), 'environment');
  if (vars.OPENAI_API_KEY === undefined && vars.OPENAI_BASE_URL === undefined) return undefined;
  if (vars.LOCI_MODEL === undefined && vars.OPENAI_BASE_URL !== undefined) {
    parseWith(
      z.object({
        LOCI_MODEL: z.string({
          error: 'required when OPENAI_BASE_URL is set: the model name the server serves (e.g. llama3.1)',
        }),
      }),
      {},
      'environment',
    );
  }
  const connection: Pick<
    OpenAIChatModelOptions,
    'apiKey' | 'baseURL' | 'organization' | 'timeoutMs' | 'maxRetries'
  > = {};
  if (vars.OPENAI_API_KEY !== undefined) connection.apiKey = vars.OPENAI_API_KEY;
  if (vars.OPENAI_BASE_URL !== undefined) connection.baseURL = vars.OPENAI_BASE_URL;
  if (vars.OPENAI_ORG_ID !== undefined) connection.organization = vars.OPENAI_ORG_ID;
  if (vars.LOCI_TIMEOUT_MS !== undefined) connection.timeoutMs = vars.LOCI_TIMEOUT_MS;
  if (vars.LOCI_MAX_RETRIES !== undefined) connection.maxRetries = vars.LOCI_MAX_RETRIES;

  const chat: OpenAIChatModelOptions = { ...connection, model: vars.LOCI_MODEL ?? defaultOpenAIModel };
  if (vars.LOCI_CONTEXT_WINDOW !== undefined) chat.contextWindow = vars.LOCI_CONTEXT_WINDOW;
  if (vars.LOCI_TOOL_MODE !== undefined) chat.toolMode = vars.LOCI_TOOL_MODE;
  const config: OpenAIEnvConfig = { chat };

  if (vars.LOCI_EMBEDDING_MODEL !== undefined) {
    const dimensions = vars.LOCI_EMBEDDING_DIMENSIONS ?? knownEmbeddingDimensions(vars.LOCI_EMBEDDING_MODEL);
    if (dimensions === undefined) {
      parseWith(
        z.object({
          LOCI_EMBEDDING_DIMENSIONS: z.string({
            error: `required for embedding model "${vars.LOCI_EMBEDDING_MODEL}", whose vector size Loci does not know`,
          }),
        }),
        {},
        'environment',
      );
    }
    const embedder: OpenAIEmbedderOptions = { ...connection, model: vars.LOCI_EMBEDDING_MODEL };
    if (vars.LOCI_EMBEDDING_DIMENSIONS !== undefined) embedder.dimensions = vars.LOCI_EMBEDDING_DIMENSIONS;
    config.embedder = embedder;
  }
  return config;
}
