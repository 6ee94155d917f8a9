import { createInMemoryStore, type EmbeddingModel } from '@loci/core';
import { describeMemoryConformance } from '@loci/testing/memory-conformance';
import { hashedBagOfWords } from '@loci/testing/scripted-server';
import { describe, expect, it } from 'vitest';
import { createDefaultMemory } from './default-memory.js';
import { createLongMemMemory } from './longmem-memory.js';

/** Texts sharing words get similar vectors: enough for the dense stage, with no model to load. */
const embedder: EmbeddingModel = {
  provider: 'test',
  modelId: 'hashed-bag-of-words',
  dimensions: 64,
  maxBatchSize: 4,
  async embed(texts) {
    return texts.map((text) => Float32Array.from(hashedBagOfWords(text, 64)));
  },
};

// The same contract as the LanceDB-backed integration test, in memory and in milliseconds.
describeMemoryConformance('createDefaultMemory over the in-memory store', async () => ({
  memory: createDefaultMemory({ embedder, store: createInMemoryStore() }),
}));

describeMemoryConformance('createLongMemMemory (chunks) over the in-memory store', async () => ({
  memory: createLongMemMemory({ embedder, store: createInMemoryStore(), output: 'chunk' }),
}));

describe('createLongMemMemory input', () => {
  it('validates observed events with the shared parser, naming the field', async () => {
    const memory = createDefaultMemory({ embedder, store: createInMemoryStore() });
    const at = new Date(Date.UTC(2024, 0, 1));
    await expect(
      memory.observe({ namespace: 'ns', event: { type: 'turn', id: 't1', speaker: '', text: 'hi', at } }),
    ).rejects.toThrow(/event\.speaker/);
    await expect(memory.recall({ namespace: 'ns', query: 'hi', tokenBudget: 0 })).rejects.toThrow(
      /tokenBudget/,
    );
  });
});
