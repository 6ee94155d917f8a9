import { ConfigError } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { createOpenAIChatModel } from './chat-model.js';
import { openAIConfigFromEnv } from './config-from-env.js';
import { createOpenAIEmbedder } from './embedder.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    openAIConfigFromEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('openAIConfigFromEnv', () => {
  it('is undefined when no LLM is configured', () => {
    expect(openAIConfigFromEnv({})).toBeUndefined();
    expect(openAIConfigFromEnv({ OPENAI_API_KEY: '', LOCI_MODEL: 'gpt-4.1' })).toBeUndefined();
  });

  it('uses api.openai.com and gpt-4o-mini with just a key', () => {
    expect(openAIConfigFromEnv({ OPENAI_API_KEY: 'sk-test' })).toEqual({
      chat: { apiKey: 'sk-test', model: 'gpt-4o-mini' },
    });
  });

  it('counts a base URL alone as a local server, with the model from LOCI_MODEL', () => {
    const config = openAIConfigFromEnv({
      OPENAI_BASE_URL: 'http://localhost:11434/v1',
      LOCI_MODEL: 'llama3.1',
    });
    expect(config).toEqual({ chat: { baseURL: 'http://localhost:11434/v1', model: 'llama3.1' } });
    // No key needed: the factory fills in a placeholder that local servers ignore.
    const model = createOpenAIChatModel(config!.chat);
    expect(model.modelId).toBe('llama3.1');
    expect(model.contextWindow).toBe(8192);
  });

  it('reads the context window, tool mode and embedding model', () => {
    const config = openAIConfigFromEnv({
      OPENAI_BASE_URL: 'http://127.0.0.1:8080/v1',
      LOCI_MODEL: 'qwen2.5',
      LOCI_CONTEXT_WINDOW: '32768',
      LOCI_TOOL_MODE: 'json',
      LOCI_EMBEDDING_MODEL: 'nomic-embed-text',
    });
    expect(config?.chat).toMatchObject({ contextWindow: 32_768, toolMode: 'json' });
    expect(config?.embedder).toEqual({ baseURL: 'http://127.0.0.1:8080/v1', model: 'nomic-embed-text' });
    expect(createOpenAIEmbedder(config!.embedder!).dimensions).toBe(768);
  });

  it('reads the timeout and retry count for the chat model and the embedder', () => {
    const config = openAIConfigFromEnv({
      OPENAI_API_KEY: 'k',
      LOCI_TIMEOUT_MS: '120000',
      LOCI_MAX_RETRIES: '0',
      LOCI_EMBEDDING_MODEL: 'text-embedding-3-small',
    });
    expect(config?.chat).toEqual({ apiKey: 'k', model: 'gpt-4o-mini', timeoutMs: 120_000, maxRetries: 0 });
    expect(config?.embedder).toMatchObject({ timeoutMs: 120_000, maxRetries: 0 });
    expect(createOpenAIChatModel(config!.chat).modelId).toBe('gpt-4o-mini');
    for (const [name, value] of [
      ['LOCI_TIMEOUT_MS', '0'],
      ['LOCI_TIMEOUT_MS', '30s'],
      ['LOCI_TIMEOUT_MS', '-5'],
      ['LOCI_TIMEOUT_MS', '9999999999'],
      ['LOCI_MAX_RETRIES', '21'],
      ['LOCI_MAX_RETRIES', 'many'],
    ] as const) {
      expect(configError({ OPENAI_API_KEY: 'k', [name]: value }).message, `${name}=${value}`).toContain(name);
    }
  });

  it('names the variable that is wrong or missing', () => {
    expect(configError({ OPENAI_BASE_URL: 'localhost:11434' }).message).toContain('OPENAI_BASE_URL');
    expect(configError({ OPENAI_BASE_URL: 'http://localhost:11434/v1' }).message).toContain('LOCI_MODEL');
    expect(configError({ OPENAI_API_KEY: 'k', LOCI_CONTEXT_WINDOW: 'big' }).message).toContain(
      'LOCI_CONTEXT_WINDOW',
    );
    expect(configError({ OPENAI_API_KEY: 'k', LOCI_TOOL_MODE: 'xml' }).message).toContain('LOCI_TOOL_MODE');
    expect(configError({ OPENAI_API_KEY: 'k', LOCI_EMBEDDING_MODEL: 'my-embedder' }).message).toContain(
      'LOCI_EMBEDDING_DIMENSIONS',
    );
    expect(
      openAIConfigFromEnv({
        OPENAI_API_KEY: 'k',
        LOCI_EMBEDDING_MODEL: 'my-embedder',
        LOCI_EMBEDDING_DIMENSIONS: '384',
      })?.embedder,
    ).toEqual({ apiKey: 'k', model: 'my-embedder', dimensions: 384 });
  });
});
