import type { Recalled } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { recallAtBudget, recallAtK } from './scoring.js';

function item(sources: string[], tokens = 10): Recalled {
  return { text: sources.join(' '), score: 1, kind: 'turn', sources, tokens };
}

describe('recallAtK', () => {
  it('counts the share of evidence found in the first k turns', () => {
    const items = [item(['D1:1']), item(['D1:2']), item(['D1:3'])];
    expect(recallAtK(items, ['D1:2'], 1)).toBe(0);
    expect(recallAtK(items, ['D1:2'], 2)).toBe(1);
    expect(recallAtK(items, ['D1:2', 'D1:9'], 5)).toBe(0.5);
  });

  it('charges an item covering several turns that many of the k', () => {
    const items = [item(['D1:1', 'D1:2', 'D1:3']), item(['D1:7'])];
    expect(recallAtK(items, ['D1:7'], 3)).toBe(0);
    expect(recallAtK(items, ['D1:7'], 4)).toBe(1);
    // A chunk that does not fit in k is not counted, even partly.
    expect(recallAtK(items, ['D1:1'], 2)).toBe(0);
  });

  it('counts duplicated evidence once', () => {
    expect(recallAtK([item(['a'])], ['a', 'a', 'b'], 5)).toBe(0.5);
  });
});

describe('recallAtBudget', () => {
  it('takes items in rank order until the token budget is full', () => {
    const items = [item(['a'], 300), item(['b'], 300), item(['c'], 100)];
    expect(recallAtBudget(items, ['b'], 512)).toEqual({ recall: 0, tokens: 300 });
    expect(recallAtBudget(items, ['b'], 600)).toEqual({ recall: 1, tokens: 600 });
    expect(recallAtBudget([], ['a'], 512)).toEqual({ recall: 0, tokens: 0 });
  });
});
