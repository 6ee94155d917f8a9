import { ConfigError } from '@loci/core';
import type OpenAI from 'openai';
import { baseURLOrDefault, createClient, resolveApiKey } from './client.js';
import {
  defaultMaxRetries,
  defaultMaxRetryDelayMs,
  defaultRetryDelayMs,
  defaultTimeoutMs,
  defaultWaitNoticeMs,
} from './options.js';
import type { RetryPolicy } from './retry.js';
import type { OpenAIRetryEvent, OpenAIWaitEvent, ProgressHooks } from './wait-clock.js';

/** The connection settings the chat model and the embedder share. */
export interface EndpointOptions {
  apiKey?: string | undefined;
  baseURL?: string | undefined;
  organization?: string | undefined;
  headers?: Record<string, string> | undefined;
  maxRetries?: number | undefined;
  retryDelayMs?: number | undefined;
  maxRetryDelayMs?: number | undefined;
  timeoutMs?: number | undefined;
  onWait?: ((event: OpenAIWaitEvent) => void) | undefined;
  onRetry?: ((event: OpenAIRetryEvent) => void) | undefined;
  waitNoticeMs?: number | undefined;
}

export interface Endpoint {
  client: OpenAI;
  baseURL: string;
  policy: RetryPolicy;
  timeout: number;
  /** The progress hooks, for the operation named. */
  hooks(operation: ProgressHooks['operation']): ProgressHooks;
}

/** A client, retry policy and timeout from validated options; `what` names the options in errors. */
export function connectEndpoint(options: EndpointOptions, what: string): Endpoint {
  const apiKey = resolveApiKey(options.apiKey, options.baseURL);
  if (apiKey === undefined) {
    throw new ConfigError(
      `invalid ${what}: apiKey: required for api.openai.com; set OPENAI_API_KEY, pass apiKey, or pass baseURL for a local server`,
      [{ path: 'apiKey', message: 'required for api.openai.com' }],
    );
  }
  const baseURL = baseURLOrDefault(options.baseURL);
  const client = createClient({
    apiKey,
    baseURL,
    ...(options.organization === undefined ? {} : { organization: options.organization }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
  });
  return {
    client,
    baseURL,
    policy: {
      maxRetries: options.maxRetries ?? defaultMaxRetries,
      baseDelayMs: options.retryDelayMs ?? defaultRetryDelayMs,
      maxDelayMs: options.maxRetryDelayMs ?? defaultMaxRetryDelayMs,
    },
    timeout: options.timeoutMs ?? defaultTimeoutMs,
    hooks: (operation) => ({
      operation,
      onWait: options.onWait,
      onRetry: options.onRetry,
      waitNoticeMs: options.waitNoticeMs ?? defaultWaitNoticeMs,
    }),
  };
}
