import { Embeddings } from '@langchain/core/embeddings';
import { InvalidNamespaceError } from '@langchain/langgraph-checkpoint';
import { DimensionMismatchError, type EmbeddingModel, type MemoryStore } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { createGloveEmbedder } from '@loci/onnx';
import { makeTempDir } from '@loci/testing/temp-dir';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LociStore } from './loci-store.js';

/** A real LangChain `Embeddings` subclass over Loci's built-in embedder, so both index paths run. */
class GloveLangChainEmbeddings extends Embeddings {
  constructor(private readonly model: EmbeddingModel) {
    super({});
  }
  async embedDocuments(texts: string[]): Promise<number[][]> {
    return (await this.model.embed(texts, { kind: 'document' })).map((vector) => [...vector]);
  }
  async embedQuery(text: string): Promise<number[]> {
    const [vector] = await this.model.embed([text], { kind: 'query' });
    return [...(vector ?? [])];
  }
}

let store: MemoryStore;
let embedder: EmbeddingModel;
let dir: { path: string; remove: () => Promise<void> };
let next = 0;
const freshNamespace = () => `lg-test-${next++}`;

beforeAll(async () => {
  dir = await makeTempDir('loci-langchain-');
  embedder = await createGloveEmbedder();
  store = await createLanceStore({ uri: dir.path });
});

afterAll(async () => {
  await store.close();
  await dir.remove();
});

