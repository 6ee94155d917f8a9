import type { LanguageModel } from '@loci/core';
import { LociError } from '@loci/core';
import type { OpenAIChatModelOptions } from '@loci/openai';
import { createOpenAIChatModel, openAIConfigFromEnv } from '@loci/openai';
import { CliError } from '../cli-error.js';

/** The LLM flags a command takes; each overrides its environment variable. */
export interface LanguageModelFlags {
  model?: string | undefined;
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  contextWindow?: number | undefined;
}

/** Which variable each flag stands for (the advice for a bad setting names both). */
export const flagVariables = {
  model: 'LOCI_MODEL',
  baseUrl: 'OPENAI_BASE_URL',
  apiKey: 'OPENAI_API_KEY',
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
    if (value !== undefined) merged[variable] = value;
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

/** The LLM for commands that need one; fails with `llm_not_configured` when there is none. */
export function createLanguageModel(flags: LanguageModelFlags, env: NodeJS.ProcessEnv): LanguageModel {
  const options = languageModelOptions(flags, env);
  if (!options) {
    throw new CliError('no LLM is configured', { code: 'llm_not_configured', category: 'user' });
  }
  return createOpenAIChatModel(options);
}
