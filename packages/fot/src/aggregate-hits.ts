/** How a value hit through several keys is scored: its best key, or the sum of its keys' scores. */
export type Aggregate = 'max' | 'sum';

/** One key found by vector search, with the value it points to. */
export interface KeyHit {
  keyId: string;
  valueId: string;
  kind?: string;
  score: number;
}

/** A value's score after its key hits are aggregated. */
export interface ValueScore {
  valueId: string;
  score: number;
  /** The keys that reached the value, best first. */
  keys: KeyHit[];
}

/** Deduplicates key hits into values, best first (ties by value id, so the order is stable). */
export function aggregateHits(hits: readonly KeyHit[], aggregate: Aggregate): ValueScore[] {
  const byValue = new Map<string, ValueScore>();
  for (const hit of hits) {
    const current = byValue.get(hit.valueId);
    if (!current) {
      byValue.set(hit.valueId, { valueId: hit.valueId, score: hit.score, keys: [hit] });
      continue;
    }
    current.keys.push(hit);
    current.score = aggregate === 'max' ? Math.max(current.score, hit.score) : current.score + hit.score;
  }
  const values = [...byValue.values()];
  for (const value of values) value.keys.sort((a, b) => b.score - a.score);
  return values.sort(
    (a, b) => b.score - a.score || (a.valueId < b.valueId ? -1 : a.valueId > b.valueId ? 1 : 0),
  );
}
