import { createInMemoryStore, dot, LociError, type MemoryStore } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { collisionFixture } from './__fixtures__/collision-fixture.js';
import { createHashingEmbedder } from './__fixtures__/hashing-embedder.js';
import { createFocusedMemory } from './focused-memory.js';
import type { FocusedMemory } from './focused-memory-types.js';
import { focusedTables } from './focused-tables.js';
import { identityProjection } from './projection.js';
import { serializeProjection } from './projection-format.js';

describe('createFocusedMemory: keys and values', () => {
  it('reaches one value through several keys and deduplicates it (max and sum)', async () => {
    const embedder = createHashingEmbedder();
    const memory = createFocusedMemory({ embedder, store: createInMemoryStore() });
    await memory.put({
      namespace: 'n',
      value: { id: 'v1', text: 'pottery wheel and clay', sources: ['t1', 't2'] },
      keys: ['pottery wheel', 'clay pottery', 'wheel clay pottery'],
    });
    await memory.put({
      namespace: 'n',
      value: { id: 'v2', text: 'rowing on the canal' },
      keys: ['rowing canal'],
    });
    const [query] = await embedder.embed(['pottery wheel clay'], { kind: 'query' });
    const max = await memory.search({ namespace: 'n', query: query as Float32Array, k: 5, aggregate: 'max' });
    const sum = await memory.search({ namespace: 'n', query: query as Float32Array, k: 5, aggregate: 'sum' });
    expect(max.map((hit) => hit.value.id)).toEqual(['v1', 'v2']);
    const [first] = max;
    expect(first?.keys).toHaveLength(3);
    expect(first?.value.sources).toEqual(['t1', 't2']);
    const scores = (first?.keys ?? []).map((key) => key.score);
    expect(first?.score).toBe(Math.max(...scores));
    expect(sum[0]?.score).toBeCloseTo(
      scores.reduce((a, b) => a + b, 0),
      12,
    );
    // Each key's score is the exact inner product with the stored frozen key.
    const [keyVector] = await embedder.embed(['clay pottery'], { kind: 'document' });
    expect(scores).toContain(dot(query as Float32Array, keyVector as Float32Array));
  });

  it('derives keys from the turn and its sentences, replaces a value put twice', async () => {
    const memory = createFocusedMemory({ embedder: createHashingEmbedder(), store: createInMemoryStore() });
    await memory.put({
      namespace: 'n',
      value: { id: 'a', speaker: 'Ana', text: 'I baked bread. It was good.' },
    });
    expect((await memory.status('n')).keys).toBe(3);
    await memory.put({ namespace: 'n', value: { id: 'a', speaker: 'Ana', text: 'One sentence only.' } });
    const status = await memory.status('n');
    expect(status).toMatchObject({ values: 1, keys: 1, activeVersion: 0 });
  });
});

describe('createFocusedMemory: an untrained projection is dense retrieval', () => {
  it('ranks and scores exactly like an exhaustive inner-product search over the turns', async () => {
    const embedder = createHashingEmbedder();
    const memory = createFocusedMemory({
      embedder,
      store: createInMemoryStore(),
      keys: { sentences: false },
    });
    const { own } = collisionFixture({ contexts: 1, turns: 30 });
    for (const turn of own) {
      await memory.observe({ namespace: 'n', event: { type: 'turn', ...turn } });
    }
    const turnVectors = await embedder.embed(
      own.map((turn) => `${turn.speaker}: ${turn.text}`),
      { kind: 'document' },
    );
    for (const query of ['person0a pottery clay', 'rain marathon wheel', 'what about the cello']) {
      const [q] = await embedder.embed([query], { kind: 'query' });
      const expected = own
        .map((turn, index) => ({
          id: turn.id,
          score: dot(q as Float32Array, turnVectors[index] as Float32Array),
        }))
        .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
        .slice(0, 8);
      const recalled = await memory.recall({ namespace: 'n', query, k: 8 });
      expect(recalled.map((item) => ({ id: item.sources[0], score: item.score }))).toEqual(expected);
      expect(recalled.every((item) => item.kind === 'kv')).toBe(true);
    }
  });
});

async function fill(memory: FocusedMemory, namespace: string, contexts = 8) {
  const fixture = collisionFixture({ contexts, turns: 40 });
  await memory.putMany({
    namespace,
    entries: fixture.own.map(({ context: _context, ...turn }) => ({ value: turn })),
  });
  await memory.addDistractors(namespace, fixture.distractors);
  return fixture;
}

