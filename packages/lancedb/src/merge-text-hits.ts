import type { SearchHit } from '@loci/core';

/**
 * The k best of the index's hits and the hits among rows the index does not cover yet, by BM25
 * score, best first. Both lists come from LanceDB's BM25 with the index's statistics (see
 * docs/benchmarks/store.md, "Text search right after a write"), so their scores compare directly.
 * A row in both lists (an indexed row that was also recorded as written) counts once, with the
 * tail's copy: an upsert replaces the indexed version.
 */
export function mergeTextHits<TRow extends { id: string }>(
  indexed: readonly SearchHit<TRow>[],
  tail: readonly SearchHit<TRow>[],
  k: number,
): SearchHit<TRow>[] {
  const fromTail = new Set(tail.map((hit) => hit.row.id));
  return [...tail, ...indexed.filter((hit) => !fromTail.has(hit.row.id))]
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}
