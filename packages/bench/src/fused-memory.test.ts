import type { Memory, Recalled } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { createFusedMemory, fuseRanked } from './fused-memory.js';

function item(text: string, sources: string[], kind: Recalled['kind'] = 'turn', tokens = 10): Recalled {
  return { text, score: 0, kind, sources, tokens };
}

function fixed(name: string, list: Recalled[]): Memory & { observed: number } {
  const memory = {
    name,
    observed: 0,
    async observe() {
      memory.observed++;
    },
    async recall({ k }: { k?: number }) {
      return list.slice(0, k);
    },
  };
  return memory;
}

describe('fuseRanked', () => {
  it('interleaves lists by reciprocal rank and keeps each item its sources', () => {
    const fused = fuseRanked([
      [item('t1', ['D1']), item('t2', ['D2'])],
      [item('a', ['D3'], 'thought'), item('b', ['D4'], 'thought')],
    ]);
    expect(fused.map((entry) => entry.text)).toEqual(['t1', 'a', 't2', 'b']);
    expect(fused[1]?.sources).toEqual(['D3']);
    expect(fused[0]?.score).toBeCloseTo(1 / 61);
  });

  it('drops an item whose turns a better one already names; one item in both lists gets both votes', () => {
    const fused = fuseRanked([
      [item('t1', ['D1']), item('same', ['D9'])],
      [item('same', ['D9']), item('about t1', ['D1'], 'thought'), item('b', ['D1', 'D2'], 'thought')],
    ]);
    expect(fused.map((entry) => entry.text)).toEqual(['same', 't1', 'b']);
  });
});

describe('createFusedMemory', () => {
  it('sends every event to every member and cuts the fused list at k and the token budget', async () => {
    const turns = fixed('turns', [item('t1', ['D1'], 'turn', 300), item('t2', ['D2'], 'turn', 300)]);
    const thoughts = fixed('tim', [item('a', ['D3'], 'thought', 100), item('b', ['D4'], 'thought', 100)]);
    const memory = createFusedMemory([turns, thoughts]);
    expect(memory.name).toBe('turns+tim');
    await memory.observe({
      namespace: 'n',
      event: { type: 'turn', id: 'D1', speaker: 'Ana', text: 'hi', at: new Date() },
    });
    expect([turns.observed, thoughts.observed]).toEqual([1, 1]);
    const all = await memory.recall({ namespace: 'n', query: 'q', k: 3 });
    expect(all.map((entry) => entry.text)).toEqual(['t1', 'a', 't2']);
    const budgeted = await memory.recall({ namespace: 'n', query: 'q', k: 10, tokenBudget: 450 });
    expect(budgeted.map((entry) => entry.text)).toEqual(['t1', 'a']);
  });

  it('refuses no members', () => {
    expect(() => createFusedMemory([])).toThrow(/at least one member/);
  });
});
