import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { DimensionMismatchError, type EmbeddingModel, normalize } from '@loci/core';

/** Options of `fromLangChainEmbeddings`; `dimensions` is required. */
export interface FromLangChainEmbeddingsOptions {
  /** Dimensions the embeddings return; every vector is checked against it. */
  dimensions: number;
  modelId?: string;
  provider?: string;
  /** Texts per call (default 64); larger inputs are split. */
  maxBatchSize?: number;
}

/**
 * Any LangChain `Embeddings` as a Loci `EmbeddingModel`: documents through `embedDocuments`, queries
 * through `embedQuery`, vectors unit-normalised and checked against `dimensions`.
 */
export function fromLangChainEmbeddings(
  embeddings: EmbeddingsInterface,
  options: FromLangChainEmbeddingsOptions,
): EmbeddingModel {
  const { dimensions } = options;
  if (!Number.isInteger(dimensions) || dimensions <= 0) {
    throw new TypeError(`fromLangChainEmbeddings: dimensions must be a positive integer, got ${dimensions}`);
  }
  const maxBatchSize = options.maxBatchSize ?? 64;
  const name = (embeddings as { constructor?: { name?: string } }).constructor?.name ?? 'Embeddings';
  const fields = embeddings as unknown as Record<string, unknown>;
  const modelId = options.modelId ?? (typeof fields['model'] === 'string' ? fields['model'] : name);

  const toVector = (values: readonly number[]): Float32Array => {
    if (values.length !== dimensions)
      throw new DimensionMismatchError({
        expected: dimensions,
        actual: values.length,
        what: `${modelId} embedding`,
      });
    const vector = Float32Array.from(values);
    if (!vector.every(Number.isFinite))
      throw new TypeError(`${modelId} returned a vector with a non-finite value`);
    let sum = 0;
    for (const value of vector) sum += value * value;
    return sum === 0 ? vector : normalize(vector);
  };

  return {
    provider: options.provider ?? `langchain:${name}`,
    modelId,
    dimensions,
    maxBatchSize,
    async embed(texts, { kind, signal }) {
      const out: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += maxBatchSize) {
        signal?.throwIfAborted();
        const batch = texts.slice(start, start + maxBatchSize);
        // Some providers refuse empty input: an empty text gets the zero vector the contract allows.
        const nonEmpty = batch.filter((text) => text.length > 0);
        const vectors =
          nonEmpty.length === 0
            ? []
            : kind === 'query'
              ? await Promise.all(nonEmpty.map((text) => embeddings.embedQuery(text)))
              : await embeddings.embedDocuments(nonEmpty);
        if (vectors.length !== nonEmpty.length) {
          throw new TypeError(`${modelId} returned ${vectors.length} vectors for ${nonEmpty.length} texts`);
        }
        let next = 0;
        for (const text of batch)
          out.push(text.length === 0 ? new Float32Array(dimensions) : toVector(vectors[next++] as number[]));
      }
      signal?.throwIfAborted();
      return out;
    },
  };
}
