import type { Memory, MemoryEvent, Recalled } from '@loci/core';
import { describe, expect, it } from 'vitest';
import type { AgentEvent } from './agent-events.js';
import { createMemoryFanOut, mergeRecalled } from './memory-fan-out.js';

const item = (text: string, tokens: number): Recalled => ({
  text,
  tokens,
  score: 1,
  kind: 'turn',
  sources: [text],
});

/** A memory that records what it was given and recalls fixed items (or fails). */
function fakeMemory(name: string, recalled: Recalled[] | Error) {
  const observed: { namespace: string; event: MemoryEvent }[] = [];
  const asked: { namespace: string; k?: number; tokenBudget?: number; query: string }[] = [];
  const memory: Memory = {
    name,
    async observe({ namespace, event }) {
      if (recalled instanceof Error) throw recalled;
      observed.push({ namespace, event });
    },
    async recall(options) {
      asked.push(options);
      if (recalled instanceof Error) throw recalled;
      return recalled;
    },
  };
  return { memory, observed, asked };
}

function fanOut(memories: Memory[], tokenBudget = 100) {
  const events: AgentEvent[] = [];
  const fan = createMemoryFanOut({
    memories,
    namespace: 'user#agent',
    k: 4,
    tokenBudget,
    emit: (event) => events.push(event),
    count: (text) => text.length,
  });
  return { fan, events };
}

describe('memory fan-out', () => {
  it('merges lists by alternating rank, within the token budget', () => {
    const merged = mergeRecalled(
      [
        [item('a1', 10), item('a2', 50), item('a3', 10)],
        [item('b1', 10), item('b2', 10)],
      ],
      50,
    );
    expect(merged.map((entry) => entry.text)).toEqual(['a1', 'b1', 'b2', 'a3']);
  });

  it('asks every memory with the agent namespace and budget, and renders what they recall', async () => {
    const first = fakeMemory('first', [item('Ana has a cat', 5)]);
    const second = fakeMemory('second', [item('Ana lives in Porto', 5)]);
    const { fan, events } = fanOut([first.memory, second.memory]);
    const text = await fan.recall({ query: 'where does Ana live?', at: new Date() });
    expect(text).toContain('Recalled memory');
    expect(text).toContain('(turn, from turns Ana has a cat) Ana has a cat');
    expect(text).toContain('Ana lives in Porto');
    expect(first.asked).toEqual([
      expect.objectContaining({
        namespace: 'user#agent',
        k: 4,
        tokenBudget: 100,
        query: 'where does Ana live?',
      }),
    ]);
    expect(events).toEqual([{ type: 'recall', items: 2, tokens: text.length }]);
  });

  it('reports a failing memory and goes on with the others', async () => {
    const broken = fakeMemory('broken', new Error('index missing'));
    const working = fakeMemory('working', [item('kept', 3)]);
    const { fan, events } = fanOut([broken.memory, working.memory]);
    const text = await fan.recall({ query: 'q', at: new Date() });
    expect(text).toContain('kept');
    expect(events[0]).toEqual({ type: 'recall', items: 0, tokens: 0, failed: 'broken: index missing' });
    const turn: MemoryEvent = { type: 'turn', id: 't1', speaker: 'user', text: 'hi', at: new Date() };
    await fan.observe(turn);
    expect(working.observed).toEqual([{ namespace: 'user#agent', event: turn }]);
    expect(events.at(-1)).toEqual({ type: 'observe-failed', memory: 'broken', error: 'index missing' });
  });

  it('lets an abort through', async () => {
    const controller = new AbortController();
    controller.abort();
    const broken = fakeMemory('broken', new Error('aborted'));
    const { fan } = fanOut([broken.memory]);
    await expect(fan.recall({ query: 'q', at: new Date(), signal: controller.signal })).rejects.toThrow(
      'aborted',
    );
  });

  it('is inert without memories', () => {
    expect(fanOut([]).fan.attached).toBe(false);
  });
});
