import {
  ConfigError,
  DimensionMismatchError,
  defineTable,
  type Filter,
  LociError,
  type MemoryStore,
  type MemoryTable,
  type RowOf,
  vectorColumn,
  where,
} from '@loci/core';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

/** The table every MemoryStore must hold: one column of each supported type. */
export const conformanceTable = defineTable({
  name: 'conformance_items',
  schema: z.object({
    id: z.string(),
    text: z.string(),
    title: z.string().optional(),
    rank: z.int(),
    weight: z.number().nullable(),
    pinned: z.boolean(),
    at: z.date(),
    tags: z.array(z.string()),
    vector: vectorColumn(),
  }),
  vectors: { vector: 4 },
  metric: 'cosine',
  fullText: ['text'],
});

type Item = RowOf<typeof conformanceTable>;

function item(id: string, overrides: Partial<Item> = {}): Item {
  return {
    id,
    text: `item ${id}`,
    rank: 0,
    weight: null,
    pinned: false,
    at: new Date(Date.UTC(2024, 0, 1)),
    tags: [],
    vector: Float32Array.from([1, 0, 0, 0]),
    ...overrides,
  };
}

const v = (...values: number[]) => Float32Array.from(values);

/** A unit vector at `angle` radians in the first two dimensions: cosine order = angle order. */
function atAngle(angle: number) {
  return v(Math.cos(angle), Math.sin(angle), 0, 0);
}

