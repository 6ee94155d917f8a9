import { defineTable, where } from '@loci/core';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { indexTypes } from './__fixtures__/index-types.js';
import { createLanceStore } from './lance-store.js';

const items = defineTable({
  name: 'items',
  schema: z.object({ id: z.string(), version: z.int(), tag: z.string(), text: z.string() }),
  fullText: ['text'],
  filterIndexes: { version: 'bitmap', tag: 'bitmap' },
});

function rows(prefix: string, count: number) {
  return Array.from({ length: count }, (_, index) => ({
    id: `${prefix}${index}`,
    version: index % 3,
    tag: `t${index % 5}`,
    text: `${prefix} item ${index}`,
  }));
}

describe('scalar indexes', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await makeTempDir('loci-lance-scalar-');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it("builds the id index and a table's filter indexes past the threshold; reads and filters give the same rows", async () => {
    const policy = { vectorIndexAfterRows: 2000, refreshAfterRows: 1000 };
    const store = await createLanceStore({ uri: dir.path, indexPolicy: policy });
    const table = await store.openTable(items);
    await table.add({ namespace: 'a', rows: rows('a', 1500) });
    await table.add({ namespace: 'b', rows: rows('b', 1500) });
    await store.close();
    // A bitmap on a string column; numbers are Float64 in the store, which LanceDB bitmaps refuse.
    expect(await indexTypes(dir.path, 'items')).toMatchObject({
      namespace: 'Bitmap',
      id: 'BTree',
      version: 'BTree',
      tag: 'Bitmap',
      text: 'FTS',
    });

    const reopened = await createLanceStore({ uri: dir.path, indexPolicy: policy });
    const indexed = await reopened.openTable(items);
    const got = await indexed.get({ namespace: 'a', ids: ['a7', 'b7', 'a1499', 'a2'] });
    expect(got.map((row) => row.id)).toEqual(['a7', 'a1499', 'a2']);
    expect(await indexed.count({ namespace: 'b', filter: where.eq('version', 1) })).toBe(500);
    expect(
      await indexed.count({
        namespace: 'a',
        filter: where.and(where.eq('tag', 't3'), where.eq('version', 0)),
      }),
    ).toBe(100);
    expect(await indexed.delete({ namespace: 'b', ids: ['b1', 'b2', 'a3'] })).toBe(2);
    expect(await indexed.count({ namespace: 'b' })).toBe(1498);
    await reopened.close();
  });

  it('replaces the BTREE namespace index of a store indexed before bitmaps, at the next write', async () => {
    const policy = { vectorIndexAfterRows: 1000, refreshAfterRows: 1000 };
    const old = await createLanceStore({
      uri: dir.path,
      indexPolicy: { ...policy, namespaceIndex: 'btree' },
    });
    await (await old.openTable(items)).add({ namespace: 'a', rows: rows('a', 1200) });
    await old.close();
    expect(await indexTypes(dir.path, 'items')).toMatchObject({ namespace: 'BTree' });

    const store = await createLanceStore({ uri: dir.path, indexPolicy: policy });
    const table = await store.openTable(items);
    await table.add({ namespace: 'a', rows: [{ id: 'late', version: 2, tag: 't9', text: 'late' }] });
    await store.close();
    expect(await indexTypes(dir.path, 'items')).toMatchObject({ namespace: 'Bitmap' });
    const check = await createLanceStore({ uri: dir.path });
    expect((await (await check.openTable(items)).get({ namespace: 'a', ids: ['late'] }))[0]?.tag).toBe('t9');
    await check.close();
  });
});