describe('LociStore: documents under namespaces', () => {
  it('puts, gets, updates (keeping createdAt) and deletes', async () => {
    const lg = new LociStore({ store, namespace: freshNamespace() });
    await lg.put(['users', 'ada', 'memories'], 'pet', { kind: 'cat', name: 'Pixel' });
    const first = await lg.get(['users', 'ada', 'memories'], 'pet');
    expect(first).toMatchObject({
      namespace: ['users', 'ada', 'memories'],
      key: 'pet',
      value: { kind: 'cat', name: 'Pixel' },
    });
    expect(first?.createdAt).toBeInstanceOf(Date);

    await new Promise((resolve) => setTimeout(resolve, 5));
    await lg.put(['users', 'ada', 'memories'], 'pet', { kind: 'cat', name: 'Pixel', age: 3 });
    const second = await lg.get(['users', 'ada', 'memories'], 'pet');
    expect(second?.value).toEqual({ kind: 'cat', name: 'Pixel', age: 3 });
    expect(second?.createdAt.getTime()).toBe(first?.createdAt.getTime());
    expect(second?.updatedAt.getTime()).toBeGreaterThan(first?.updatedAt.getTime() ?? Infinity);

    await lg.delete(['users', 'ada', 'memories'], 'pet');
    expect(await lg.get(['users', 'ada', 'memories'], 'pet')).toBeNull();
    expect(await lg.listNamespaces()).toEqual([]);
  });

  it('searches a prefix label by label, so ["users","u1"] never sees ["users","u10"]', async () => {
    const lg = new LociStore({ store, namespace: freshNamespace() });
    await lg.put(['users', 'u1'], 'a', { text: 'one' });
    await lg.put(['users', 'u10'], 'b', { text: 'ten' });
    await lg.put(['users', 'u1', 'notes'], 'c', { text: 'nested' });
    const keys = (await lg.search(['users', 'u1'])).map((item) => item.key).sort();
    expect(keys).toEqual(['a', 'c']);
    expect((await lg.search(['users'])).map((item) => item.key).sort()).toEqual(['a', 'b', 'c']);
    expect((await lg.search([])).length).toBe(3);
  });

  it('filters on value fields with LangGraph operators, and pages', async () => {
    const lg = new LociStore({ store, namespace: freshNamespace() });
    for (let index = 0; index < 6; index++) {
      await lg.put(['docs'], `d${index}`, {
        rank: index,
        colour: index % 2 === 0 ? 'red' : 'blue',
        meta: { n: index },
      });
    }
    const red = await lg.search(['docs'], { filter: { colour: 'red' } });
    expect(red.map((item) => item.key).sort()).toEqual(['d0', 'd2', 'd4']);
    const high = await lg.search(['docs'], { filter: { rank: { $gte: 3 }, colour: { $ne: 'blue' } } });
    expect(high.map((item) => item.key)).toEqual(['d4']);
    const listed = await lg.search(['docs'], { filter: { colour: { $in: ['blue'] } }, limit: 2, offset: 1 });
    expect(listed).toHaveLength(2);
    expect(listed.every((item) => item.value['colour'] === 'blue')).toBe(true);
    expect((await lg.search(['docs'], { filter: { 'meta.n': 5 } })).map((item) => item.key)).toEqual(['d5']);
    await expect(lg.search(['docs'], { filter: { rank: { $near: 2 } } })).rejects.toThrow(
      /unknown operator "\$near"/,
    );
  });

  it('lists namespaces by prefix, suffix (with wildcards) and depth', async () => {
    const lg = new LociStore({ store, namespace: freshNamespace() });
    await lg.put(['a', 'b', 'c'], 'k', { v: 1 });
    await lg.put(['a', 'b', 'd'], 'k', { v: 1 });
    await lg.put(['a', 'x'], 'k', { v: 1 });
    await lg.put(['z'], 'k', { v: 1 });
    expect(await lg.listNamespaces()).toEqual([['a', 'b', 'c'], ['a', 'b', 'd'], ['a', 'x'], ['z']]);
    expect(await lg.listNamespaces({ prefix: ['a', 'b'] })).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'd'],
    ]);
    expect(await lg.listNamespaces({ suffix: ['d'] })).toEqual([['a', 'b', 'd']]);
    expect(await lg.listNamespaces({ prefix: ['a', '*', 'c'] })).toEqual([['a', 'b', 'c']]);
    expect(await lg.listNamespaces({ maxDepth: 2 })).toEqual([['a', 'b'], ['a', 'x'], ['z']]);
    expect(await lg.listNamespaces({ limit: 1, offset: 1 })).toEqual([['a', 'b', 'd']]);
  });

  it('refuses the namespace labels LangGraph forbids and writes nothing', async () => {
    const lg = new LociStore({ store, namespace: freshNamespace() });
    for (const bad of [['a.b'], ['a:b'], [''], ['langgraph', 'x'], []]) {
      await expect(lg.put(bad, 'k', { v: 1 })).rejects.toBeInstanceOf(InvalidNamespaceError);
    }
    await expect(
      lg.batch([
        { namespace: ['ok'], key: 'k', value: { v: 1 } },
        { namespace: ['a.b'], key: 'k', value: { v: 1 } },
      ]),
    ).rejects.toBeInstanceOf(InvalidNamespaceError);
    expect(await lg.get(['ok'], 'k')).toBeNull();
    await expect(lg.put(['ok'], 'k', [1, 2] as never)).rejects.toThrow(/JSON object/);
  });

  it('keeps two Loci namespaces on one store apart', async () => {
    const first = new LociStore({ store, namespace: freshNamespace() });
    const second = new LociStore({ store, namespace: freshNamespace() });
    await first.put(['memories'], 'secret', { text: 'the first user only' });
    expect(await second.get(['memories'], 'secret')).toBeNull();
    expect(await second.search([])).toEqual([]);
    expect(await second.listNamespaces()).toEqual([]);
  });

  it('runs a batch in order and answers each operation in place', async () => {
    const lg = new LociStore({ store, namespace: freshNamespace() });
    const results = await lg.batch([
      { namespace: ['n'], key: 'a', value: { v: 1 } },
      { namespace: ['n'], key: 'a' },
      { namespacePrefix: ['n'], limit: 10, offset: 0 },
      { limit: 10, offset: 0 },
    ]);
    expect(results[0]).toBeUndefined();
    expect(results[1]).toMatchObject({ key: 'a', value: { v: 1 } });
    expect(results[2]).toHaveLength(1);
    expect(results[3]).toEqual([['n']]);
  });
});

