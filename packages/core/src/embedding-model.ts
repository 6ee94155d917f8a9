export type EmbeddingKind = 'query' | 'document';

export interface EmbedOptions {
  /** Some models embed queries and documents differently; symmetric models ignore it. */
  kind: EmbeddingKind;
  signal?: AbortSignal;
}

export interface EmbeddingModel {
  readonly provider: string;
  readonly modelId: string;
  readonly dimensions: number;
  /** Largest number of texts one call should carry; callers batch above it. */
  readonly maxBatchSize: number;
  /** One unit-normalised vector per text, in order. An empty text gets a zero-information vector, not an error. */
  embed(texts: readonly string[], options: EmbedOptions): Promise<Float32Array[]>;
}
