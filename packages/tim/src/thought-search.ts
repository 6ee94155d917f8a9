import { type Filter, type MemoryTable, where } from '@loci/core';
import type { Lsh } from './lsh.js';
import type { Thought } from './thought.js';
import { fromRow, type ThoughtRow } from './thought-tables.js';

export interface ValidityOptions {
  /** Thoughts valid at this time; default the present (thoughts not closed). */
  at?: Date;
  /** Every thought, closed ones too. */
  history?: boolean;
}

/** Which thoughts count: open ones (the present), those valid at `at`, or all of them (history). */
export function validityFilter(options: ValidityOptions): Filter | undefined {
  if (options.history) return undefined;
  if (options.at === undefined) return where.isNull('valid_to');
  return where.and(
    where.lte('valid_from', options.at),
    where.or(where.isNull('valid_to'), where.gt('valid_to', options.at)),
  );
}

/** A thought and its score in one list: cosine similarity for vector search, BM25 for text. */
export interface ScoredThought {
  thought: Thought;
  score: number;
}

export interface ThoughtSearchOptions extends ValidityOptions {
  namespace: string;
  text: string;
  vector: Float32Array;
  /** Buckets probed for the vector search. */
  probes: number;
  /** Depth of each list before fusion. */
  depth: number;
}

/**
 * Two ranked lists: a vector search inside the query's best LSH buckets (multi-probe), and a
 * full-text search over every valid thought, so a thought across a bucket border or one that shares
 * only rare words is still found. The caller fuses them.
 */
export async function searchThoughts(
  table: MemoryTable<ThoughtRow>,
  lsh: Lsh,
  options: ThoughtSearchOptions,
): Promise<{ byVector: ScoredThought[]; byText: ScoredThought[] }> {
  const validity = validityFilter(options);
  // Every bucket probed is an exact search: no bucket filter to evaluate.
  const inBuckets =
    options.probes >= lsh.buckets ? undefined : where.in('bucket', lsh.probe(options.vector, options.probes));
  const filter = validity && inBuckets ? where.and(validity, inBuckets) : (validity ?? inBuckets);
  const [vectorHits, textHits] = await Promise.all([
    table.search({
      namespace: options.namespace,
      mode: 'vector',
      vector: options.vector,
      ...(filter ? { filter } : {}),
      k: options.depth,
    }),
    table.search({
      namespace: options.namespace,
      mode: 'text',
      text: options.text,
      ...(validity ? { filter: validity } : {}),
      k: options.depth,
    }),
  ]);
  return {
    byVector: vectorHits.map((hit) => ({ thought: fromRow(hit.row), score: hit.score })),
    byText: textHits.map((hit) => ({ thought: fromRow(hit.row), score: hit.score })),
  };
}
