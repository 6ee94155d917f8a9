import { describe, expect, it } from 'vitest';
import { embedInBatches } from './embed-in-batches.js';
import type { EmbeddingModel, EmbedOptions } from './embedding-model.js';
import { ProviderError } from './errors.js';

function recordingEmbedder(maxBatchSize: number, drop = false) {
  const calls: { texts: string[]; options: EmbedOptions }[] = [];
  const embedder: EmbeddingModel = {
    provider: 'test',
    modelId: 'length',
    dimensions: 1,
    maxBatchSize,
    async embed(texts, options) {
      calls.push({ texts: [...texts], options });
      const vectors = texts.map((text) => Float32Array.from([text.length]));
      return drop ? vectors.slice(1) : vectors;
    },
  };
  return { embedder, calls };
}

describe('embedInBatches', () => {
  it('calls the embedder in batches of maxBatchSize and keeps the order', async () => {
    const { embedder, calls } = recordingEmbedder(2);
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];
    const vectors = await embedInBatches(embedder, texts, { kind: 'document' });
    expect(vectors.map((vector) => vector[0])).toEqual([1, 2, 3, 4, 5]);
    expect(calls.map((call) => call.texts)).toEqual([['a', 'bb'], ['ccc', 'dddd'], ['eeeee']]);
    expect(calls.every((call) => call.options.kind === 'document')).toBe(true);
  });

  it('makes no call for no texts and passes the signal on', async () => {
    const { embedder, calls } = recordingEmbedder(4);
    expect(await embedInBatches(embedder, [], { kind: 'query' })).toEqual([]);
    expect(calls).toHaveLength(0);
    const signal = new AbortController().signal;
    await embedInBatches(embedder, ['x'], { kind: 'query', signal });
    expect(calls[0]?.options).toEqual({ kind: 'query', signal });
  });

  it('stops when aborted and refuses a wrong number of vectors', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      embedInBatches(recordingEmbedder(1).embedder, ['x'], { kind: 'query', signal: controller.signal }),
    ).rejects.toThrow();
    await expect(
      embedInBatches(recordingEmbedder(3, true).embedder, ['x', 'y'], { kind: 'query' }),
    ).rejects.toThrow(ProviderError);
  });
});