function ids(rows: readonly { id: string }[]): string[] {
  return rows.map((row) => row.id);
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

/** Strings that break naive quoting: quotes, SQL, backslashes, NUL, unicode, very long. */
const hostileStrings = [
  "o'q",
  "'; DROP TABLE conformance_items; --",
  "' OR '1'='1",
  'back\\slash\\',
  "\\'",
  '"double" `tick`',
  'nul\u0000byte',
  'line\nbreak\ttab',
  'ünïcödé 🎉 中文 עברית',
  '%_like*?',
  'x'.repeat(10_000),
];

const hostileString = fc.oneof(
  fc.constantFrom(...hostileStrings),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
  fc.string({ unit: fc.constantFrom("'", '"', '\\', '`', ';', '-', '\u0000', 'é', '🎉', ' '), minLength: 1 }),
  fc.string({ minLength: 2000, maxLength: 6000 }),
);

/**
 * The behaviour every `MemoryStore` implementation must show. `makeStore` returns a fresh, empty
 * store for each test and a function that removes whatever it created.
 */
export function describeMemoryStoreConformance(
  name: string,
  makeStore: () => Promise<{ store: MemoryStore; cleanup: () => Promise<void> }>,
  options: {
    /** False where the backing service cannot list (e.g. an S3 test double without delimiter support). */
    listsTables?: boolean;
  } = {},
): void {
  describe(`MemoryStore conformance: ${name}`, () => {
    let store: MemoryStore;
    let cleanup: () => Promise<void>;
    let table: MemoryTable<Item>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
      table = await store.openTable(conformanceTable);
    });

    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    it('round-trips every column type exactly', async () => {
      const full = item('full', {
        text: 'Ünïcödé text 🎉 with "quotes" and \'apostrophes\'',
        title: 'a title',
        rank: -42,
        weight: 0.1 + 0.2,
        pinned: true,
        at: new Date(Date.UTC(2023, 4, 7, 12, 30, 15, 123)),
        tags: ['a', "b'", ''],
        vector: v(0.1, -0.2, 0.3, 1e-7),
      });
      const sparse = item('sparse', { weight: null, tags: [] });
      await table.add({ namespace: 'ns', rows: [full, sparse] });
      const [readFull, readSparse] = await table.get({ namespace: 'ns', ids: ['full', 'sparse'] });
      expect(readFull).toEqual(full);
      expect(readFull?.vector).toBeInstanceOf(Float32Array);
      expect(readFull?.at).toBeInstanceOf(Date);
      expect(readSparse).toEqual(sparse);
      expect(readSparse && 'title' in readSparse).toBe(false);
      expect(readSparse?.weight).toBeNull();
    });

    it.skipIf(options.listsTables === false)('lists its tables', async () => {
      expect(await store.listTables()).toEqual([conformanceTable.name]);
      await store.dropTable(conformanceTable.name);
      expect(await store.listTables()).toEqual([]);
    });

    it('drops a table, twice harmlessly, and reopens it empty', async () => {
      await table.add({ namespace: 'ns', rows: [item('a')] });
      await store.dropTable(conformanceTable.name);
      await store.dropTable(conformanceTable.name);
      table = await store.openTable(conformanceTable);
      expect(await table.count({ namespace: 'ns' })).toBe(0);
      await expect(store.dropTable('Not A Name')).rejects.toThrow(ConfigError);
    });

    it('returns rows by id in the order asked, skipping missing ids', async () => {
      await table.add({ namespace: 'ns', rows: [item('a'), item('b'), item('c')] });
      expect(ids(await table.get({ namespace: 'ns', ids: ['c', 'missing', 'a'] }))).toEqual(['c', 'a']);
      expect(await table.get({ namespace: 'ns', ids: [] })).toEqual([]);
    });

    it('upsert replaces rows by id and inserts new ones', async () => {
      await table.add({ namespace: 'ns', rows: [item('a', { rank: 1 }), item('b', { rank: 2 })] });
      await table.upsert({
        namespace: 'ns',
        rows: [item('a', { rank: 10, text: 'replaced' }), item('c', { rank: 3 })],
      });
      expect(await table.count({ namespace: 'ns' })).toBe(3);
      const [a] = await table.get({ namespace: 'ns', ids: ['a'] });
      expect(a).toEqual(item('a', { rank: 10, text: 'replaced' }));
      // The same id in another namespace is another row.
      await table.upsert({ namespace: 'other', rows: [item('a', { rank: 99 })] });
      expect((await table.get({ namespace: 'ns', ids: ['a'] }))[0]?.rank).toBe(10);
      expect(await table.count({ namespace: 'other' })).toBe(1);
    });

    it('keeps one row per id when upserts of the same new ids run concurrently', async () => {
      const writers = [1, 2, 3].map((writer) =>
        table.upsert({
          namespace: 'ns',
          rows: Array.from({ length: 20 }, (_, index) => item(`u${index}`, { rank: writer })),
        }),
      );
      await Promise.all(writers);
      const rows = await table.query({ namespace: 'ns' });
      expect(rows).toHaveLength(20);
      expect(new Set(ids(rows)).size).toBe(20);
    });

    it('deletes by ids and by filter within the namespace only', async () => {
      const rows = [
        item('a', { rank: 1 }),
        item('b', { rank: 2 }),
        item('c', { rank: 3 }),
        item('d', { rank: 4 }),
      ];
      await table.add({ namespace: 'ns', rows });
      await table.add({ namespace: 'other', rows });
      expect(await table.delete({ namespace: 'ns', ids: ['a', 'missing'] })).toBe(1);
      expect(await table.delete({ namespace: 'ns', filter: where.gte('rank', 3) })).toBe(2);
      expect(ids(await table.query({ namespace: 'ns' }))).toEqual(['b']);
      expect(await table.count({ namespace: 'other' })).toBe(4);
      await expect(table.delete({ namespace: 'ns' })).rejects.toThrow(ConfigError);
    });

    it('counts and filters with every operator', async () => {
      await table.add({
        namespace: 'ns',
        rows: [
          item('a', {
            rank: 1,
            weight: 0.5,
            pinned: true,
            tags: ['x', 'y'],
            at: new Date(Date.UTC(2023, 0, 1)),
          }),
          item('b', { rank: 2, weight: null, tags: ['y'], at: new Date(Date.UTC(2023, 5, 1)), title: 't' }),
          item('c', { rank: 3, weight: 2, text: "it's", at: new Date(Date.UTC(2024, 0, 1)) }),
        ],
      });
      const match = async (filter: Filter) =>
        ids(await table.query({ namespace: 'ns', filter, orderBy: { field: 'rank' } }));
      expect(await table.count({ namespace: 'ns' })).toBe(3);
      expect(await table.count({ namespace: 'ns', filter: where.eq('pinned', true) })).toBe(1);
      expect(await match(where.eq('text', "it's"))).toEqual(['c']);
      expect(await match(where.ne('rank', 2))).toEqual(['a', 'c']);
      expect(await match(where.lt('rank', 2))).toEqual(['a']);
      expect(await match(where.lte('rank', 2))).toEqual(['a', 'b']);
      expect(await match(where.gt('weight', 0.5))).toEqual(['c']);
      expect(await match(where.gte('at', new Date(Date.UTC(2023, 5, 1))))).toEqual(['b', 'c']);
      expect(await match(where.in('id', ['a', 'c', 'zz']))).toEqual(['a', 'c']);
      expect(await match(where.in('id', []))).toEqual([]);
      expect(await match(where.isNull('weight'))).toEqual(['b']);
      expect(await match(where.isNotNull('title'))).toEqual(['b']);
      expect(await match(where.contains('tags', 'y'))).toEqual(['a', 'b']);
      expect(await match(where.and(where.contains('tags', 'y'), where.gt('rank', 1)))).toEqual(['b']);
      expect(await match(where.or(where.eq('id', 'a'), where.eq('id', 'c')))).toEqual(['a', 'c']);
      expect(await match(where.not(where.eq('id', 'a')))).toEqual(['b', 'c']);
    });

    it('names an unknown or mistyped filter field', async () => {
      const unknown = await caught(table.count({ namespace: 'ns', filter: where.eq('nope', 1) }));
      expect(unknown).toBeInstanceOf(ConfigError);
      expect(String(unknown)).toContain('nope');
      const mistyped = await caught(table.count({ namespace: 'ns', filter: where.eq('rank', 'high') }));
      expect(String(mistyped)).toContain('rank');
    });

    it('pages an ordered query without gaps or overlaps', async () => {
      const rows = Array.from({ length: 25 }, (_, index) =>
        item(`r${index}`, { rank: index % 5, text: `row ${index}` }),
      );
      await table.add({ namespace: 'ns', rows });
      expect(await table.query({ namespace: 'ns' })).toHaveLength(25);
      const pages: string[] = [];
      for (let offset = 0; offset < 25; offset += 10) {
        const page = await table.query({
          namespace: 'ns',
          orderBy: { field: 'rank', direction: 'desc' },
          limit: 10,
          offset,
        });
        expect(page.length).toBe(Math.min(10, 25 - offset));
        for (let index = 1; index < page.length; index++) {
          expect(page[index - 1]!.rank).toBeGreaterThanOrEqual(page[index]!.rank);
        }
        pages.push(...ids(page));
      }
      expect(new Set(pages).size).toBe(25);
      const byRank = await table.query({ namespace: 'ns', orderBy: { field: 'rank' }, limit: 5 });
      expect(byRank.every((row) => row.rank === 0)).toBe(true);
      const byId = await table.query({
        namespace: 'ns',
        orderBy: { field: 'id', direction: 'desc' },
        limit: 3,
      });
      expect(ids(byId)).toEqual(['r9', 'r8', 'r7']);
      await expect(table.query({ namespace: 'ns', orderBy: { field: 'vector' } })).rejects.toThrow(
        ConfigError,
      );
      await expect(table.query({ namespace: 'ns', limit: -1 })).rejects.toThrow(/limit/);
    });

    it('orders vector search by similarity, best first', async () => {
      const angles = [0.9, 0.1, 0.5, 1.3, 0.3];
      await table.add({
        namespace: 'ns',
        rows: angles.map((angle, index) => item(`v${index}`, { vector: atAngle(angle) })),
      });
      const hits = await table.search({ namespace: 'ns', mode: 'vector', vector: atAngle(0), k: 3 });
      expect(ids(hits.map((hit) => hit.row))).toEqual(['v1', 'v4', 'v2']);
      expect(hits[0]!.score).toBeCloseTo(Math.cos(0.1), 5);
      for (let index = 1; index < hits.length; index++) {
        expect(hits[index - 1]!.score).toBeGreaterThan(hits[index]!.score);
      }
      const filtered = await table.search({
        namespace: 'ns',
        mode: 'vector',
        vector: atAngle(0),
        k: 3,
        filter: where.ne('id', 'v1'),
      });
      expect(ids(filtered.map((hit) => hit.row))).toEqual(['v4', 'v2', 'v0']);
    });

    it('orders text search by relevance and returns only matches', async () => {
      await table.add({
        namespace: 'ns',
        rows: [
          item('t1', { text: 'the weather was rainy in Paris' }),
          item('t2', { text: 'Caroline went hiking in the mountains with Melanie' }),
          item('t3', { text: 'hiking hiking hiking every weekend in the hills' }),
          item('t4', { text: 'a quiet evening with a book' }),
        ],
      });
      const hits = await table.search({ namespace: 'ns', mode: 'text', text: 'hiking', k: 10 });
      expect(ids(hits.map((hit) => hit.row))).toEqual(['t3', 't2']);
      expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
      expect(await table.search({ namespace: 'ns', mode: 'text', text: 'submarine', k: 10 })).toEqual([]);
    });

    it('finds an emoji or symbol that no word of the query holds, by occurrences', async () => {
      await table.add({
        namespace: 'ns',
        rows: [
          item('e1', { text: 'party 🎉 tonight' }),
          item('e2', { text: "🎉🎉 it's 5 o'clock" }),
          item('e3', { text: 'no symbols here' }),
        ],
      });
      await table.add({ namespace: 'other', rows: [item('e4', { text: '🎉🎉🎉' })] });
      const hits = await table.search({ namespace: 'ns', mode: 'text', text: ' 🎉 ', k: 10 });
      expect(ids(hits.map((hit) => hit.row))).toEqual(['e2', 'e1']);
      expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
      expect(await table.search({ namespace: 'ns', mode: 'text', text: '🦄', k: 10 })).toEqual([]);
    });

    it('fuses vector and text rankings in hybrid search', async () => {
      await table.add({
        namespace: 'ns',
        rows: [
          item('both', { text: 'hiking trip in the alps', vector: atAngle(0.2) }),
          item('vectorOnly', { text: 'a quiet evening', vector: atAngle(0.05) }),
          item('textOnly', { text: 'hiking hiking hiking', vector: atAngle(1.5) }),
          item('neither', { text: 'nothing relevant', vector: atAngle(1.4) }),
        ],
      });
      const hits = await table.search({
        namespace: 'ns',
        mode: 'hybrid',
        vector: atAngle(0),
        text: 'hiking',
        k: 3,
      });
      const order = ids(hits.map((hit) => hit.row));
      // "both" is ranked 2nd by vector and in the text list: 1/62 + 1/6x beats any single-list item.
      expect(order[0]).toBe('both');
      expect(order).toContain('vectorOnly');
      expect(order).toContain('textOnly');
      for (let index = 1; index < hits.length; index++) {
        expect(hits[index - 1]!.score).toBeGreaterThanOrEqual(hits[index]!.score);
      }
    });

    it('refuses a wrong-size vector and writes nothing of the batch', async () => {
      await table.add({ namespace: 'ns', rows: [item('kept')] });
      const bad = item('bad', { vector: v(1, 2, 3) });
      for (const write of [
        () => table.add({ namespace: 'ns', rows: [item('x'), bad] }),
        () => table.upsert({ namespace: 'ns', rows: [item('kept', { rank: 5 }), bad] }),
      ]) {
        const error = await caught(write());
        expect(error).toBeInstanceOf(DimensionMismatchError);
        expect(error).toMatchObject({ expected: 4, actual: 3 });
        expect(String(error)).toContain('vector');
      }
      expect(ids(await table.query({ namespace: 'ns' }))).toEqual(['kept']);
      expect((await table.get({ namespace: 'ns', ids: ['kept'] }))[0]?.rank).toBe(0);
      const query = await caught(table.search({ namespace: 'ns', mode: 'vector', vector: v(1, 0), k: 1 }));
      expect(query).toBeInstanceOf(DimensionMismatchError);
    });

    it('rejects invalid rows naming the field, writing nothing', async () => {
      const cases: [unknown, string][] = [
        [{ ...item('a'), rank: 1.5 }, 'rank'],
        [{ ...item('a'), text: 42 }, 'text'],
        [{ ...item('a'), at: 'yesterday' }, 'at'],
        [{ ...item('a'), tags: [1] }, 'tags'],
        [{ ...item('a'), vector: [1, 0, 0, 0] }, 'vector'],
        [{ ...item('a'), id: undefined }, 'id'],
        // A lone surrogate cannot be stored as UTF-8; silently replacing it would change the data.
        [{ ...item('a'), text: 'broken \uD800 text' }, 'text'],
      ];
      for (const [row, field] of cases) {
        const error = await caught(table.add({ namespace: 'ns', rows: [item('fine'), row as Item] }));
        expect(LociError.isInstance(error)).toBe(true);
        expect(String(error)).toContain(field);
      }
      expect(await table.count({ namespace: 'ns' })).toBe(0);
      await expect(table.add({ namespace: '', rows: [item('a')] })).rejects.toThrow(/namespace/);
    });

    it('returns k results from a namespace that other namespaces crowd out', async () => {
      const crowd = Array.from({ length: 2000 }, (_, index) =>
        item(`crowd${index}`, { vector: atAngle(0.0001 * index), text: `hiking crowd ${index}` }),
      );
      await table.add({ namespace: 'crowd', rows: crowd });
      const mine = Array.from({ length: 5 }, (_, index) =>
        item(`mine${index}`, { vector: atAngle(1 + 0.1 * index), text: `hiking mine ${index}` }),
      );
      await table.add({ namespace: 'mine', rows: mine });
      const byVector = await table.search({ namespace: 'mine', mode: 'vector', vector: atAngle(0), k: 5 });
      expect(ids(byVector.map((hit) => hit.row))).toEqual(['mine0', 'mine1', 'mine2', 'mine3', 'mine4']);
      const byText = await table.search({ namespace: 'mine', mode: 'text', text: 'hiking', k: 5 });
      expect(ids(byText.map((hit) => hit.row)).sort()).toEqual(ids(mine));
    });

    it('never crosses namespaces and round-trips hostile strings (property)', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          hostileString,
          hostileString,
          fc.array(hostileString, { minLength: 1, maxLength: 4 }),
          async (first, second, texts) => {
            run++;
            // The run number keeps namespaces of different runs apart; the hostile part stays.
            const mine = `${first}#${run}a`;
            const theirs = `${second}#${run}b`;
            const rows = texts.map((text, index) =>
              item(`${text}:${index}`, { text, tags: [text, first], vector: atAngle(index * 0.1) }),
            );
            const others = rows.map((row) => ({ ...row, text: `other ${row.text}`, rank: 1 }));
            await table.add({ namespace: mine, rows });
            await table.add({ namespace: theirs, rows: others });

            expect(await table.get({ namespace: mine, ids: ids(rows) })).toEqual(rows);
            const scanned = await table.query({ namespace: mine });
            expect(scanned).toHaveLength(rows.length);
            expect(scanned.every((row) => row.rank === 0)).toBe(true);
            const target = texts[0]!;
            const expected = rows.filter((row) => row.text === target);
            expect(await table.count({ namespace: mine, filter: where.eq('text', target) })).toBe(
              expected.length,
            );
            expect(await table.count({ namespace: mine, filter: where.contains('tags', first) })).toBe(
              rows.length,
            );
            const hits = await table.search({ namespace: mine, mode: 'vector', vector: atAngle(0), k: 10 });
            expect(hits.every((hit) => hit.row.rank === 0)).toBe(true);
            expect(hits).toHaveLength(rows.length);
            const text = await table.search({ namespace: mine, mode: 'text', text: target, k: 10 });
            expect(text.every((hit) => hit.row.rank === 0)).toBe(true);

            expect(await table.delete({ namespace: mine, filter: where.eq('rank', 0) })).toBe(rows.length);
            expect(await table.count({ namespace: mine })).toBe(0);
            expect(await table.get({ namespace: theirs, ids: ids(rows) })).toEqual(others);
            await table.delete({ namespace: theirs, ids: ids(rows) });
          },
        ),
        { numRuns: 25 },
      );
    });
  });
}
