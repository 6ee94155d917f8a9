import { ConfigError, defineTable, type Filter, vectorColumn, where } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { columnsOf } from './columns.js';
import { compileFilter, namespaceClause, sqlIdentifier, sqlString } from './filter-sql.js';

const columns = columnsOf(
  defineTable({
    name: 'notes',
    schema: z.object({
      id: z.string(),
      text: z.string(),
      score: z.number().optional(),
      pinned: z.boolean(),
      at: z.date(),
      sources: z.array(z.string()),
      vector: vectorColumn(),
    }),
    vectors: { vector: 4 },
  }),
);

const compile = (filter: Filter) => compileFilter(filter, columns);

describe('sqlString', () => {
  it.each([
    ['plain', "'plain'"],
    ["o'q", "'o''q'"],
    ["'; DROP TABLE notes; --", "'''; DROP TABLE notes; --'"],
    ['back\\slash\\', "'back\\slash\\'"],
    ["\\'", "'\\'''"],
    ['ünïcödé 🎉', "'ünïcödé 🎉'"],
    ['nul\u0000byte', "'nul\u0000byte'"],
    ['line\nbreak', "'line\nbreak'"],
  ])('quotes %j as a single literal', (value, expected) => {
    expect(sqlString(value)).toBe(expected);
  });

  it('keeps a 10k-character string whole', () => {
    const long = "'x".repeat(5000);
    const quoted = sqlString(long);
    expect(quoted).toHaveLength(2 + 10_000 + 5000);
    // Every quote inside is doubled, so the literal never closes early.
    expect(quoted.slice(1, -1).replaceAll("''", '')).not.toContain("'");
  });
});

describe('sqlIdentifier', () => {
  it('quotes names with backticks', () => {
    expect(sqlIdentifier('text')).toBe('`text`');
  });
  it.each(['a`b', 'a b', '1a', '', 'a;--'])('refuses %j', (name) => {
    expect(() => sqlIdentifier(name)).toThrow(ConfigError);
  });
});

describe('namespaceClause', () => {
  it('escapes the namespace', () => {
    expect(namespaceClause("u'1")).toBe("`namespace` = 'u''1'");
  });
});

describe('compileFilter', () => {
  it('compiles comparisons with typed literals', () => {
    expect(compile(where.eq('text', "it's"))).toBe("`text` = 'it''s'");
    expect(compile(where.ne('text', 'x'))).toBe("`text` <> 'x'");
    expect(compile(where.gte('score', 0.5))).toBe('`score` >= 0.5');
    expect(compile(where.lt('score', -3))).toBe('`score` < -3');
    expect(compile(where.eq('pinned', true))).toBe('`pinned` = TRUE');
    expect(compile(where.gt('at', new Date(Date.UTC(2023, 4, 7))))).toBe(
      "`at` > arrow_cast(1683417600000, 'Timestamp(Millisecond, None)')",
    );
  });

  it('compiles in, null checks and contains', () => {
    expect(compile(where.in('text', ['a', "b'"]))).toBe("`text` IN ('a', 'b''')");
    expect(compile(where.in('text', []))).toBe('FALSE');
    expect(compile(where.isNull('score'))).toBe('`score` IS NULL');
    expect(compile(where.isNotNull('score'))).toBe('`score` IS NOT NULL');
    expect(compile(where.contains('sources', "t'1"))).toBe("array_has(`sources`, 't''1')");
  });

  it('compiles and / or / not with parentheses', () => {
    const filter = where.and(
      where.eq('text', 'a'),
      where.or(where.gt('score', 1), where.not(where.eq('pinned', false))),
    );
    expect(compile(filter)).toBe("(`text` = 'a') AND ((`score` > 1) OR (NOT (`pinned` = FALSE)))");
    expect(compile(where.and())).toBe('TRUE');
    expect(compile(where.or())).toBe('FALSE');
  });

  it('names an unknown field', () => {
    expect(() => compile(where.eq('nope', 1))).toThrow(/"nope".*unknown field/);
    expect(() => compile(where.eq('namespace', 'other'))).toThrow(ConfigError);
    expect(() => compile(where.eq('text`; DROP', 1))).toThrow(ConfigError);
  });

  it('refuses values of the wrong type', () => {
    expect(() => compile(where.eq('score', 'high'))).toThrow(/"score".*finite number/);
    expect(() => compile(where.eq('score', Number.NaN))).toThrow(/finite number/);
    expect(() => compile(where.eq('score', Number.POSITIVE_INFINITY))).toThrow(/finite number/);
    expect(() => compile(where.eq('text', 3))).toThrow(/"text".*string/);
    expect(() => compile(where.eq('at', '2023-01-01'))).toThrow(/"at".*Date/);
    expect(() => compile(where.eq('at', new Date('garbage')))).toThrow(/valid Date/);
    expect(() => compile(where.gt('pinned', true))).toThrow(/boolean/);
    expect(() => compile(where.eq('sources', 'x'))).toThrow(/contains/);
    expect(() => compile(where.contains('text', 'x'))).toThrow(/array-of-strings/);
    expect(() => compile(where.eq('vector', 1))).toThrow(/vector columns/);
  });

  it('refuses unknown ops and absurd nesting', () => {
    expect(() => compile({ op: 'like', field: 'text', value: '%' } as unknown as Filter)).toThrow(
      /unknown filter op/,
    );
    let deep: Filter = where.eq('text', 'a');
    for (let i = 0; i < 40; i++) deep = where.not(deep);
    expect(() => compile(deep)).toThrow(/deeper/);
  });
});
