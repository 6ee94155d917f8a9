import { defineTable, type SearchHit } from '@loci/core';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLanceStore } from './lance-store.js';

const notes = defineTable({
  name: 'notes',
  schema: z.object({ id: z.string(), text: z.string() }),
  fullText: ['text'],
});

async function unindexedRows(uri: string): Promise<number | undefined> {
  const lancedb = await import('@lancedb/lancedb');
  const connection = await lancedb.connect(uri);
  const table = await connection.openTable('notes');
  const indices = await table.listIndices();
  connection.close();
  return indices.find((index) => index.indexType === 'FTS')?.numUnindexedRows;
}

/** One `word` padded to `length` words: BM25 ranks the shorter documents higher. */
function padded(word: string, length: number, pad = 'meadow'): string {
  return [word, ...Array.from({ length: length - 1 }, () => pad)].join(' ');
}

const ids = (hits: SearchHit<{ id: string }>[]) => hits.map((hit) => hit.row.id);

function expectSameScale(before: SearchHit<{ id: string }>[], after: SearchHit<{ id: string }>[]) {
  expect(ids(before)).toEqual(ids(after));
  for (const [index, hit] of before.entries()) {
    const refreshed = after[index]?.score ?? Number.NaN;
    expect(Math.abs(hit.score - refreshed) / refreshed).toBeLessThan(0.01);
  }
}

describe('text search over rows written after the FTS index was built', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await makeTempDir('loci-lance-text-');
  });
  afterEach(async () => {
    await dir.remove();
  });

  async function openFilled() {
    const store = await createLanceStore({ uri: dir.path });
    const table = await store.openTable(notes);
    const filler = Array.from({ length: 400 }, (_, i) => ({
      id: `f${i}`,
      text: `river stone ${i % 2 === 0 ? 'willow' : 'heron'} number${i}`,
    }));
    const kestrels = [1, 3, 6, 12, 24, 48].map((length) => ({
      id: `k${length}`,
      text: padded('kestrel', length),
    }));
    const otters = [2, 5, 9].map((length) => ({ id: `o${length}`, text: padded('otter', length) }));
    await table.add({ namespace: 'a', rows: [...filler, ...kestrels, ...otters] });
    // Another namespace holds the best match of all; it must not leak.
    await table.add({ namespace: 'b', rows: [{ id: 'other', text: 'kestrel kestrel' }] });
    await table.optimize();
    // A first search sees the index current, so this handle starts tracking what it writes.
    await table.search({ namespace: 'a', mode: 'text', text: 'kestrel', k: 1 });
    return { store, table };
  }

  it('ranks rows written just before a search for their words as a refreshed index does', async () => {
    const { store, table } = await openFilled();
    await table.add({
      namespace: 'a',
      rows: [
        { id: 'late4', text: padded('kestrel', 4, 'hill') },
        { id: 'late2x', text: 'kestrel kestrel over' },
      ],
    });
    const before = await table.search({ namespace: 'a', mode: 'text', text: 'kestrel', k: 20 });
    await table.optimize();
    const after = await table.search({ namespace: 'a', mode: 'text', text: 'kestrel', k: 20 });
    expect(ids(after)).toEqual(['late2x', 'k1', 'k3', 'late4', 'k6', 'k12', 'k24', 'k48']);
    expectSameScale(before, after);

    // k stays above the number of matches: right after optimize() folds a new row in, LanceDB 0.31
    // sometimes leaves that row out of a smaller top-k (3 of 12 runs with k = 3, with or without the
    // shortcut in ensureTextIndexCurrent); see docs/benchmarks/store.md.
    await store.close();
  });

  it('searches without refreshing the index when no new row matches, with the same ranking', async () => {
    const { store, table } = await openFilled();
    await table.add({ namespace: 'a', rows: [{ id: 'late-otter', text: 'otter' }] });
    await table.upsert({ namespace: 'b', rows: [{ id: 'late-b', text: 'otter otter' }] });
    const before = await table.search({ namespace: 'a', mode: 'text', text: 'kestrel', k: 20 });
    // The search left the new rows unindexed: they cannot change a kestrel ranking.
    expect(await unindexedRows(dir.path)).toBe(2);
    const otters = await table.search({ namespace: 'a', mode: 'text', text: 'otter', k: 20 });

    await table.optimize();
    expect(await unindexedRows(dir.path)).toBe(0);
    expectSameScale(before, await table.search({ namespace: 'a', mode: 'text', text: 'kestrel', k: 20 }));
    const refreshedOtters = await table.search({ namespace: 'a', mode: 'text', text: 'otter', k: 20 });
    expect(ids(refreshedOtters)).toEqual(['late-otter', 'o2', 'o5', 'o9']);
    expectSameScale(otters, refreshedOtters);
    await store.close();
  });
});
