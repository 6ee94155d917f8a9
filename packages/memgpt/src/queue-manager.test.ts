import { describe, expect, it } from 'vitest';
import { chooseEviction, queueLimits } from './queue-manager.js';
import type { MessageKind } from './stored-message.js';

const entry = (kind: MessageKind, tokens = 10) => ({ kind, tokens });

describe('queue limits', () => {
  it('keeps room for the reply and applies the thresholds', () => {
    expect(
      queueLimits({
        contextWindow: 1100,
        replyTokens: 100,
        warningThreshold: 0.7,
        flushThreshold: 1,
        maxMessageFraction: 0.5,
      }),
    ).toEqual({ warning: 700, flush: 1000, maxMessage: 500 });
  });
});

describe('eviction choice', () => {
  it('evicts the oldest half of the tokens', () => {
    const queue = [entry('user'), entry('assistant'), entry('user'), entry('assistant')];
    expect(chooseEviction(queue, 0.5)).toBe(2);
  });

  it('counts tokens, not messages', () => {
    const queue = [entry('user', 100), entry('assistant', 10), entry('user', 10), entry('assistant', 10)];
    expect(chooseEviction(queue, 0.5)).toBe(1);
  });

  it('never separates a function call from its results', () => {
    const queue = [
      entry('user'),
      entry('assistant'),
      entry('tool'),
      entry('tool'),
      entry('assistant'),
      entry('user'),
    ];
    // Half the tokens ends after the first tool message; the cut moves past both results.
    expect(chooseEviction(queue, 0.5)).toBe(4);
  });

  it('keeps the newest message when the only valid cut falls short of the target', () => {
    const queue = [entry('user', 5), entry('assistant', 5), entry('tool', 100)];
    expect(chooseEviction(queue, 0.5)).toBe(1);
  });

  it('evicts everything when no cut keeps a whole call group, and nothing from an empty queue', () => {
    expect(chooseEviction([entry('assistant'), entry('tool')], 0.5)).toBe(2);
    expect(chooseEviction([], 0.5)).toBe(0);
  });

  it('for any queue the cut never lands on a tool message', () => {
    const kinds: MessageKind[] = ['user', 'assistant', 'tool', 'system-alert'];
    for (let seed = 1; seed < 300; seed++) {
      let value = seed;
      const next = () => {
        value = (value * 1103515245 + 12345) % 2147483648;
        return value;
      };
      const queue = Array.from({ length: 1 + (next() % 12) }, () =>
        entry(kinds[next() % 4] as MessageKind, 1 + (next() % 50)),
      );
      const cut = chooseEviction(queue, 0.5);
      expect(cut).toBeGreaterThan(0);
      expect(cut).toBeLessThanOrEqual(queue.length);
      if (cut < queue.length) expect(queue[cut]?.kind).not.toBe('tool');
    }
  });
});