describe('createFocusedMemory: crossbatch training', () => {
  it('re-projects stored keys to exactly what projecting freshly embedded keys gives, without re-embedding', async () => {
    const embedder = createHashingEmbedder();
    const store = createInMemoryStore();
    const trained = createFocusedMemory({ embedder, store });
    const fixture = await fill(trained, 'n', 4);
    const report = await trained.train({ namespace: 'n', steps: 20, apply: false });
    const calls = embedder.calls;
    await trained.reproject({ namespace: 'n', projection: report.projection });
    expect(embedder.calls).toBe(calls);

    // The same entries put after the projection serves: their focused keys are projected on write.
    const otherStore = createInMemoryStore();
    const fresh = createFocusedMemory({ embedder, store: otherStore });
    await fresh.reproject({ namespace: 'n', projection: report.projection });
    await fill(fresh, 'n', 4);
    const reprojected = await focusedRows(store, 'n');
    const projectedFresh = await focusedRows(otherStore, 'n');
    expect(reprojected.size).toBe((await trained.status('n')).keys);
    expect(projectedFresh.size).toBe(reprojected.size);
    for (const [id, vector] of reprojected) expect(projectedFresh.get(id)).toEqual(vector);
    expect(fixture.questions.length).toBeGreaterThan(0);
  });
});

const embedderForTables = createHashingEmbedder();
async function focusedRows(store: MemoryStore, namespace: string): Promise<Map<string, Float32Array>> {
  const table = await store.openTable(
    focusedTables(embedderForTables.modelId, embedderForTables.dimensions).focused,
  );
  const rows = await table.query({ namespace });
  return new Map(rows.map((row) => [`${row.version}:${row.key_id}`, row.focused]));
}

/** A store whose focused-key writes fail after `allowed` more calls once armed: a killed process. */
function crashingStore(inner: MemoryStore) {
  const control = { allowed: Number.POSITIVE_INFINITY };
  const store: MemoryStore = {
    uri: inner.uri,
    listTables: () => inner.listTables(),
    dropTable: (name) => inner.dropTable(name),
    close: () => inner.close(),
    async openTable(definition) {
      const table = await inner.openTable(definition);
      if (!definition.name.startsWith('fot_focused_')) return table;
      return {
        ...table,
        async add(options) {
          if (control.allowed-- <= 0) throw new Error('killed');
          return table.add(options);
        },
      };
    },
  };
  return { store, control };
}

describe('createFocusedMemory: interrupted re-projection', () => {
  it('keeps serving the old keys, then resumes where it stopped and switches at once', async () => {
    const embedder = createHashingEmbedder();
    const inner = createInMemoryStore();
    const { store, control } = crashingStore(inner);
    const first = createFocusedMemory({ embedder, store, pageSize: 100 });
    const fixture = await fill(first, 'n', 6);
    const report = await first.train({ namespace: 'n', steps: 30, apply: false });
    const questions = fixture.questions.slice(0, 10).map((question) => question.query);
    const servedBefore = await Promise.all(
      questions.map((query) => first.search({ namespace: 'n', query, k: 5 })),
    );

    control.allowed = 3;
    await expect(first.reproject({ namespace: 'n', projection: report.projection })).rejects.toThrow(
      'killed',
    );
    const keys = (await first.status('n')).keys;

    // A new process over the same store: the old (identity) keys serve, unchanged.
    control.allowed = Number.POSITIVE_INFINITY;
    const second = createFocusedMemory({ embedder, store, pageSize: 100, resumeOnLoad: false });
    expect(await second.status('n')).toMatchObject({ activeVersion: 0, pendingVersion: 1 });
    const partial = await focusedRows(inner, 'n');
    expect(partial.size).toBe(300);
    const servedDuring = await Promise.all(
      questions.map((query) => second.search({ namespace: 'n', query, k: 5 })),
    );
    expect(servedDuring).toEqual(servedBefore);

    const resumed = await second.reproject({ namespace: 'n' });
    expect(resumed).toMatchObject({ version: 1, resumed: true, written: keys - 300 });
    expect(await second.status('n')).toMatchObject({ activeVersion: 1, pendingVersion: undefined });
    await second.idle();
    const complete = await focusedRows(inner, 'n');
    expect(complete.size).toBe(keys);

    // Same keys, same serving as a re-projection that was never interrupted.
    const clean = createFocusedMemory({ embedder, store: createInMemoryStore() });
    await fill(clean, 'n', 6);
    await clean.reproject({ namespace: 'n', projection: report.projection });
    for (const query of questions) {
      expect(await second.search({ namespace: 'n', query, k: 5 })).toEqual(
        await clean.search({ namespace: 'n', query, k: 5 }),
      );
    }
  });
});

