import { describe, expect, it } from 'vitest';
import { createBm25Index, topK } from './bm25-index.js';

describe('BM25 index', () => {
  it('ranks the document sharing the rarest terms first', () => {
    const index = createBm25Index();
    index.add('I went to a pottery class on Tuesday');
    index.add('The weather was nice on Tuesday');
    index.add('My sister paints sunsets at the lake');
    expect(index.search('pottery on Tuesday', 3).map((hit) => hit.index)).toEqual([0, 1]);
    expect(index.search('painting a sunset', 3).map((hit) => hit.index)).toEqual([2]);
    expect(index.search('the of a', 3)).toEqual([]);
  });

  it('replaces a document in place', () => {
    const index = createBm25Index();
    index.add('kayak trip');
    index.add('violin lesson');
    index.replace(0, 'guitar lesson');
    expect(index.search('kayak', 5)).toEqual([]);
    expect(index.scoreAll('guitar')[0]).toBeGreaterThan(0);
    expect(() => index.replace(5, 'x')).toThrow(RangeError);
  });

  it('topK keeps positive scores only, best first', () => {
    expect(topK([0, 3, 1, 0, 3], 2)).toEqual([
      { index: 1, score: 3 },
      { index: 4, score: 3 },
    ]);
  });
});

describe('topK selection', () => {
  it('matches a full sort on random scores, with ties and a minimum', () => {
    let seed = 3;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let round = 0; round < 50; round++) {
      const scores = Array.from({ length: 200 }, () => Math.round(random() * 20) / 4 - 1);
      for (const k of [1, 5, 37, 500]) {
        for (const minimum of [0, -2]) {
          const expected = scores
            .map((score, index) => ({ index, score }))
            .filter((hit) => hit.score > minimum)
            .sort((x, y) => y.score - x.score || x.index - y.index)
            .slice(0, k);
          expect(topK(scores, k, minimum)).toEqual(expected);
        }
      }
    }
    expect(topK([1, 2], 0)).toEqual([]);
  });
});
