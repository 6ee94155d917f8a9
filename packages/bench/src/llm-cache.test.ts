import { readFileSync, writeFileSync } from 'node:fs';
import type { GenerateOptions, LanguageModel } from '@loci/core';
import { makeTempDir } from '@loci/testing/temp-dir';
import { describe, expect, it } from 'vitest';
import { cachedCompletion, openLlmCache } from './llm-cache.js';

function countingModel(id = 'm1') {
  const seen: GenerateOptions[] = [];
  const model: LanguageModel = {
    provider: 'test',
    modelId: id,
    contextWindow: 8192,
    async generate(options) {
      seen.push(options);
      return {
        message: { role: 'assistant', content: `reply ${seen.length}` },
        toolCalls: [],
        usage: { inputTokens: 10, outputTokens: 2, totalTokens: 12 },
        finishReason: 'stop',
      };
    },
  };
  return { model, seen };
}

const messages = [{ role: 'user' as const, content: 'When?' }];

describe('the LLM cache', () => {
  it('answers a repeated prompt from the file, across opens, without a request', async () => {
    const dir = await makeTempDir();
    const path = `${dir.path}/cache.jsonl`;
    const { model, seen } = countingModel();
    const first = await cachedCompletion({
      model,
      cache: openLlmCache(path, 'v1'),
      version: 'v1',
      role: 'answer',
      messages,
    });
    expect(first).toMatchObject({ content: 'reply 1', cached: false });
    const again = await cachedCompletion({
      model,
      cache: openLlmCache(path, 'v1'),
      version: 'v1',
      role: 'answer',
      messages,
    });
    expect(again).toMatchObject({ content: 'reply 1', cached: true, usage: { inputTokens: 10 } });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.temperature).toBe(0);
    await dir.remove();
  });

  it('never serves a reply of another model or prompt version', async () => {
    const dir = await makeTempDir();
    const path = `${dir.path}/cache.jsonl`;
    const one = countingModel('m1');
    await cachedCompletion({
      model: one.model,
      cache: openLlmCache(path, 'v1'),
      version: 'v1',
      role: 'answer',
      messages,
    });
    const two = countingModel('m2');
    const other = await cachedCompletion({
      model: two.model,
      cache: openLlmCache(path, 'v1'),
      version: 'v1',
      role: 'answer',
      messages,
    });
    expect(other.cached).toBe(false);
    const v2 = openLlmCache(path, 'v2');
    expect(v2.loaded).toMatchObject({ entries: 0, otherVersion: 2 });
    await dir.remove();
  });

  it('skips a line cut by a kill and asks that prompt again', async () => {
    const dir = await makeTempDir();
    const path = `${dir.path}/cache.jsonl`;
    const { model, seen } = countingModel();
    await cachedCompletion({
      model,
      cache: openLlmCache(path, 'v1'),
      version: 'v1',
      role: 'answer',
      messages,
    });
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.slice(0, text.length - 20));
    const cache = openLlmCache(path, 'v1');
    expect(cache.loaded).toMatchObject({ entries: 0, unreadable: 1 });
    const again = await cachedCompletion({ model, cache, version: 'v1', role: 'answer', messages });
    expect(again.cached).toBe(false);
    expect(seen).toHaveLength(2);
    await dir.remove();
  });
});
