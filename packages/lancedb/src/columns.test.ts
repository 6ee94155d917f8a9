import { ConfigError, defineTable, vectorColumn } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { columnsOf } from './columns.js';

describe('columnsOf', () => {
  it('reads every supported column type', () => {
    const columns = columnsOf(
      defineTable({
        name: 't',
        schema: z.object({
          id: z.string(),
          kind: z.enum(['a', 'b']),
          n: z.int(),
          x: z.number().nullable(),
          ok: z.boolean().optional(),
          at: z.date(),
          tags: z.array(z.string()),
          v: vectorColumn(),
        }),
        vectors: { v: 8 },
      }),
    );
    expect(columns.map((column) => [column.name, column.kind, column.nullable, column.readsNull])).toEqual([
      ['id', 'string', false, false],
      ['kind', 'string', false, false],
      ['n', 'number', false, false],
      ['x', 'number', true, true],
      ['ok', 'boolean', true, false],
      ['at', 'date', false, false],
      ['tags', 'stringList', false, false],
      ['v', 'vector', false, false],
    ]);
    expect(columns.at(-1)?.dimensions).toBe(8);
  });

  it('names an unsupported column', () => {
    const definition = defineTable({
      name: 't',
      schema: z.object({ id: z.string(), meta: z.object({ a: z.string() }) }),
    });
    expect(() => columnsOf(definition)).toThrow(ConfigError);
    expect(() => columnsOf(definition)).toThrow(/column "meta": unsupported column type "object"/);
  });

  it('refuses numbers in lists, vectors without sizes and bad fullText columns', () => {
    const numbers = defineTable({ name: 't', schema: z.object({ id: z.string(), xs: z.array(z.number()) }) });
    expect(() => columnsOf(numbers)).toThrow(/"xs"/);
    const unsized = defineTable({ name: 't', schema: z.object({ id: z.string(), v: vectorColumn() }) });
    expect(() => columnsOf(unsized)).toThrow(/"v"/);
    const text = defineTable({
      name: 't',
      schema: z.object({ id: z.string(), n: z.number() }),
      fullText: ['n'],
    });
    expect(() => columnsOf(text)).toThrow(/fullText column "n"/);
    const reserved = defineTable({ name: 't', schema: z.object({ id: z.string(), loci_key: z.string() }) });
    expect(() => columnsOf(reserved)).toThrow(/"loci_key" is added by the store/);
    const optionalId = defineTable({ name: 't', schema: z.object({ id: z.string().optional() }) });
    expect(() => columnsOf(optionalId)).toThrow(/"id" must be a required/);
  });
});
