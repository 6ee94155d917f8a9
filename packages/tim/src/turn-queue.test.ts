import { describe, expect, it } from 'vitest';
import { createTurnQueue } from './turn-queue.js';

const turn = (id: string, speaker: string) => ({ id, speaker, text: id, at: new Date(0) });

describe('turn queue', () => {
  it('counts an exchange when the speaker changes, the reply included', () => {
    const queue = createTurnQueue();
    expect(queue.push(turn('1', 'user'))).toBe(false);
    expect(queue.push(turn('2', 'user'))).toBe(false); // the same speaker goes on
    expect(queue.push(turn('3', 'agent'))).toBe(true);
    expect(queue.push(turn('4', 'agent'))).toBe(false); // opens the next exchange
    expect(queue.push(turn('5', 'user'))).toBe(true);
    expect(queue.exchanges).toBe(2);
    expect(queue.size).toBe(5);
  });

  it('replaces a turn observed again by id, and recounts what is left after removal', () => {
    const queue = createTurnQueue();
    for (const [id, speaker] of [
      ['1', 'a'],
      ['2', 'b'],
      ['3', 'a'],
      ['4', 'b'],
    ] as const)
      queue.push(turn(id, speaker));
    expect(queue.push({ ...turn('2', 'b'), text: 'edited' })).toBe(false);
    expect(queue.all().map((queued) => queued.text)).toEqual(['1', 'edited', '3', '4']);
    queue.remove(['1', '2']);
    expect(queue.exchanges).toBe(1);
    expect(queue.peek(1).map((queued) => queued.id)).toEqual(['3']);
    expect(queue.has('4')).toBe(true);
    queue.clear();
    expect([queue.size, queue.exchanges]).toEqual([0, 0]);
  });
});
