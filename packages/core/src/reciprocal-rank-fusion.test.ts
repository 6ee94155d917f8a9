import { describe, expect, it } from 'vitest';
import { RRF_K, reciprocalRankFusion } from './reciprocal-rank-fusion.js';

describe('reciprocalRankFusion', () => {
  it('sums 1/(k+rank) over lists and sorts best first', () => {
    const fused = reciprocalRankFusion(
      [
        ['a', 'b', 'c'],
        ['c', 'a'],
      ],
      (item) => item,
    );
    const score = (rank: number) => 1 / (RRF_K + rank);
    expect(fused.map((hit) => hit.item)).toEqual(['a', 'c', 'b']);
    expect(fused[0]?.score).toBeCloseTo(score(1) + score(2));
    expect(fused[1]?.score).toBeCloseTo(score(3) + score(1));
    expect(fused[2]?.score).toBeCloseTo(score(2));
  });

  it('breaks ties by first appearance', () => {
    const fused = reciprocalRankFusion([['a'], ['b']], (item) => item);
    expect(fused.map((hit) => hit.item)).toEqual(['a', 'b']);
  });

  it('handles empty lists', () => {
    expect(reciprocalRankFusion([[], []], (item: string) => item)).toEqual([]);
  });
});
