import { describe, expect, it } from 'vitest';
import { padTokenBatch } from './token-batch.js';

describe('padTokenBatch', () => {
  it('pads to the longest sequence with a zero mask', () => {
    const batch = padTokenBatch([[7, 8, 9], [300_000], []], 0);
    expect(batch.rows).toBe(3);
    expect(batch.columns).toBe(3);
    expect([...batch.ids]).toEqual([7n, 8n, 9n, 300_000n, 0n, 0n, 0n, 0n, 0n]);
    expect([...batch.mask]).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0]);
  });

  it('keeps at least one column so an all-empty batch is a valid tensor', () => {
    const batch = padTokenBatch([[], []], 5);
    expect(batch.columns).toBe(1);
    expect([...batch.ids]).toEqual([5n, 5n]);
    expect([...batch.mask]).toEqual([0, 0]);
  });
});
