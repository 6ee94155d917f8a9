import type { EmbeddingKind, EmbeddingModel } from './embedding-model.js';
import { ProviderError } from './errors.js';

/**
 * Embeds any number of texts in calls of at most `embedder.maxBatchSize`, in order. Returns one
 * vector per text; no call is made for no texts.
 */
export async function embedInBatches(
  embedder: EmbeddingModel,
  texts: readonly string[],
  options: { kind: EmbeddingKind; signal?: AbortSignal },
): Promise<Float32Array[]> {
  const size = Math.max(1, Math.floor(embedder.maxBatchSize) || 1);
  const out: Float32Array[] = [];
  for (let start = 0; start < texts.length; start += size) {
    options.signal?.throwIfAborted();
    const batch = texts.slice(start, start + size);
    const vectors = await embedder.embed(batch, {
      kind: options.kind,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (vectors.length !== batch.length) {
      throw new ProviderError(
        `embedder ${embedder.provider}/${embedder.modelId} returned ${vectors.length} vectors for ${batch.length} texts`,
        { code: 'embedding_count_mismatch' },
      );
    }
    out.push(...vectors);
  }
  return out;
}
