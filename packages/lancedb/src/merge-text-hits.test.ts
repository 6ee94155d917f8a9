import { describe, expect, it } from 'vitest';
import { mergeTextHits } from './merge-text-hits.js';

const hit = (id: string, score: number, text = id) => ({ row: { id, text }, score });

describe('mergeTextHits', () => {
  it('interleaves indexed and tail hits by score and keeps the k best', () => {
    const merged = mergeTextHits(
      [hit('k1', 6), hit('k3', 4.6), hit('k6', 3.5)],
      [hit('late2x', 5.5), hit('late4', 3.7)],
      4,
    );
    expect(merged.map((entry) => entry.row.id)).toEqual(['k1', 'late2x', 'k3', 'late4']);
  });

  it('keeps the tail copy of a row found in both lists', () => {
    const merged = mergeTextHits([hit('a', 3, 'old'), hit('b', 2)], [hit('a', 1, 'new')], 10);
    expect(merged).toEqual([hit('b', 2), hit('a', 1, 'new')]);
  });

  it('returns the indexed hits unchanged when the tail has none', () => {
    expect(mergeTextHits([hit('a', 3), hit('b', 2)], [], 1)).toEqual([hit('a', 3)]);
  });
});
