import { createInMemoryStore, type EmbeddingModel } from '@loci/core';
import { describeMemoryConformance } from '@loci/testing/memory-conformance';
import { hashedBagOfWords } from '@loci/testing/scripted-server';
import { describe, expect, it } from 'vitest';
import { createStoreSearchMemory } from './store-search-memory.js';

const embedder: EmbeddingModel = {
  provider: 'test',
  modelId: 'hashed-bag-of-words',
  dimensions: 64,
  maxBatchSize: 3,
  async embed(texts) {
    return texts.map((text) => Float32Array.from(hashedBagOfWords(text, 64)));
  },
};

for (const mode of ['text', 'vector', 'hybrid'] as const) {
  describeMemoryConformance(`store search (${mode}) over the in-memory store`, async () => ({
    memory: createStoreSearchMemory({ embedder, store: createInMemoryStore(), mode }),
  }));
}

describe('createStoreSearchMemory', () => {
  it('indexes "speaker: text" and cuts recall to the token budget in rank order', async () => {
    const memory = createStoreSearchMemory({ embedder, store: createInMemoryStore(), mode: 'text' });
    const at = new Date(Date.UTC(2024, 0, 1));
    for (const [id, text] of [
      ['a', 'kayak kayak kayak on the lake'],
      ['b', 'a kayak trip'],
    ]) {
      await memory.observe({
        namespace: 'ns',
        event: { type: 'turn', id: id as string, speaker: 'Mia', text: text as string, at },
      });
    }
    const all = await memory.recall({ namespace: 'ns', query: 'kayak', k: 5 });
    expect(all.map((item) => item.text)).toEqual(['Mia: kayak kayak kayak on the lake', 'Mia: a kayak trip']);
    const first = all[0]?.tokens as number;
    const fitted = await memory.recall({ namespace: 'ns', query: 'kayak', k: 5, tokenBudget: first });
    expect(fitted.map((item) => item.sources)).toEqual([['a']]);
    await expect(
      memory.observe({ namespace: 'ns', event: { type: 'turn', id: '', speaker: 'Mia', text: 'x', at } }),
    ).rejects.toThrow(/event\.id/);
  });
});