describe('createFocusedMemory: keys of another version in the focused table', () => {
  it('never serves them, even when they are the nearest (the search falls back to the version prefilter)', async () => {
    const embedder = createHashingEmbedder();
    const store = createInMemoryStore();
    const memory = createFocusedMemory({ embedder, store });
    const fixture = await fill(memory, 'n', 4);
    const report = await memory.train({ namespace: 'n', steps: 20, apply: false });
    await memory.reproject({ namespace: 'n', projection: report.projection });
    const questions = fixture.questions.slice(0, 6).map((question) => question.query);
    const before = await Promise.all(
      questions.map((query) => memory.search({ namespace: 'n', query, k: 5 })),
    );

    // Half-written rows of a next version, scaled so they outrank every serving key.
    const table = await store.openTable(focusedTables(embedder.modelId, embedder.dimensions).focused);
    const serving = await table.query({ namespace: 'n', limit: 200 });
    await table.add({
      namespace: 'n',
      rows: serving.map((row) => ({
        ...row,
        id: `2:${row.key_id}`,
        version: 2,
        focused: Float32Array.from(row.focused, (value) => 10 * value),
      })),
    });
    const after = await Promise.all(questions.map((query) => memory.search({ namespace: 'n', query, k: 5 })));
    expect(after).toEqual(before);
  });
});

describe('createFocusedMemory: bad input', () => {
  it('refuses to train an empty or one-context namespace', async () => {
    const memory = createFocusedMemory({ embedder: createHashingEmbedder(), store: createInMemoryStore() });
    await expect(memory.train({ namespace: 'empty' })).rejects.toMatchObject({
      code: 'fot_nothing_to_train',
    });
    const { own } = collisionFixture({ contexts: 1, turns: 10 });
    await memory.putMany({ namespace: 'one', entries: own.map(({ context: _c, ...value }) => ({ value })) });
    await expect(memory.train({ namespace: 'one' })).rejects.toMatchObject({ code: 'fot_one_context' });
    expect(await memory.status('one')).toMatchObject({ activeVersion: 0, pendingVersion: undefined });
  });

  it('rejects wrong-sized, truncated and corrupt weights and keeps the serving projection', async () => {
    const embedder = createHashingEmbedder();
    const memory = createFocusedMemory({ embedder, store: createInMemoryStore() });
    await fill(memory, 'n', 3);
    const { projection } = await memory.train({ namespace: 'n', steps: 10 });
    const served = await memory.search({ namespace: 'n', query: 'person0a pottery', k: 5 });
    const wrongSize = serializeProjection(identityProjection(32, 8));
    const truncated = { ...projection, u: projection.u.slice(0, 40) };
    const flipped = Buffer.from(projection.v, 'base64');
    flipped[17] = (flipped[17] as number) ^ 0xff;
    const corrupt = { ...projection, v: flipped.toString('base64') };
    const cases: [unknown, string][] = [
      [wrongSize, 'dimension_mismatch'],
      [truncated, 'fot_projection_corrupt'],
      [corrupt, 'fot_projection_corrupt'],
      ['{"format":', 'fot_projection_corrupt'],
      [{ format: 'something else' }, 'invalid_config'],
    ];
    for (const [input, code] of cases) {
      const error = await memory
        .reproject({ namespace: 'n', projection: input })
        .catch((caught: unknown) => caught);
      expect(LociError.isInstance(error), code).toBe(true);
      expect((error as LociError).code).toBe(code);
    }
    expect(await memory.status('n')).toMatchObject({ activeVersion: 1, pendingVersion: undefined });
    expect(await memory.search({ namespace: 'n', query: 'person0a pottery', k: 5 })).toEqual(served);
  });

  it('serves the frozen keys, with a fault, when the stored weights are corrupt', async () => {
    const embedder = createHashingEmbedder();
    const store = createInMemoryStore();
    const memory = createFocusedMemory({ embedder, store });
    await fill(memory, 'n', 3);
    await memory.train({ namespace: 'n', steps: 5 });
    await memory.idle();
    const table = await store.openTable(focusedTables(embedder.modelId, embedder.dimensions).projections);
    const [row] = await table.get({ namespace: 'n', ids: ['v1'] });
    await table.upsert({
      namespace: 'n',
      rows: [{ ...(row as NonNullable<typeof row>), payload: '{"truncated' }],
    });
    const reopened = createFocusedMemory({ embedder, store });
    const status = await reopened.status('n');
    expect(status.activeVersion).toBe(0);
    expect(status.fault?.code).toBe('fot_projection_corrupt');
    expect((await reopened.search({ namespace: 'n', query: 'person0a pottery', k: 3 })).length).toBe(3);
  });
});
