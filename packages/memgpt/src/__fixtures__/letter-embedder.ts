import type { EmbeddingModel } from '@loci/core';

/** Vectors from letter counts: texts sharing letters are close, which is all archival search needs in a unit test. */
export const letterEmbedder: EmbeddingModel = {
  provider: 'fake',
  modelId: 'letters',
  dimensions: 26,
  maxBatchSize: 64,
  async embed(texts) {
    return texts.map((text) => {
      const vector = new Float32Array(26);
      for (const char of text.toLowerCase()) {
        const index = char.charCodeAt(0) - 97;
        if (index >= 0 && index < 26) vector[index] = (vector[index] ?? 0) + 1;
      }
      return vector;
    });
  },
};
