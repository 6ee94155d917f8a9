import { dot } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { createGloveEmbedder } from '@loci/onnx';
import { describeMemoryConformance } from '@loci/testing/memory-conformance';
import { makeTempDir } from '@loci/testing/temp-dir';
import { describe, expect, it } from 'vitest';
import { collisionFixture } from './__fixtures__/collision-fixture.js';
import { createHashingEmbedder } from './__fixtures__/hashing-embedder.js';
import { createFocusedMemory } from './focused-memory.js';
import type { FocusedMemory } from './focused-memory-types.js';

async function lance() {
  const dir = await makeTempDir('loci-fot-');
  const store = await createLanceStore({ uri: dir.path });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await dir.remove();
    },
  };
}

describeMemoryConformance('createFocusedMemory (LanceDB, glove-sif-100d)', async () => {
  const { store, cleanup } = await lance();
  return { memory: createFocusedMemory({ embedder: await createGloveEmbedder(), store }), cleanup };
});

async function recallAt(memory: FocusedMemory, fixture: ReturnType<typeof collisionFixture>, k: number) {
  let hits = 0;
  for (const question of fixture.questions) {
    const found = await memory.search({ namespace: 'n', query: question.query, k });
    if (found.some((hit) => hit.value.id === question.answer)) hits++;
  }
  return hits / fixture.questions.length;
}

describe('createFocusedMemory on LanceDB', () => {
  it('untrained: scores every value exactly as an exhaustive inner-product search', async () => {
    const { store, cleanup } = await lance();
    try {
      const embedder = createHashingEmbedder();
      const memory = createFocusedMemory({ embedder, store, keys: { sentences: false } });
      const { own } = collisionFixture({ contexts: 1, turns: 30 });
      await memory.putMany({ namespace: 'n', entries: own.map(({ context: _c, ...value }) => ({ value })) });
      const vectors = await embedder.embed(
        own.map((turn) => `${turn.speaker}: ${turn.text}`),
        { kind: 'document' },
      );
      const [q] = await embedder.embed(['person0a pottery clay'], { kind: 'query' });
      const expected = own
        .map((turn, index) => ({
          id: turn.id,
          score: dot(q as Float32Array, vectors[index] as Float32Array),
        }))
        .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
        .slice(0, 8);
      const hits = await memory.search({ namespace: 'n', query: q as Float32Array, k: 8 });
      expect(hits.map((hit) => ({ id: hit.value.id, score: hit.score }))).toEqual(expected);
    } finally {
      await cleanup();
    }
  });

  it('training lowers the contrastive loss and raises recall among colliding distractors', async () => {
    const { store, cleanup } = await lance();
    try {
      const memory = createFocusedMemory({ embedder: createHashingEmbedder(), store });
      const fixture = collisionFixture({ contexts: 8, turns: 40 });
      await memory.putMany({
        namespace: 'n',
        entries: fixture.own.map(({ context: _c, ...value }) => ({ value })),
      });
      await memory.addDistractors('n', fixture.distractors);
      const before = await recallAt(memory, fixture, 5);
      const report = await memory.train({ namespace: 'n', steps: 120 });
      expect(report.lossAfter).toBeLessThan(report.lossBefore);
      expect(await memory.status('n')).toMatchObject({ activeVersion: 1, pendingVersion: undefined });
      const after = await recallAt(memory, fixture, 5);
      expect(after).toBeGreaterThan(before + 0.1);
      await memory.close?.();
    } finally {
      await cleanup();
    }
  });
});
