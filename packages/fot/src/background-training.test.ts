import { createInMemoryStore, type MemoryStore } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { collisionFixture } from './__fixtures__/collision-fixture.js';
import { createHashingEmbedder } from './__fixtures__/hashing-embedder.js';
import { createFocusedMemory } from './focused-memory.js';
import { focusedTables } from './focused-tables.js';
import { trainProjection, trainProjectionInBackground } from './train-projection.js';
import { trainingContexts } from './training-contexts.js';

const embedder = createHashingEmbedder();

async function focusedCount(store: MemoryStore, namespace: string, version: number): Promise<number> {
  const table = await store.openTable(focusedTables(embedder.modelId, embedder.dimensions).focused);
  return (await table.query({ namespace })).filter((row) => row.version === version).length;
}

describe('automatic training in the background', () => {
  it('returns from flush at once, keeps serving the old keys, and idle() awaits the switch', async () => {
    const store = createInMemoryStore();
    const fixture = collisionFixture({ contexts: 6, turns: 40 });
    // Many steps and a time budget: the training outlasts the recall below by a wide margin.
    const memory = createFocusedMemory({
      embedder,
      store,
      training: { auto: 'background', minKeys: 50, steps: 1_000_000, maxSeconds: 3 },
    });
    const untrained = createFocusedMemory({ embedder, store: createInMemoryStore() });
    for (const target of [memory, untrained]) {
      await target.putMany({
        namespace: 'n',
        entries: fixture.own.map(({ context: _context, ...turn }) => ({ value: turn })),
      });
      await target.addDistractors('n', fixture.distractors);
    }

    await memory.flush?.();
    expect(await memory.status('n')).toMatchObject({ training: true, activeVersion: 0 });
    // While P trains, recall answers from the identity keys: exactly the untrained memory.
    const query = fixture.questions[0]?.query ?? '';
    const during = await memory.recall({ namespace: 'n', query, k: 5 });
    expect(during).toEqual(await untrained.recall({ namespace: 'n', query, k: 5 }));
    expect((await memory.status('n')).training).toBe(true);

    await memory.idle();
    const after = await memory.status('n');
    expect(after).toMatchObject({ activeVersion: 1, pendingVersion: undefined });
    expect(after.training).toBeUndefined();
    expect(after.trainingError).toBeUndefined();
    expect(await focusedCount(store, 'n', 1)).toBe(after.keys);
  });

  it('keys written while P trains are re-projected too, and a doubled namespace trains again', async () => {
    const store = createInMemoryStore();
    const fixture = collisionFixture({ contexts: 8, turns: 40 });
    const memory = createFocusedMemory({
      embedder,
      store,
      pageSize: 50,
      training: { auto: 'background', minKeys: 50, steps: 1_000_000, maxSeconds: 2 },
    });
    await memory.putMany({
      namespace: 'n',
      entries: fixture.own.map(({ context: _context, ...turn }) => ({ value: turn })),
    });
    const [early, late] = [fixture.distractors.slice(0, 40), fixture.distractors.slice(40)];
    await memory.addDistractors('n', early);
    await memory.flush?.();
    expect((await memory.status('n')).training).toBe(true);
    // The namespace grows well past twice its size while the first training runs.
    await memory.addDistractors('n', late);
    await memory.flush?.();
    await memory.idle();

    const status = await memory.status('n');
    expect(status.activeVersion).toBeGreaterThan(0);
    expect(status.trainingError).toBeUndefined();
    // The serving P was trained on the grown namespace (a P outgrown while it trained is not applied)...
    const projections = await store.openTable(
      focusedTables(embedder.modelId, embedder.dimensions).projections,
    );
    const [stateRow] = await projections.get({ namespace: 'n', ids: ['state'] });
    expect(JSON.parse(stateRow?.payload ?? '{}')).toMatchObject({ keysAtTraining: status.keys });
    // ...and every key, including those written while P trained, has its row of the serving version.
    expect(await focusedCount(store, 'n', status.activeVersion)).toBe(status.keys);
    const last = fixture.distractors.at(-1);
    const hits = await memory.search({ namespace: 'n', query: `${last?.speaker}: ${last?.text}`, k: 3 });
    expect(hits.map((hit) => hit.value.id)).toContain(last?.id);
  });

  it('reports a failed background training in status and keeps the old projection', async () => {
    const memory = createFocusedMemory({
      embedder,
      store: createInMemoryStore(),
      // A learning rate the schema refuses: every training fails before a step.
      training: { auto: 'background', minKeys: 10, learningRate: 5 },
    });
    const fixture = collisionFixture({ contexts: 3, turns: 20 });
    await memory.addDistractors('n', fixture.distractors);
    await memory.flush?.();
    await memory.idle();
    const status = await memory.status('n');
    expect(status.activeVersion).toBe(0);
    expect(status.trainingError?.code).toBe('invalid_config');
    expect((await memory.search({ namespace: 'n', query: 'pottery', k: 3 })).length).toBe(3);
  });
});

describe('trainProjectionInBackground', () => {
  it('trains exactly like trainProjection for the same seed and steps', async () => {
    const fixture = collisionFixture({ contexts: 4, turns: 20 });
    const turns = [...fixture.own, ...fixture.distractors];
    const vectors = await embedder.embed(
      turns.map((turn) => turn.text),
      { kind: 'document' },
    );
    const records = turns.map((turn, index) => ({
      valueId: turn.id,
      kind: 'turn',
      context: turn.context,
      seq: index,
      vector: vectors[index] as Float32Array,
    }));
    const options = { steps: 25, maxSeconds: 600, seed: 7 };
    const sync = trainProjection(trainingContexts(records), options);
    const sliced = await trainProjectionInBackground(trainingContexts(records), { ...options, sliceMs: 0 });
    expect(sliced.projection).toEqual(sync.projection);
    expect(sliced.report.steps).toBe(25);
    expect(sliced.report.lossAfter).toBe(sync.report.lossAfter);
  });
});
