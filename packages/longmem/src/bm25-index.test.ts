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

  it('scores exactly as BM25 over its documents after any mix of adds, replaces and extensions', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const words = ['kayak', 'lake', 'violin', 'paint', 'sunset', 'class', 'tuesday', 'sister', 'dog', 'trip'];
    const pick = (count: number) =>
      Array.from({ length: count }, () => words[Math.floor(random() * words.length)] as string);
    const index = createBm25Index();
    const model: string[][] = [];
    for (let step = 0; step < 400; step++) {
      const roll = random();
      const list = pick(1 + Math.floor(random() * 6));
      const position = Math.floor(random() * model.length);
      if (model.length === 0 || roll < 0.5) {
        expect(index.addTerms(list)).toBe(model.length);
        model.push(list);
      } else if (roll < 0.75) {
        index.replaceTerms(position, list);
        model[position] = list;
      } else {
        index.extendTerms(position, list);
        model[position] = [...(model[position] as string[]), ...list];
      }
    }
    // The reference: BM25 (k1 1.2, b 0.75) computed from the documents themselves.
    const total = model.reduce((sum, terms) => sum + terms.length, 0);
    const average = total / model.length;
    for (const query of ['kayak', 'paint sunset', 'dog dog trip', 'lake class tuesday sister', 'absent']) {
      const expected = new Float64Array(model.length);
      const queryCounts = new Map<string, number>();
      for (const term of query.split(' ')) queryCounts.set(term, (queryCounts.get(term) ?? 0) + 1);
      for (const [term, queryCount] of queryCounts) {
        const holders = model.filter((terms) => terms.includes(term)).length;
        if (holders === 0) continue;
        const idf = Math.log(1 + (model.length - holders + 0.5) / (holders + 0.5));
        model.forEach((terms, position) => {
          const tf = terms.filter((word) => word === term).length;
          if (tf === 0) return;
          const weight = (tf * 2.2) / (tf + 1.2 * (1 - 0.75 + (0.75 * terms.length) / average));
          expected[position] = (expected[position] as number) + idf * weight * queryCount;
        });
      }
      expect(index.scoreAll(query)).toEqual(expected);
    }
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
