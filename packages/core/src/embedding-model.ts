/** Whether texts are search queries or stored documents. */
export type EmbeddingKind = 'query' | 'document';

/** Options of `EmbeddingModel.embed`. */
export interface EmbedOptions {
  /** Some models embed queries and documents differently; symmetric models ignore it. */
  kind: EmbeddingKind;
  signal?: AbortSignal;
}

/** What every embedder implements (OpenAI, ONNX, LangChain adapters); memory systems take one. */
export interface EmbeddingModel {
  readonly provider: string;
  readonly modelId: string;
  /** Length of every vector `embed` returns. */
  readonly dimensions: number;
  /** Largest number of texts one call should carry; callers batch above it. */
  readonly maxBatchSize: number;
  /** One unit-normalised vector per text, in order. An empty text gets a zero-information vector, not an error. */
  embed(texts: readonly string[], options: EmbedOptions): Promise<Float32Array[]>;
}
