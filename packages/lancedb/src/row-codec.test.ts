import { ConfigError, DimensionMismatchError, defineTable, vectorColumn } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { columnsOf } from './columns.js';
import { decodeRow, encodeRows, loneSurrogateAt } from './row-codec.js';

const definition = defineTable({
  name: 'notes',
  schema: z.object({
    id: z.string(),
    title: z.string().optional(),
    score: z.number().nullable(),
    at: z.date(),
    tags: z.array(z.string()),
    vector: vectorColumn(),
  }),
  vectors: { vector: 2 },
});
const columns = columnsOf(definition);
const row = { id: 'a', score: null, at: new Date(5), tags: ['x'], vector: Float32Array.from([1, 2]) };

describe('encodeRows', () => {
  it('adds the namespace and turns absent values into nulls', () => {
    expect(encodeRows(definition, columns, 'ns', [row])).toEqual([
      {
        namespace: 'ns',
        loci_key: '["ns","a"]',
        id: 'a',
        title: null,
        score: null,
        at: new Date(5),
        tags: ['x'],
        vector: row.vector,
      },
    ]);
  });

  it('drops keys outside the schema, so a caller cannot write the store columns', () => {
    const [record] = encodeRows(definition, columns, 'mine', [
      { ...row, namespace: 'theirs', loci_key: 'x' },
    ]);
    expect(record?.['namespace']).toBe('mine');
    expect(record?.['loci_key']).toBe('["mine","a"]');
  });

  it('writes no row key for tables created before it existed', () => {
    const [record] = encodeRows(definition, columns, 'ns', [row], { rowKey: false });
    expect(record && 'loci_key' in record).toBe(false);
  });

  it('names the row and field of a schema failure', () => {
    expect(() => encodeRows(definition, columns, 'ns', [row, { ...row, score: 'high' }])).toThrow(
      /invalid row 1: score: .*nothing was written/,
    );
  });

  it('refuses wrong-size and non-finite vectors', () => {
    const short = { ...row, vector: Float32Array.from([1]) };
    expect(() => encodeRows(definition, columns, 'ns', [short])).toThrow(DimensionMismatchError);
    const nan = { ...row, vector: Float32Array.from([1, Number.NaN]) };
    expect(() => encodeRows(definition, columns, 'ns', [nan])).toThrow(/vector: element 1 is not finite/);
  });

  it('refuses text UTF-8 cannot hold', () => {
    expect(() => encodeRows(definition, columns, 'ns', [{ ...row, tags: ['ok', 'bad\uDC00'] }])).toThrow(
      ConfigError,
    );
    expect(loneSurrogateAt('emoji 🎉 ok')).toBe(-1);
    expect(loneSurrogateAt('a\uD83D')).toBe(1);
  });
});

describe('decodeRow', () => {
  it('returns dates, lists and vectors, omitting absent optional values', () => {
    const decoded = decodeRow(columns, {
      namespace: 'ns',
      id: 'a',
      title: null,
      score: null,
      at: 5,
      tags: ['x'],
      vector: [1, 2],
      _distance: 0.5,
    });
    expect(decoded).toEqual(row);
    expect('title' in decoded).toBe(false);
    expect(decoded['vector']).toBeInstanceOf(Float32Array);
  });
});
