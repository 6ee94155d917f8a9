import { LociError } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { createLanguageModel, languageModelOptions } from './language-model.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (LociError.isInstance(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe('the LLM settings from flags and environment', () => {
  it('is nothing when neither configures an LLM', () => {
    expect(languageModelOptions({}, {})).toBeUndefined();
    expect(codeOf(() => createLanguageModel({}, {}))).toBe('llm_not_configured');
  });

  it('reads the environment, and each flag overrides its variable', () => {
    const env = { OPENAI_API_KEY: 'sk-env', LOCI_MODEL: 'env-model', LOCI_CONTEXT_WINDOW: '4096' };
    expect(languageModelOptions({}, env)).toMatchObject({
      apiKey: 'sk-env',
      model: 'env-model',
      contextWindow: 4096,
    });
    expect(
      languageModelOptions(
        { model: 'flag-model', apiKey: 'sk-flag', baseUrl: 'http://127.0.0.1:1/v1', contextWindow: 8192 },
        env,
      ),
    ).toMatchObject({
      apiKey: 'sk-flag',
      model: 'flag-model',
      baseURL: 'http://127.0.0.1:1/v1',
      contextWindow: 8192,
    });
  });

  it('a local server needs a model name, from either side', () => {
    expect(codeOf(() => languageModelOptions({ baseUrl: 'http://127.0.0.1:1/v1' }, {}))).toBe(
      'llm_config_invalid',
    );
    expect(
      languageModelOptions({ baseUrl: 'http://127.0.0.1:1/v1' }, { LOCI_MODEL: 'llama3.1' }),
    ).toMatchObject({
      model: 'llama3.1',
    });
  });

  it('names a bad variable with its own code', () => {
    expect(codeOf(() => languageModelOptions({}, { OPENAI_API_KEY: 'k', LOCI_CONTEXT_WINDOW: 'big' }))).toBe(
      'llm_config_invalid',
    );
  });

  it('makes the chat model when configured', () => {
    const model = createLanguageModel({ baseUrl: 'http://127.0.0.1:1/v1', model: 'local-model' }, {});
    expect(model.modelId).toBe('local-model');
  });
});
