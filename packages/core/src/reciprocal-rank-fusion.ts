/** The constant of Cormack et al. (2009); it damps the weight of the very first ranks. */
export const RRF_K = 60;

/**
 * Reciprocal-rank fusion: each list adds 1 / (k + rank) (rank from 1) to an item's score. Items are
 * returned best first; ties keep the order in which they were first seen (earlier lists first).
 */
export function reciprocalRankFusion<T>(
  lists: readonly (readonly T[])[],
  keyOf: (item: T) => string,
  k: number = RRF_K,
): { item: T; score: number }[] {
  const fused = new Map<string, { item: T; score: number; order: number }>();
  for (const list of lists) {
    list.forEach((item, index) => {
      const key = keyOf(item);
      const existing = fused.get(key);
      const contribution = 1 / (k + index + 1);
      if (existing) existing.score += contribution;
      else fused.set(key, { item, score: contribution, order: fused.size });
    });
  }
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .map(({ item, score }) => ({ item, score }));
}
