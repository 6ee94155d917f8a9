import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConfigError,
  DimensionMismatchError,
  defineTable,
  StoreError,
  vectorColumn,
  where,
} from '@loci/core';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLanceStore } from './lance-store.js';

const notes = defineTable({
  name: 'notes',
  schema: z.object({
    id: z.string(),
    text: z.string(),
    at: z.date(),
    sources: z.array(z.string()),
    vector: vectorColumn(),
  }),
  vectors: { vector: 3 },
  fullText: ['text'],
});

const v = (...values: number[]) => Float32Array.from(values);

describe('createLanceStore', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await makeTempDir('loci-lance-');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('writes, reads, filters and searches a table in a local folder', async () => {
    const store = await createLanceStore({ uri: dir.path });
    const table = await store.openTable(notes);
    await table.add({
      namespace: 'u1',
      rows: [
        {
          id: 'a',
          text: 'the cat sat on the mat',
          at: new Date('2023-05-07T00:00:00Z'),
          sources: ['t1'],
          vector: v(1, 0, 0),
        },
        {
          id: 'b',
          text: 'dogs run in the park',
          at: new Date('2023-06-07T00:00:00Z'),
          sources: ['t2', 't3'],
          vector: v(0, 1, 0),
        },
      ],
    });
    await table.add({
      namespace: 'u2',
      rows: [{ id: 'a', text: 'a cat from another user', at: new Date(), sources: [], vector: v(1, 0, 0) }],
    });
    const [a] = await table.get({ namespace: 'u1', ids: ['a'] });
    expect(a?.text).toBe('the cat sat on the mat');
    expect(a?.at).toEqual(new Date('2023-05-07T00:00:00Z'));
    expect(a?.sources).toEqual(['t1']);
    expect(a?.vector).toEqual(v(1, 0, 0));

    const hits = await table.search({ namespace: 'u1', mode: 'vector', vector: v(0.9, 0.1, 0), k: 5 });
    expect(hits.map((hit) => hit.row.id)).toEqual(['a', 'b']);
    expect(hits[0]?.score).toBeGreaterThan(hits[1]?.score ?? 1);

    const text = await table.search({ namespace: 'u1', mode: 'text', text: 'cat', k: 5 });
    expect(text.map((hit) => hit.row.id)).toEqual(['a']);

    expect(await table.count({ namespace: 'u1', filter: where.contains('sources', 't3') })).toBe(1);
    expect(await table.count({ namespace: 'u1', filter: where.gt('at', new Date('2023-06-01')) })).toBe(1);
    await store.close();

    const reopened = await createLanceStore({ uri: dir.path });
    expect(await reopened.listTables()).toEqual(['notes']);
    const again = await reopened.openTable(notes);
    expect(await again.count({ namespace: 'u2' })).toBe(1);
    await reopened.close();
  });

  it('refuses a wrong-size vector and writes nothing of the batch', async () => {
    const store = await createLanceStore({ uri: dir.path });
    const table = await store.openTable(notes);
    const good = { id: 'ok', text: 'x', at: new Date(), sources: [], vector: v(1, 0, 0) };
    const bad = { id: 'bad', text: 'y', at: new Date(), sources: [], vector: v(1, 0) };
    const error = await table.add({ namespace: 'u', rows: [good, bad] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DimensionMismatchError);
    expect(String(error)).toMatch(/row 1, column "vector".*2 dimensions but 3/);
    expect(await table.count({ namespace: 'u' })).toBe(0);
    await store.close();
  });

  it('refuses to open an existing table with a different schema', async () => {
    const store = await createLanceStore({ uri: dir.path });
    await store.openTable(notes);
    const changed = defineTable({ ...notes, schema: notes.schema.extend({ at: z.number() }) });
    await expect(store.openTable(changed)).rejects.toThrow(StoreError);
    await expect(store.openTable(changed)).rejects.toThrow(
      /column "at" is Timestamp<MILLISECOND> but Float64 was expected/,
    );
    await store.close();
  });

  it('opens a table written before the row-key column and keeps using it', async () => {
    const lancedb = await import('@lancedb/lancedb');
    const arrow = await import('apache-arrow');
    const connection = await lancedb.connect(dir.path);
    // The layout of this package's first commits: namespace, then the definition's columns.
    const legacy = await connection.createEmptyTable(
      'notes',
      new arrow.Schema([
        new arrow.Field('namespace', new arrow.Utf8(), false),
        new arrow.Field('id', new arrow.Utf8(), false),
        new arrow.Field('text', new arrow.Utf8(), false),
        new arrow.Field('at', new arrow.TimestampMillisecond(), false),
        new arrow.Field('sources', new arrow.List(new arrow.Field('item', new arrow.Utf8(), true)), false),
        new arrow.Field(
          'vector',
          new arrow.FixedSizeList(3, new arrow.Field('item', new arrow.Float32(), true)),
          false,
        ),
      ]),
    );
    legacy.close();
    connection.close();

    const store = await createLanceStore({ uri: dir.path });
    const table = await store.openTable(notes);
    const row = { id: 'a', text: 'old table', at: new Date(1), sources: [], vector: v(1, 0, 0) };
    await table.add({ namespace: 'u', rows: [row] });
    await table.upsert({ namespace: 'u', rows: [{ ...row, text: 'replaced' }] });
    expect(await table.get({ namespace: 'u', ids: ['a'] })).toEqual([{ ...row, text: 'replaced' }]);
    await store.close();
  });

  it('reports a damaged table clearly and leaves its files alone', async () => {
    const store = await createLanceStore({ uri: dir.path });
    const table = await store.openTable(notes);
    await table.add({
      namespace: 'u',
      rows: [{ id: 'a', text: 'x', at: new Date(), sources: [], vector: v(1, 0, 0) }],
    });
    await store.close();
    const versions = join(dir.path, 'notes.lance', '_versions');
    const manifests = await readdir(versions);
    for (const file of manifests) await writeFile(join(versions, file), 'garbage');

    const again = await createLanceStore({ uri: dir.path });
    const error = await again.openTable(notes).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect(String(error)).toMatch(/cannot open table "notes" .*damaged/);
    // Nothing was recreated over the damaged table.
    expect((await readdir(versions)).sort()).toEqual([...manifests].sort());
    await again.close();
  });

  it('validates its options', async () => {
    await expect(createLanceStore({ uri: '' })).rejects.toThrow(ConfigError);
    await expect(
      createLanceStore({ uri: dir.path, indexPolicy: { vectorIndexAfterRows: -1 } }),
    ).rejects.toThrow(/indexPolicy.vectorIndexAfterRows/);
  });
});
