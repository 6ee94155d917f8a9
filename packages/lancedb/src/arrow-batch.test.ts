import { defineTable, vectorColumn } from '@loci/core';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { recordsToArrow } from './arrow-batch.js';
import { arrowSchemaOf } from './arrow-schema.js';
import { columnsOf } from './columns.js';
import { encodeRows } from './row-codec.js';

const definition = defineTable({
  name: 't',
  schema: z.object({
    id: z.string(),
    at: z.date().optional(),
    tags: z.array(z.string()).nullable(),
    ok: z.boolean(),
    n: z.number().optional(),
    vector: vectorColumn().optional(),
  }),
  vectors: { vector: 3 },
});

describe('recordsToArrow', () => {
  it('builds one batch with every column, nulls included', () => {
    const columns = columnsOf(definition);
    const schema = arrowSchemaOf(arrow, columns);
    const records = encodeRows(definition, columns, 'ns', [
      {
        id: 'a',
        at: new Date(1_000),
        tags: ['x', "y'"],
        ok: true,
        n: 1.5,
        vector: Float32Array.from([1, 2, 3]),
      },
      { id: 'b', tags: null, ok: false },
    ]);
    const table = recordsToArrow(arrow, schema, records);
    expect(table.batches).toHaveLength(1);
    expect(table.schema.fields.map((field) => String(field.type))).toEqual(
      schema.fields.map((field) => String(field.type)),
    );
    const a = table.get(0)!;
    const b = table.get(1)!;
    expect(a['namespace']).toBe('ns');
    expect(a['at']).toBe(1_000);
    expect([...a['tags']]).toEqual(['x', "y'"]);
    expect(Array.from(a['vector'])).toEqual([1, 2, 3]);
    expect([b['at'], b['tags'], b['n'], b['vector']]).toEqual([null, null, null, null]);
    expect(b['ok']).toBe(false);
  });
});
