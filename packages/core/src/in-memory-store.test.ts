import { describe, expect, it } from 'vitest';
import { z } from 'zod';
// A relative import: @loci/testing depends on @loci/core, so a package dependency back would be a cycle.
import { describeMemoryStoreConformance } from '../../testing/src/store-conformance.js';
import { StoreError } from './errors.js';
import { where } from './filter.js';
import { createInMemoryStore } from './in-memory-store.js';
import { defineTable, vectorColumn } from './memory-store.js';

describeMemoryStoreConformance('in memory', async () => ({
  store: createInMemoryStore(),
  cleanup: async () => {},
}));

const notes = defineTable({
  name: 'notes',
  schema: z.object({
    id: z.string(),
    text: z.string(),
    score: z.number().nullable(),
    vector: vectorColumn(),
  }),
  vectors: { vector: 2 },
  metric: 'dot',
  fullText: ['text'],
});

describe('createInMemoryStore', () => {
  it('keeps copies: changing a written or read row changes nothing stored', async () => {
    const store = createInMemoryStore();
    const table = await store.openTable(notes);
    const row = { id: 'a', text: 'hello', score: 1, vector: Float32Array.from([1, 0]) };
    await table.add({ namespace: 'ns', rows: [row] });
    row.vector[0] = 5;
    const [read] = await table.get({ namespace: 'ns', ids: ['a'] });
    expect(read?.vector[0]).toBe(1);
    if (read) read.vector[0] = 7;
    expect((await table.get({ namespace: 'ns', ids: ['a'] }))[0]?.vector[0]).toBe(1);
  });

  it('scores dot-product search with the inner product', async () => {
    const store = createInMemoryStore();
    const table = await store.openTable(notes);
    await table.add({
      namespace: 'ns',
      rows: [
        { id: 'long', text: 'x', score: null, vector: Float32Array.from([3, 0]) },
        { id: 'unit', text: 'y', score: null, vector: Float32Array.from([1, 0]) },
      ],
    });
    const hits = await table.search({
      namespace: 'ns',
      mode: 'vector',
      vector: Float32Array.from([1, 0]),
      k: 2,
    });
    expect(hits.map((hit) => [hit.row.id, hit.score])).toEqual([
      ['long', 3],
      ['unit', 1],
    ]);
  });

  it('treats a comparison with null as unknown, also under not', async () => {
    const store = createInMemoryStore();
    const table = await store.openTable(notes);
    const vector = Float32Array.from([1, 0]);
    await table.add({
      namespace: 'ns',
      rows: [
        { id: 'a', text: 'x', score: 1, vector },
        { id: 'b', text: 'y', score: null, vector },
      ],
    });
    expect(await table.count({ namespace: 'ns', filter: where.not(where.eq('score', 1)) })).toBe(0);
    expect(
      await table.count({ namespace: 'ns', filter: where.or(where.eq('score', 1), where.isNull('score')) }),
    ).toBe(2);
  });

  it('refuses a second definition of a table, and use after drop or close', async () => {
    const store = createInMemoryStore();
    const table = await store.openTable(notes);
    await expect(store.openTable({ ...notes, vectors: { vector: 3 } })).rejects.toThrow(StoreError);
    await store.dropTable('notes');
    await expect(table.count({ namespace: 'ns' })).rejects.toMatchObject({ code: 'table_dropped' });
    await store.close();
    await expect(store.openTable(notes)).rejects.toMatchObject({ code: 'store_closed' });
    await expect(store.dropTable('Bad')).rejects.toThrow(StoreError);
  });
});
