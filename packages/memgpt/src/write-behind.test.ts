import { describe, expect, it } from 'vitest';
import type { StoredMessage } from './stored-message.js';
import { createWriteBehind } from './write-behind.js';

const message = (id: string): StoredMessage => ({
  id,
  seq: 0,
  kind: 'user',
  content: id,
  at: new Date('2024-03-01T12:00:00Z'),
  stepId: 's',
});
const ids = (list: readonly StoredMessage[]) => list.map((entry) => entry.id);

describe('write behind', () => {
  it('lets the steps of a quick exchange share one append, and a read writes them at once', async () => {
    const batches: string[][] = [];
    const behind = createWriteBehind(async (list) => {
      batches.push(ids(list));
    });
    behind.soon([message('a')]);
    behind.soon([message('b')]);
    expect(ids(behind.unconfirmed())).toEqual(['a', 'b']);
    await behind.settled();
    expect(batches).toEqual([['a', 'b']]);
    expect(behind.unconfirmed()).toEqual([]);
  });

  it('keeps a failed batch for the next attempt, in order, never writing one twice', async () => {
    const batches: string[][] = [];
    let fail = 1;
    const behind = createWriteBehind(async (list) => {
      if (fail-- > 0) throw new Error('disk full');
      batches.push(ids(list));
    });
    behind.now([message('a')]);
    await expect(behind.settled()).rejects.toThrow('disk full');
    expect(ids(behind.unconfirmed())).toEqual(['a']);
    behind.now([message('b')]);
    await behind.settled();
    expect(batches).toEqual([['a', 'b']]);
  });
});
