import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTable, vectorColumn } from './memory-store.js';

const schema = z.object({ id: z.string(), version: z.int(), text: z.string(), vector: vectorColumn() });

describe('defineTable: filterIndexes', () => {
  it('accepts a filter index on a plain column', () => {
    const definition = defineTable({
      name: 't',
      schema,
      vectors: { vector: 4 },
      filterIndexes: { version: 'bitmap' },
    });
    expect(definition.filterIndexes).toEqual({ version: 'bitmap' });
  });

  it('refuses an unknown column, a vector or full-text column and an unknown kind', () => {
    expect(() => defineTable({ name: 't', schema, filterIndexes: { missing: 'btree' } })).toThrow(
      'table "t": filterIndexes.missing: no such column in the schema',
    );
    expect(() =>
      defineTable({ name: 't', schema, vectors: { vector: 4 }, filterIndexes: { vector: 'btree' } }),
    ).toThrow(/filterIndexes.vector: a vector or full-text column has its own index/);
    expect(() =>
      defineTable({ name: 't', schema, fullText: ['text'], filterIndexes: { text: 'bitmap' } }),
    ).toThrow(/filterIndexes.text: a vector or full-text column/);
    const kind = 'hash' as unknown as 'btree';
    expect(() => defineTable({ name: 't', schema, filterIndexes: { version: kind } })).toThrow(
      'table "t": filterIndexes.version: expected "bitmap" or "btree", got "hash"',
    );
  });
});
