import { describe, expect, it } from 'vitest';
import {
  acceptsTemperature,
  knownContextWindow,
  knownEmbeddingDimensions,
  maxTokensParameterFor,
} from './known-models.js';

describe('known models', () => {
  it('finds context windows by id, dated snapshot and Ollama tag', () => {
    expect(knownContextWindow('gpt-4o-mini')).toBe(128_000);
    expect(knownContextWindow('gpt-4o-mini-2024-07-18')).toBe(128_000);
    // The longest known prefix wins: gpt-4.1-mini is not read as gpt-4.1's snapshot or gpt-4o.
    expect(knownContextWindow('gpt-4.1-mini-2025-04-14')).toBe(1_047_576);
    expect(knownContextWindow('gpt-3.5-turbo-0125')).toBe(16_385);
    expect(knownContextWindow('llama3.1:8b')).toBeUndefined();
  });

  it('finds embedding sizes, also for tagged local models', () => {
    expect(knownEmbeddingDimensions('text-embedding-3-small')).toBe(1536);
    expect(knownEmbeddingDimensions('nomic-embed-text:latest')).toBe(768);
    expect(knownEmbeddingDimensions('my-embedder')).toBeUndefined();
  });

  it('sends max_completion_tokens to api.openai.com only', () => {
    expect(maxTokensParameterFor(undefined)).toBe('max_completion_tokens');
    expect(maxTokensParameterFor('https://api.openai.com/v1')).toBe('max_completion_tokens');
    expect(maxTokensParameterFor('http://localhost:11434/v1')).toBe('max_tokens');
    expect(maxTokensParameterFor('https://openai.example.com/v1')).toBe('max_tokens');
  });

  it("leaves temperature out only for OpenAI's reasoning models on api.openai.com", () => {
    expect(acceptsTemperature('gpt-4o-mini', undefined)).toBe(true);
    expect(acceptsTemperature('o4-mini', undefined)).toBe(false);
    expect(acceptsTemperature('gpt-5-mini', 'https://api.openai.com/v1')).toBe(false);
    expect(acceptsTemperature('gpt-5-chat-latest', undefined)).toBe(true);
    expect(acceptsTemperature('o4-mini', 'http://localhost:8000/v1')).toBe(true);
  });
});
