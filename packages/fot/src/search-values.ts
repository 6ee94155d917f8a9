import {
  ConfigError,
  DimensionMismatchError,
  dot,
  type EmbeddingModel,
  type Filter,
  namespaceSchema,
  parseWith,
  where,
} from '@loci/core';
import { z } from 'zod';
import { type Aggregate, aggregateHits, type KeyHit } from './aggregate-hits.js';
import type { FocusedHit, FocusedSearchOptions } from './focused-memory-types.js';
import type { Serving, TableHandles } from './namespace-state.js';

const searchSchema = z.object({
  namespace: namespaceSchema,
  k: z.number().int().min(1, 'k must be at least 1').max(1000).default(10),
  aggregate: z.enum(['max', 'sum']).optional(),
  at: z.date().optional(),
});

/** The query as a vector: a text embedded as a query, or a vector of the encoder's size. */
export async function queryVector(
  embedder: EmbeddingModel,
  query: string | Float32Array,
): Promise<Float32Array> {
  if (typeof query === 'string') {
    if (query.trim().length === 0)
      throw new ConfigError('invalid FoT search options: query must not be empty');
    return (await embedder.embed([query], { kind: 'query' }))[0] as Float32Array;
  }
  if (!(query instanceof Float32Array) || query.length !== embedder.dimensions) {
    throw new DimensionMismatchError({
      expected: embedder.dimensions,
      actual: query?.length ?? 0,
      what: 'query vector',
    });
  }
  return query;
}

/**
 * Top-k values for one query under one serving projection: `k × overfetch` key hits from the
 * store (frozen keys for version 0, else the focused keys of that version only), re-scored
 * exactly, merged per value, then the values read (by id: an index look-up past the store's
 * index threshold).
 */
export async function searchValues(
  options: FocusedSearchOptions,
  context: {
    embedder: EmbeddingModel;
    tables: TableHandles;
    serving: Serving;
    overfetch: number;
    aggregate: Aggregate;
  },
): Promise<FocusedHit[]> {
  const parsed = parseWith(
    searchSchema,
    { namespace: options.namespace, k: options.k, aggregate: options.aggregate, at: options.at },
    'FoT search options',
  );
  const { namespace, k } = parsed;
  const query = await queryVector(context.embedder, options.query);
  const { values, keys, focused } = context.tables;
  const serving = context.serving;
  const limit = Math.min(10_000, k * context.overfetch);
  const time: Filter | undefined = parsed.at ? where.lte('at', parsed.at) : undefined;
  let hits: KeyHit[];
  if (serving.version === 0) {
    const found = await keys.search({
      namespace,
      mode: 'vector',
      vector: query,
      vectorColumn: 'key',
      k: limit,
      ...(time ? { filter: time } : {}),
    });
    // Exact inner products: the refine step when the store answers from an approximate index.
    hits = found.map(({ row }) => ({
      keyId: row.id,
      valueId: row.value_id,
      kind: row.kind,
      score: dot(query, row.key),
    }));
  } else {
    const projected = serving.project(query);
    const search = (filter: Filter | undefined) =>
      focused.search({
        namespace,
        mode: 'vector',
        vector: projected,
        vectorColumn: 'focused',
        k: limit,
        ...(filter ? { filter } : {}),
      });
    // The focused keys of one namespace are those of the serving version, except while a
    // re-projection writes the next one (or before the previous one's rows are deleted). So the
    // nearest keys of any version come first: when all of them are of the serving version they
    // are its nearest keys too (the same partitions are probed, the others only left out), and the
    // search skipped the version prefilter, which costs a third of a search at 1M keys. When one
    // is not, the search is repeated with the prefilter: never a mix of two projections.
    let found = await search(time);
    if (found.some(({ row }) => row.version !== serving.version)) {
      const version = where.eq('version', serving.version);
      found = await search(time ? where.and(version, time) : version);
    }
    hits = found.map(({ row }) => ({
      keyId: row.key_id,
      valueId: row.value_id,
      score: dot(projected, row.focused),
    }));
  }
  const ranked = aggregateHits(hits, parsed.aggregate ?? context.aggregate).slice(0, k);
  const rows = new Map(
    (await values.get({ namespace, ids: ranked.map((hit) => hit.valueId) })).map((row) => [row.id, row]),
  );
  return ranked.flatMap((hit) => {
    const row = rows.get(hit.valueId);
    if (!row) return [];
    const value = {
      id: row.id,
      text: row.text,
      sources: row.sources,
      speaker: row.speaker,
      at: row.at,
      context: row.context,
      metadata: JSON.parse(row.metadata) as Record<string, string | number | boolean>,
    };
    return [{ value, score: hit.score, keys: hit.keys }];
  });
}
