import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { getTextAtPath } from '@langchain/langgraph-checkpoint';
import { DimensionMismatchError, type EmbeddingModel } from '@loci/core';

/**
 * LangGraph's `index` option: `dims`, the embeddings, and the value fields to embed (`"$"`, the
 * default, is the whole value). `embeddings` is any LangChain `Embeddings` or a Loci `EmbeddingModel`.
 */
export interface LociStoreIndex {
  dims: number;
  embeddings: EmbeddingsInterface | EmbeddingModel;
  fields?: string[];
}

export interface FieldText {
  field: string;
  text: string;
}

export interface StoreEmbedder {
  readonly dims: number;
  readonly fields: readonly string[];
  documents(texts: readonly string[]): Promise<Float32Array[]>;
  query(text: string): Promise<Float32Array>;
}

export function createStoreEmbedder(index: LociStoreIndex): StoreEmbedder {
  if (!Number.isInteger(index.dims) || index.dims <= 0) {
    throw new TypeError(`LociStore index.dims must be a positive integer, got ${String(index.dims)}`);
  }
  const embeddings = index.embeddings;
  const check = (vector: ArrayLike<number>, what: string): Float32Array => {
    if (vector.length !== index.dims)
      throw new DimensionMismatchError({ expected: index.dims, actual: vector.length, what });
    return Float32Array.from(vector);
  };
  const isLoci = (value: LociStoreIndex['embeddings']): value is EmbeddingModel =>
    'embed' in value && typeof value.embed === 'function';
  return {
    dims: index.dims,
    fields: index.fields ?? ['$'],
    async documents(texts) {
      if (texts.length === 0) return [];
      const vectors = isLoci(embeddings)
        ? await embedLoci(embeddings, texts, 'document')
        : await embeddings.embedDocuments([...texts]);
      if (vectors.length !== texts.length) {
        throw new TypeError(`embeddings returned ${vectors.length} vectors for ${texts.length} texts`);
      }
      return vectors.map((vector) => check(vector, 'document embedding'));
    },
    async query(text) {
      const vector = isLoci(embeddings)
        ? (await embedLoci(embeddings, [text], 'query'))[0]
        : await embeddings.embedQuery(text);
      if (vector === undefined) throw new TypeError('embeddings returned no vector for the query');
      return check(vector, 'query embedding');
    },
  };
}

async function embedLoci(model: EmbeddingModel, texts: readonly string[], kind: 'query' | 'document') {
  const out: Float32Array[] = [];
  for (let start = 0; start < texts.length; start += model.maxBatchSize) {
    out.push(...(await model.embed(texts.slice(start, start + model.maxBatchSize), { kind })));
  }
  return out;
}

/** The texts of `value` at each field path, LangGraph style ("a.b", "items[*].text", "$" for the whole value). */
export function fieldTexts(value: Record<string, unknown>, fields: readonly string[]): FieldText[] {
  const out: FieldText[] = [];
  for (const field of fields) {
    const texts = field === '$' ? [JSON.stringify(value)] : getTextAtPath(value, field);
    for (const [index, text] of texts.entries()) {
      out.push({ field: texts.length > 1 ? `${field}.${index}` : field, text });
    }
  }
  return out;
}
