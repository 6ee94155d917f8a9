import * as lancedb from '@lancedb/lancedb';
import { defineTable } from '@loci/core';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLanceStore } from './lance-store.js';

const notes = defineTable({
  name: 'notes',
  schema: z.object({ id: z.string(), text: z.string() }),
  fullText: ['text'],
});

async function versionsOf(uri: string): Promise<number> {
  const db = await lancedb.connect(uri);
  try {
    return (await (await db.openTable(notes.name)).listVersions()).length;
  } finally {
    db.close();
  }
}

async function writeNotes(
  table: { add: (options: { namespace: string; rows: { id: string; text: string }[] }) => Promise<unknown> },
  from: number,
  count: number,
) {
  for (let index = from; index < from + count; index++) {
    await table.add({
      namespace: 'a',
      rows: [{ id: `n${index}`, text: `note number ${index} about otters` }],
    });
  }
}

describe('table versions', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await makeTempDir('loci-lance-versions-');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('keeps recent versions and removes older ones at each optimize', async () => {
    const keeping = await createLanceStore({ uri: `${dir.path}/keep` });
    const kept = await keeping.openTable(notes);
    await writeNotes(kept, 0, 30);
    await kept.optimize();
    // Default 60 s: every commit of the last minute is still there.
    expect(await versionsOf(`${dir.path}/keep`)).toBeGreaterThan(30);
    await keeping.close();

    const pruning = await createLanceStore({ uri: `${dir.path}/prune`, indexPolicy: { keepVersionsMs: 0 } });
    const pruned = await pruning.openTable(notes);
    await writeNotes(pruned, 0, 30);
    await pruned.optimize();
    expect(await versionsOf(`${dir.path}/prune`)).toBeLessThan(5);
    expect(await pruned.count({ namespace: 'a' })).toBe(30);
    expect((await pruned.search({ namespace: 'a', mode: 'text', text: 'otters', k: 50 })).length).toBe(30);
    await pruning.close();
  });

  it('keeps no more than the last keepVersions versions, however young', async () => {
    const uri = `${dir.path}/count`;
    const store = await createLanceStore({
      uri,
      indexPolicy: { keepVersions: 8, compactAfterWrites: 1_000 },
    });
    const table = await store.openTable(notes);
    await writeNotes(table, 0, 40);
    await table.optimize();
    // About the last 8 commits (index builds count too), and those the optimize itself made; the
    // default (60 s) would keep all 40.
    const versions = await versionsOf(uri);
    expect(versions).toBeGreaterThan(2);
    expect(versions).toBeLessThan(14);
    expect((await table.search({ namespace: 'a', mode: 'text', text: 'otters', k: 50 })).length).toBe(40);
    await store.close();
  });

  it('retries on the latest version a read whose version an optimize removed', async () => {
    const uri = `${dir.path}/shared`;
    const writer = await createLanceStore({ uri, indexPolicy: { keepVersionsMs: 0 } });
    const written = await writer.openTable(notes);
    await writeNotes(written, 0, 10);
    // A reader that checks for new versions once an hour: it keeps reading the version it saw.
    const reader = await createLanceStore({ uri, readConsistencySeconds: 3600 });
    const read = await reader.openTable(notes);
    expect(await read.get({ namespace: 'a', ids: ['n1'] })).toHaveLength(1);
    await writeNotes(written, 10, 10);
    // Compaction rewrites the files the reader's version uses, and the cleanup deletes them.
    await written.optimize();
    const rows = await read.get({ namespace: 'a', ids: ['n1', 'n15'] });
    expect(rows.map((row) => row.id).sort()).toEqual(['n1', 'n15']);
    await reader.close();
    await writer.close();
  });
});
