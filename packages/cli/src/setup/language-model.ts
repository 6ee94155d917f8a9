import type { LanguageModel } from '@loci/core';
import { LociError } from '@loci/core';
import type { OpenAIChatModelOptions } from '@loci/openai';
import { createOpenAIChatModel, openAIConfigFromEnv } from '@loci/openai';
import { z } from 'zod';
import { CliError } from '../cli-error.js';
import { wholeNumberOption } from '../options.js';

/** The LLM flags of every command that talks to one, as zod fields (parsed into `LanguageModelFlags`). */
export const languageModelFlagFields = {
  model: z.string().trim().min(1, 'give a model name').optional(),
  baseUrl: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL like http://localhost:11434/v1' })
    .optional(),
  apiKey: z.string().trim().min(1, 'give a key').optional(),
  contextWindow: wholeNumberOption(512).optional(),
  timeout: wholeNumberOption(1, 2_147_483_647).optional(),
};

/** The LLM flags a command takes; each overrides its environment variable. */
export interface LanguageModelFlags {
  model?: string | undefined;
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  contextWindow?: number | undefined;
  /** `--timeout <ms>`: how long one try waits for the server (LOCI_TIMEOUT_MS). */
  timeout?: number | undefined;
}

/** Which variable each flag stands for (the advice for a bad setting names both). */
export const flagVariables = {
  model: 'LOCI_MODEL',
  baseUrl: 'OPENAI_BASE_URL',
  apiKey: 'OPENAI_API_KEY',
  timeout: 'LOCI_TIMEOUT_MS',
} as const;

/**
 * The chat model's options from the environment (`openAIConfigFromEnv`) with the flags on top, or
 * undefined when neither configures an LLM. Flags and variables go through the same validation.
 */
export function languageModelOptions(
  flags: LanguageModelFlags,
  env: NodeJS.ProcessEnv,
): OpenAIChatModelOptions | undefined {
  const merged: Record<string, string | undefined> = { ...env };
  for (const [flag, variable] of Object.entries(flagVariables)) {
    const value = flags[flag as keyof typeof flagVariables];
    if (value !== undefined) merged[variable] = String(value);
  }
  let config: ReturnType<typeof openAIConfigFromEnv>;
  try {
    config = openAIConfigFromEnv(merged);
  } catch (error) {
    if (!(LociError.isInstance(error) && error.code === 'invalid_config')) throw error;
    throw new CliError(error.message, { code: 'llm_config_invalid', category: 'user', cause: error });
  }
  if (!config) return undefined;
  return {
    ...config.chat,
    ...(flags.contextWindow === undefined ? {} : { contextWindow: flags.contextWindow }),
  };
}

/** Lines such as "waiting for the model… 30 s" and "retrying (2/3) after http_429", on stderr. */
export function progressHooks(
  stderr: { write(text: string): unknown },
  everyMs = 10_000,
): Pick<OpenAIChatModelOptions, 'onWait' | 'onRetry' | 'waitNoticeMs'> {
  return {
    waitNoticeMs: everyMs,
    onWait: (event) => {
      const what = event.phase === 'stream' ? 'the model went quiet…' : 'waiting for the model…';
      stderr.write(
        `(${what} ${Math.round(event.waitedMs / 1000)} s of ${Math.round(event.timeoutMs / 1000)} s)\n`,
      );
    },
    onRetry: (event) => {
      const why = event.error.status === undefined ? event.error.code : String(event.error.status);
      stderr.write(
        `(retrying (${event.retry}/${event.maxRetries}) after ${why}, in ${(event.delayMs / 1000).toFixed(1)} s)\n`,
      );
    },
  };
}

/**
 * The LLM for commands that need one; fails with `llm_not_configured` when there is none. With
 * `stderr`, waits and retries are reported there.
 */
export function createLanguageModel(
  flags: LanguageModelFlags,
  env: NodeJS.ProcessEnv,
  stderr?: { write(text: string): unknown },
): LanguageModel {
  const options = languageModelOptions(flags, env);
  if (!options) {
    throw new CliError('no LLM is configured', { code: 'llm_not_configured', category: 'user' });
  }
  return createOpenAIChatModel(stderr ? { ...options, ...progressHooks(stderr) } : options);
}
