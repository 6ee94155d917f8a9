import { type EmbeddingModel, normalize, seededRandom } from '@loci/core';

function hash(word: string): number {
  let h = 2166136261;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * A deterministic bag-of-words embedder for tests: each word is a fixed random direction, a text
 * the normalised sum of its words. Fast, needs no model, and its collisions are predictable (two
 * texts sharing words are close), which is what the distraction fixtures are built on. Counts its
 * calls so tests can check that re-projection never re-embeds.
 */
export function createHashingEmbedder(dimensions = 64): EmbeddingModel & { calls: number; texts: number } {
  const cache = new Map<string, Float32Array>();
  function wordVector(word: string): Float32Array {
    let vector = cache.get(word);
    if (!vector) {
      const random = seededRandom(hash(word));
      vector = Float32Array.from({ length: dimensions }, () => {
        const radius = Math.sqrt(-2 * Math.log(1 - random()));
        return radius * Math.cos(2 * Math.PI * random());
      });
      cache.set(word, vector);
    }
    return vector;
  }
  const embedder = {
    provider: 'test',
    modelId: `hashing-${dimensions}`,
    dimensions,
    maxBatchSize: 64,
    calls: 0,
    texts: 0,
    async embed(texts: readonly string[]) {
      embedder.calls++;
      embedder.texts += texts.length;
      return texts.map((text) => {
        const sum = new Float32Array(dimensions);
        for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
          const vector = wordVector(word);
          for (let i = 0; i < dimensions; i++) sum[i] = (sum[i] as number) + (vector[i] as number);
        }
        return normalize(sum);
      });
    },
  };
  return embedder;
}