describe('LociStore: semantic search', () => {
  const facts = {
    pet: { text: 'Ada adopted a grey cat called Pixel from the shelter.' },
    job: { text: 'Ada started a new job as a nurse at the city hospital.' },
    trip: { text: 'Ada is planning a hiking trip to the mountains in June.' },
  };

  it.each([
    ['a Loci embedder', () => embedder],
    ['a LangChain Embeddings', () => new GloveLangChainEmbeddings(embedder)],
  ] as const)('ranks by meaning with %s, with a cosine score', async (_name, make) => {
    const lg = new LociStore({
      store,
      namespace: freshNamespace(),
      index: { dims: embedder.dimensions, embeddings: make(), fields: ['text'] },
    });
    for (const [key, value] of Object.entries(facts)) await lg.put(['users', 'ada'], key, value);
    await lg.put(['users', 'ada'], 'unindexed', { text: 'kept out of the index' }, false);
    const hits = await lg.search(['users', 'ada'], { query: 'which animal does she own?', limit: 4 });
    expect(hits[0]?.key).toBe('pet');
    expect(hits[0]?.score).toBeGreaterThan(0);
    expect(hits[0]?.score).toBeLessThanOrEqual(1);
    // An item stored without vectors still comes back, after the ranked ones and without a score.
    expect(hits.at(-1)).toMatchObject({ key: 'unindexed' });
    expect(hits.at(-1)?.score).toBeUndefined();

    const nurse = await lg.search(['users', 'ada'], { query: 'hospital work', limit: 1 });
    expect(nurse.map((item) => item.key)).toEqual(['job']);
  });

  it('re-embeds an updated value and forgets the old vectors', async () => {
    const lg = new LociStore({
      store,
      namespace: freshNamespace(),
      index: { dims: embedder.dimensions, embeddings: embedder, fields: ['text'] },
    });
    await lg.put(['m'], 'x', { text: 'a red bicycle with a basket' });
    await lg.put(['m'], 'y', { text: 'a violin lesson on Tuesday' });
    await lg.put(['m'], 'x', { text: 'a piano concert in the evening' });
    const hits = await lg.search(['m'], { query: 'bicycle basket', limit: 2 });
    expect(hits.filter((item) => item.key === 'x')).toHaveLength(1);
    const music = await lg.search(['m'], { query: 'piano concert', limit: 1 });
    expect(music[0]?.key).toBe('x');
  });

  it('refuses embeddings of the wrong dimension and writes nothing', async () => {
    const wrong = new LociStore({
      store,
      namespace: freshNamespace(),
      index: { dims: embedder.dimensions + 1, embeddings: embedder },
    });
    const error = await wrong.put(['m'], 'k', { text: 'hello' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DimensionMismatchError);
    expect(await wrong.get(['m'], 'k')).toBeNull();
  });

  it('survives a restart: a new store over the same folder finds the items', async () => {
    const namespace = freshNamespace();
    const lg = new LociStore({
      store,
      namespace,
      index: { dims: embedder.dimensions, embeddings: embedder },
    });
    await lg.put(['users', 'ada'], 'pet', facts.pet);
    const reopened = await createLanceStore({ uri: dir.path });
    try {
      const again = new LociStore({
        store: reopened,
        namespace,
        index: { dims: embedder.dimensions, embeddings: embedder },
      });
      expect((await again.search(['users'], { query: 'cat' }))[0]?.key).toBe('pet');
    } finally {
      await reopened.close();
    }
  });
});

describe('LociStore: prefix search never returns an item outside the prefix', () => {
  const label = fc
    .string({ minLength: 1, maxLength: 6, unit: 'binary' })
    .filter((text) => !/[.:]/.test(text) && !text.includes(String.fromCharCode(0)) && text !== 'langgraph');
  it('holds for hostile labels', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.array(label, { minLength: 1, maxLength: 3 }), {
          minLength: 1,
          maxLength: 5,
          selector: (ns) => ns.join('\u0001'),
        }),
        fc.nat(),
        async (namespaces, pick) => {
          const lg = new LociStore({ store, namespace: freshNamespace() });
          for (const [index, namespace] of namespaces.entries())
            await lg.put(namespace, `k${index}`, { index });
          const chosen = namespaces[pick % namespaces.length] as string[];
          const prefix = chosen.slice(0, 1 + (pick % chosen.length));
          const found = await lg.search(prefix, { limit: 100 });
          const expected = namespaces.filter((ns) => prefix.every((part, index) => ns[index] === part));
          expect(found).toHaveLength(expected.length);
          for (const item of found)
            expect(prefix.every((part, index) => item.namespace[index] === part)).toBe(true);
        },
      ),
      { numRuns: 15 },
    );
  });
});
