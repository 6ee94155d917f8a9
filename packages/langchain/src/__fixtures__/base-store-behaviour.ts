// The behaviour LangGraph documents for a `BaseStore` (its base class, its InMemoryStore and the
// Postgres, MongoDB and Redis stores' tests), as one suite any store runs. Where LangGraph's stores
// differ among themselves (order without a query, when a put in a batch becomes visible), the suite
// asserts what LociStore documents and says so.
import { Embeddings } from '@langchain/core/embeddings';
import { type BaseStore, InvalidNamespaceError } from '@langchain/langgraph-checkpoint';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** A bag-of-words `Embeddings` that records what it was asked to embed: texts sharing words are close. */
export class WordEmbeddings extends Embeddings {
  static readonly dims = 64;
  readonly documents: string[][] = [];
  readonly queries: string[] = [];
  constructor() {
    super({});
  }
  async embedDocuments(texts: string[]): Promise<number[][]> {
    this.documents.push([...texts]);
    return texts.map(wordVector);
  }
  async embedQuery(text: string): Promise<number[]> {
    this.queries.push(text);
    return wordVector(text);
  }
}

function wordVector(text: string): number[] {
  const vector = new Array<number>(WordEmbeddings.dims).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let hash = 7;
    for (const char of word) hash = (hash * 31 + char.charCodeAt(0)) % 1_000_003;
    vector[hash % WordEmbeddings.dims] = (vector[hash % WordEmbeddings.dims] ?? 0) + 1;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

/** A store for one test; `index` set means semantic search over those fields with `embeddings`. */
export type OpenBehaviourStore = (options: {
  index?: { dims: number; embeddings: WordEmbeddings; fields?: string[] };
}) => Promise<{ store: BaseStore; close(): Promise<void> }>;

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** Runs LangGraph's documented `BaseStore` behaviour against the stores `open` makes. */
export function describeBaseStoreBehaviour(name: string, open: OpenBehaviourStore): void {
  describe(`BaseStore behaviour: ${name}`, () => {
    let store: BaseStore;
    let close: () => Promise<void>;
    let embeddings: WordEmbeddings;
    const openIndexed = async (fields?: string[]) => {
      embeddings = new WordEmbeddings();
      const opened = await open({
        index: { dims: WordEmbeddings.dims, embeddings, ...(fields === undefined ? {} : { fields }) },
      });
      await close();
      store = opened.store;
      close = opened.close;
    };
    beforeEach(async () => {
      const opened = await open({});
      store = opened.store;
      close = opened.close;
    });
    afterEach(async () => {
      await close();
    });

    describe('get, put and delete', () => {
      it('returns null for an item never stored, and the item as put', async () => {
        expect(await store.get(['docs'], 'missing')).toBeNull();
        await store.put(['docs'], 'a', { title: 'Annual report', year: 2024 });
        const item = await store.get(['docs'], 'a');
        expect(item).toEqual({
          namespace: ['docs'],
          key: 'a',
          value: { title: 'Annual report', year: 2024 },
          createdAt: expect.any(Date),
          updatedAt: expect.any(Date),
        });
        expect(item?.createdAt.getTime()).toBe(item?.updatedAt.getTime());
      });

      it('keeps complex JSON values exactly', async () => {
        const value = {
          text: 'naïve café — 東京 🐈',
          nested: { list: [1, 'two', { three: 3 }], empty: {}, none: null },
          flags: [true, false],
          number: -12.5e-3,
        };
        await store.put(['docs'], 'complex', value);
        expect((await store.get(['docs'], 'complex'))?.value).toEqual(value);
      });

      it('an update replaces the value, keeps createdAt and moves updatedAt', async () => {
        await store.put(['docs'], 'a', { title: 'Draft', status: 'open' });
        const first = await store.get(['docs'], 'a');
        await tick();
        await store.put(['docs'], 'a', { title: 'Final' });
        const second = await store.get(['docs'], 'a');
        expect(second?.value).toEqual({ title: 'Final' });
        expect(second?.createdAt.getTime()).toBe(first?.createdAt.getTime());
        expect(second?.updatedAt.getTime()).toBeGreaterThan(first?.updatedAt.getTime() ?? 0);
      });

      it('deletes an item; deleting a missing one is no error', async () => {
        await store.put(['docs'], 'a', { title: 'x' });
        await store.delete(['docs'], 'a');
        expect(await store.get(['docs'], 'a')).toBeNull();
        await expect(store.delete(['docs'], 'a')).resolves.toBeUndefined();
        await expect(store.delete(['never', 'used'], 'b')).resolves.toBeUndefined();
        expect(await store.search(['docs'])).toEqual([]);
      });

      it('a key belongs to its namespace: the same key elsewhere, and keys with any characters', async () => {
        await store.put(['a'], 'b:c', { where: 'a / b:c' });
        await store.put(['a', 'b'], 'c', { where: 'a:b / c' });
        await store.put(['a'], 'x.y', { where: 'a / x.y' });
        await store.put(['a'], '🗝 key/with "quotes"', { where: 'odd' });
        expect((await store.get(['a'], 'b:c'))?.value).toEqual({ where: 'a / b:c' });
        expect((await store.get(['a', 'b'], 'c'))?.value).toEqual({ where: 'a:b / c' });
        expect((await store.get(['a'], 'x.y'))?.value).toEqual({ where: 'a / x.y' });
        expect((await store.get(['a'], '🗝 key/with "quotes"'))?.value).toEqual({ where: 'odd' });
        await store.delete(['a'], 'b:c');
        expect((await store.get(['a', 'b'], 'c'))?.value).toEqual({ where: 'a:b / c' });
      });
    });

    describe('namespace labels', () => {
      it.each([
        ['an empty namespace', []],
        ['a label with a period', ['the', 'thing.about']],
        ['a label with a colon', ['a', 'b:c']],
        ['an empty label', ['some', 'fun', '']],
        ['a NUL byte', ['a\0b']],
        ['the reserved root "langgraph"', ['langgraph', 'foo']],
        ['a label that is not a string', ['a', 42 as unknown as string]],
      ])('put refuses %s with InvalidNamespaceError and writes nothing', async (_what, namespace) => {
        await expect(store.put(namespace, 'k', { v: 1 })).rejects.toBeInstanceOf(InvalidNamespaceError);
        expect(await store.search([], { limit: 100 })).toEqual([]);
        expect(await store.listNamespaces()).toEqual([]);
      });

      it('"langgraph" is fine below the root, and through batch and delete at the root', async () => {
        await store.put(['foo', 'langgraph', 'foo'], 'bar', { ok: 1 });
        expect((await store.get(['foo', 'langgraph', 'foo'], 'bar'))?.value).toEqual({ ok: 1 });
        expect((await store.search(['foo', 'langgraph', 'foo']))[0]?.value).toEqual({ ok: 1 });
        await store.batch([{ namespace: ['langgraph', 'foo'], key: 'bar', value: { ok: 2 } }]);
        expect((await store.get(['langgraph', 'foo'], 'bar'))?.value).toEqual({ ok: 2 });
        expect((await store.search(['langgraph', 'foo']))[0]?.value).toEqual({ ok: 2 });
        await store.delete(['langgraph', 'foo'], 'bar');
        expect(await store.get(['langgraph', 'foo'], 'bar')).toBeNull();
      });

      it('a batch with one invalid operation is refused whole: nothing written', async () => {
        await expect(
          store.batch([
            { namespace: ['batch'], key: 'item1', value: { data: 'first' } },
            { namespace: [], key: 'item2', value: { data: 'invalid' } },
            { namespace: ['batch'], key: 'item1' },
          ]),
        ).rejects.toThrow('Namespace cannot be empty');
        expect(await store.get(['batch'], 'item1')).toBeNull();
      });
    });

    describe('search', () => {
      const seed = async () => {
        await store.put(['users', 'u1', 'notes'], 'n1', {
          kind: 'note',
          score: 4.5,
          tags: ['a'],
          who: 'ann',
        });
        await tick();
        await store.put(['users', 'u1', 'prefs'], 'p1', { kind: 'pref', score: 2, who: 'ann' });
        await tick();
        await store.put(['users', 'u10'], 'n2', { kind: 'note', score: 5, who: 'bob' });
        await tick();
        await store.put(['users', 'u2'], 'n3', { kind: 'note', score: '7', who: 'cy' });
      };

      it('finds the items under a prefix, label by label (["users","u1"] never sees ["users","u10"])', async () => {
        await seed();
        const keys = async (prefix: string[]) =>
          (await store.search(prefix, { limit: 100 })).map((item) => item.key).sort();
        expect(await keys(['users', 'u1'])).toEqual(['n1', 'p1']);
        expect(await keys(['users', 'u1', 'notes'])).toEqual(['n1']);
        expect(await keys(['users'])).toEqual(['n1', 'n2', 'n3', 'p1']);
        expect(await keys([])).toEqual(['n1', 'n2', 'n3', 'p1']);
        expect(await keys(['users', 'u'])).toEqual([]);
        expect(await keys(['nobody'])).toEqual([]);
      });

      it('without a query: newest update first, 10 by default, paged by limit and offset', async () => {
        for (let index = 0; index < 12; index++) {
          await store.put(['many'], `k${String(index).padStart(2, '0')}`, { index });
          await tick();
        }
        const all = await store.search(['many']);
        expect(all.map((item) => item.key)).toEqual(
          Array.from({ length: 10 }, (_, index) => `k${String(11 - index).padStart(2, '0')}`),
        );
        expect(all[0]?.score).toBeUndefined();
        const page = await store.search(['many'], { limit: 3, offset: 10 });
        expect(page.map((item) => item.key)).toEqual(['k01', 'k00']);
        expect(await store.search(['many'], { limit: 0 })).toEqual([]);
        // An update moves an item to the front.
        await store.put(['many'], 'k00', { index: 0, touched: true });
        expect((await store.search(['many'], { limit: 1 }))[0]?.key).toBe('k00');
      });

      it('filters on value fields: equality and $eq $ne $gt $gte $lt $lte $in $nin, all conditions together', async () => {
        await seed();
        const keys = async (filter: Record<string, unknown>) =>
          (await store.search(['users'], { filter, limit: 100 })).map((item) => item.key).sort();
        expect(await keys({ kind: 'note' })).toEqual(['n1', 'n2', 'n3']);
        expect(await keys({ kind: 'note', who: 'ann' })).toEqual(['n1']);
        expect(await keys({ kind: { $eq: 'pref' } })).toEqual(['p1']);
        expect(await keys({ kind: { $ne: 'note' } })).toEqual(['p1']);
        // Numbers compare as numbers; a numeric string compares with a number as LangGraph's stores do.
        expect(await keys({ score: { $gt: 4.5 } })).toEqual(['n2', 'n3']);
        expect(await keys({ score: { $gte: 4.5 } })).toEqual(['n1', 'n2', 'n3']);
        expect(await keys({ score: { $lt: 4.5 } })).toEqual(['p1']);
        expect(await keys({ score: { $lte: 4.5 } })).toEqual(['n1', 'p1']);
        expect(await keys({ score: { $gt: 2, $lt: 5 } })).toEqual(['n1']);
        expect(await keys({ who: { $in: ['bob', 'cy'] } })).toEqual(['n2', 'n3']);
        expect(await keys({ who: { $nin: ['bob', 'cy'] } })).toEqual(['n1', 'p1']);
        expect(await keys({ missing: 'x' })).toEqual([]);
        expect(await keys({ missing: { $gt: 1 } })).toEqual([]);
        expect(await keys({ kind: 'note', who: 'nobody' })).toEqual([]);
      });

      it('a query without an index is ignored: the filter and paging still apply', async () => {
        await seed();
        const hits = await store.search(['users'], { query: 'anything', filter: { kind: 'note' }, limit: 2 });
        expect(hits.map((item) => item.key)).toEqual(['n3', 'n2']);
      });
    });

    describe('semantic search', () => {
      const docs = {
        cat: { text: 'grey cat sleeps on the sofa', topic: 'pets' },
        dog: { text: 'brown dog runs in the park', topic: 'pets' },
        tax: { text: 'annual tax return filed in april', topic: 'money' },
        bank: { text: 'bank account interest rate', topic: 'money' },
      };
      const seedDocs = async () => {
        for (const [key, value] of Object.entries(docs)) await store.put(['docs'], key, value);
      };

      it('ranks by similarity to the query, best first, each with a score', async () => {
        await openIndexed(['text']);
        await seedDocs();
        const hits = await store.search(['docs'], { query: 'where does the cat sleep' });
        expect(hits[0]?.key).toBe('cat');
        const scores = hits.map((item) => item.score as number);
        expect(scores.every((score) => typeof score === 'number')).toBe(true);
        expect([...scores].sort((a, b) => b - a)).toEqual(scores);
        expect(embeddings.queries).toEqual(['where does the cat sleep']);
      });

      it('applies the filter to ranked results, and pages them without repeats', async () => {
        await openIndexed(['text']);
        await seedDocs();
        const money = await store.search(['docs'], { query: 'bank interest', filter: { topic: 'money' } });
        expect(money.map((item) => item.key)).toEqual(['bank', 'tax']);
        const pages = [0, 1, 2, 3].map((offset) =>
          store.search(['docs'], { query: 'cat', limit: 1, offset }),
        );
        const keys = (await Promise.all(pages)).flat().map((item) => item.key);
        expect(new Set(keys).size).toBe(4);
        expect(keys[0]).toBe('cat');
      });

      it('embeds the whole value by default ("$"), and each field an item names', async () => {
        await openIndexed();
        await store.put(['docs'], 'cat', docs.cat);
        expect(embeddings.documents.flat()).toHaveLength(1);
        expect(embeddings.documents.flat()[0]).toContain('grey cat sleeps on the sofa');
        await store.put(['docs'], 'multi', { title: 'Alpha', body: 'Beta', other: 'Gamma' }, [
          'title',
          'body',
        ]);
        expect(embeddings.documents.at(-1)).toEqual(['Alpha', 'Beta']);
        // An item with several vectors comes back once, with its best score.
        const hits = await store.search(['docs'], { query: 'beta', limit: 10 });
        expect(hits.filter((item) => item.key === 'multi')).toHaveLength(1);
        expect(hits[0]?.key).toBe('multi');
      });

      it('index: false stores without embedding; such items follow the ranked ones without a score', async () => {
        await openIndexed(['text']);
        await seedDocs();
        const calls = embeddings.documents.length;
        await store.put(['docs'], 'plain', { text: 'cat cat cat' }, false);
        expect(embeddings.documents).toHaveLength(calls);
        const hits = await store.search(['docs'], { query: 'cat', limit: 10 });
        expect(hits.map((item) => item.key)).toContain('plain');
        expect(hits.at(-1)?.key).toBe('plain');
        expect(hits.at(-1)?.score).toBeUndefined();
        expect((await store.get(['docs'], 'plain'))?.value).toEqual({ text: 'cat cat cat' });
      });

      it('an update re-embeds the item; a delete removes it from the ranking', async () => {
        await openIndexed(['text']);
        await seedDocs();
        await store.put(['docs'], 'cat', { text: 'quarterly budget spreadsheet', topic: 'money' });
        const budget = await store.search(['docs'], { query: 'budget spreadsheet', limit: 1 });
        expect(budget[0]?.key).toBe('cat');
        // The old text's vector is gone: its exact words no longer find the item as they did.
        const before = await store.search(['docs'], { query: docs.dog.text, limit: 4 });
        expect(before[0]).toMatchObject({ key: 'dog', score: expect.closeTo(1, 5) });
        const sofa = await store.search(['docs'], { query: docs.cat.text, limit: 4 });
        expect(sofa.find((item) => item.key === 'cat')?.score).toBeLessThan(0.5);
        await store.delete(['docs'], 'dog');
        const park = await store.search(['docs'], { query: 'dog park', limit: 10 });
        expect(park.map((item) => item.key)).not.toContain('dog');
      });
    });

    describe('listNamespaces', () => {
      const seed = async () => {
        for (const namespace of [
          ['a', 'b', 'c'],
          ['a', 'b', 'd'],
          ['a', 'c', 'e'],
          ['x', 'y', 'z'],
        ])
          await store.put(namespace, 'k', { v: 1 });
      };

      it('lists every namespace holding an item, sorted', async () => {
        await seed();
        expect(await store.listNamespaces()).toEqual([
          ['a', 'b', 'c'],
          ['a', 'b', 'd'],
          ['a', 'c', 'e'],
          ['x', 'y', 'z'],
        ]);
      });

      it('filters by prefix and suffix, with "*" matching any one label', async () => {
        await seed();
        expect(await store.listNamespaces({ prefix: ['a'] })).toEqual([
          ['a', 'b', 'c'],
          ['a', 'b', 'd'],
          ['a', 'c', 'e'],
        ]);
        expect(await store.listNamespaces({ suffix: ['d'] })).toEqual([['a', 'b', 'd']]);
        expect(await store.listNamespaces({ prefix: ['a', '*', 'c'] })).toEqual([['a', 'b', 'c']]);
        expect(await store.listNamespaces({ suffix: ['*', 'z'] })).toEqual([['x', 'y', 'z']]);
        expect(await store.listNamespaces({ prefix: ['a'], suffix: ['e'] })).toEqual([['a', 'c', 'e']]);
        expect(await store.listNamespaces({ prefix: ['non', 'existent'] })).toEqual([]);
        expect(await store.listNamespaces({ prefix: ['a', 'b', 'c', 'd'] })).toEqual([]);
      });

      it('maxDepth cuts each namespace and lists each cut once; limit and offset page the result', async () => {
        await seed();
        expect(await store.listNamespaces({ maxDepth: 2 })).toEqual([
          ['a', 'b'],
          ['a', 'c'],
          ['x', 'y'],
        ]);
        expect(await store.listNamespaces({ prefix: ['a'], suffix: ['c'], maxDepth: 2 })).toEqual([
          ['a', 'b'],
        ]);
        expect(await store.listNamespaces({ maxDepth: 5 })).toHaveLength(4);
        expect(await store.listNamespaces({ limit: 2, offset: 1 })).toEqual([
          ['a', 'b', 'd'],
          ['a', 'c', 'e'],
        ]);
        expect(await store.listNamespaces({ offset: 10 })).toEqual([]);
      });

      it('a namespace whose last item is deleted is no longer listed', async () => {
        await seed();
        await store.put(['a', 'b', 'c'], 'second', { v: 2 });
        await store.delete(['a', 'b', 'c'], 'k');
        expect(await store.listNamespaces({ prefix: ['a', 'b'] })).toHaveLength(2);
        await store.delete(['a', 'b', 'c'], 'second');
        expect(await store.listNamespaces({ prefix: ['a', 'b'] })).toEqual([['a', 'b', 'd']]);
      });
    });

    describe('batch', () => {
      it('answers each operation in place; operations run in order', async () => {
        const results = await store.batch([
          { namespace: ['batch'], key: 'item1', value: { data: 'first' } },
          { namespace: ['batch'], key: 'item2', value: { data: 'second' } },
          { namespace: ['batch'], key: 'item1' },
          { namespacePrefix: ['batch'], limit: 10, offset: 0 },
          { namespace: ['batch'], key: 'item1', value: null },
          { namespace: ['batch'], key: 'item1' },
          { matchConditions: [{ matchType: 'prefix', path: ['batch'] }], limit: 10, offset: 0 },
        ]);
        expect(results).toHaveLength(7);
        expect(results[0]).toBeUndefined();
        expect(results[1]).toBeUndefined();
        expect(results[2]).toMatchObject({ key: 'item1', value: { data: 'first' } });
        expect((results[3] as unknown as { key: string }[]).map((item) => item.key).sort()).toEqual([
          'item1',
          'item2',
        ]);
        expect(results[4]).toBeUndefined();
        expect(results[5]).toBeNull();
        expect(results[6]).toEqual([['batch']]);
      });

      it('two puts of one key in a batch: the last one wins', async () => {
        await store.batch([
          { namespace: ['batch'], key: 'k', value: { n: 1 } },
          { namespace: ['batch'], key: 'k', value: { n: 2 } },
        ]);
        expect((await store.get(['batch'], 'k'))?.value).toEqual({ n: 2 });
        expect(await store.search(['batch'])).toHaveLength(1);
      });
    });
  });
}
