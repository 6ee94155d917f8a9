import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineTable, vectorColumn } from '@loci/core';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLanceStore } from './lance-store.js';
import { purgeLanceStore } from './purge-store.js';

const notes = defineTable({
  name: 'notes',
  schema: z.object({ id: z.string(), text: z.string(), vector: vectorColumn() }),
  vectors: { vector: 3 },
  fullText: ['text'],
});

const canary = 'CanaryZq81Purge';

/** Files of the folder whose bytes hold the canary, in any letter case. */
async function filesWithCanary(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = (await readFile(path)).toString('latin1').toLowerCase();
    if (bytes.includes(canary.toLowerCase())) found.push(path);
  }
  return found;
}

describe('purgeLanceStore', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await makeTempDir('loci-purge-');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('removes a namespace from every table, its bytes from every file, and keeps the others', async () => {
    const store = await createLanceStore({ uri: dir.path });
    const table = await store.openTable(notes);
    const rows = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        id: `${prefix}${i}`,
        text: `${prefix} note ${i}`,
        vector: Float32Array.from([1, i, 0]),
      }));
    // One big fragment with a single victim row: compaction alone would keep it.
    await table.add({ namespace: 'keep', rows: rows('kept', 60) });
    await table.add({
      namespace: 'alice',
      rows: [{ id: 'secret', text: `my ${canary} value`, vector: Float32Array.from([0, 1, 0]) }],
    });
    await table.add({ namespace: 'alice#agent', rows: rows('agent', 2) });
    await table.add({ namespace: 'alice2', rows: rows('other', 1) });
    await table.optimize();
    await store.close();
    expect((await filesWithCanary(dir.path)).length).toBeGreaterThan(0);

    const result = await purgeLanceStore({
      uri: dir.path,
      namespaces: ['alice'],
      namespacePrefixes: ['alice#'],
    });
    expect(result.removed).toEqual({ notes: 3 });
    expect(await filesWithCanary(dir.path)).toEqual([]);

    const reopened = await createLanceStore({ uri: dir.path });
    const again = await reopened.openTable(notes);
    expect(await again.count({ namespace: 'alice' })).toBe(0);
    expect(await again.count({ namespace: 'alice#agent' })).toBe(0);
    expect(await again.count({ namespace: 'alice2' })).toBe(1);
    expect(await again.count({ namespace: 'keep' })).toBe(60);
    expect(await again.search({ namespace: 'alice', mode: 'text', text: canary, k: 5 })).toEqual([]);
    expect((await again.search({ namespace: 'keep', mode: 'text', text: 'note', k: 5 })).length).toBe(5);
    await reopened.close();
  });
});
