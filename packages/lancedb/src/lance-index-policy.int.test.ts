import { cosine, defineTable, vectorColumn, where } from '@loci/core';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { indexTypes } from './__fixtures__/index-types.js';
import { createLanceStore } from './lance-store.js';

const points = defineTable({
  name: 'points',
  schema: z.object({ id: z.string(), group: z.int(), text: z.string(), vector: vectorColumn() }),
  vectors: { vector: 16 },
  fullText: ['text'],
});

/** Deterministic pseudo-random unit-ish vectors, so the test does not depend on Math.random. */
function vectorFor(seed: number) {
  let state = seed * 2654435761;
  return Float32Array.from({ length: 16 }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  });
}

describe('index policy', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await makeTempDir('loci-lance-index-');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('searches exactly while small, builds IVF + namespace indexes past the threshold in the background', async () => {
    const store = await createLanceStore({
      uri: dir.path,
      indexPolicy: { vectorIndexAfterRows: 3000, refreshAfterRows: 1000 },
    });
    const table = await store.openTable(points);
    const mine = Array.from({ length: 12 }, (_, index) => ({
      id: `mine${index}`,
      group: index % 3,
      text: `mine ${index}`,
      vector: vectorFor(index + 1),
    }));
    await table.add({ namespace: 'mine', rows: mine });
    for (let batch = 0; batch < 4; batch++) {
      const crowd = Array.from({ length: 1000 }, (_, index) => ({
        id: `c${batch}-${index}`,
        group: 0,
        text: `crowd ${index}`,
        vector: vectorFor(10_000 + batch * 1000 + index),
      }));
      await table.add({ namespace: 'crowd', rows: crowd });
    }
    // close() waits for the background index build that the last write started.
    await store.close();
    expect(await indexTypes(dir.path, 'points')).toMatchObject({
      vector: 'IvfFlat',
      namespace: 'Bitmap',
      id: 'BTree',
      text: 'FTS',
    });

    const reopened = await createLanceStore({ uri: dir.path });
    const indexed = await reopened.openTable(points);
    const query = vectorFor(99);
    const exact = [...mine].sort((a, b) => cosine(query, b.vector) - cosine(query, a.vector));
    const hits = await indexed.search({ namespace: 'mine', mode: 'vector', vector: query, k: 12 });
    // The namespace prefilter still yields all k rows of a small namespace in a big indexed table.
    expect(hits.map((hit) => hit.row.id)).toEqual(exact.map((row) => row.id));
    const filtered = await indexed.search({
      namespace: 'mine',
      mode: 'vector',
      vector: query,
      k: 4,
      filter: where.eq('group', 1),
    });
    expect(filtered.map((hit) => hit.row.id)).toEqual(
      exact.filter((row) => row.group === 1).map((row) => row.id),
    );

    // Rows written after the index was built are found too (LanceDB scans unindexed rows), and
    // optimize() folds them into the index.
    await indexed.add({ namespace: 'mine', rows: [{ id: 'late', group: 2, text: 'late', vector: query }] });
    expect(
      (await indexed.search({ namespace: 'mine', mode: 'vector', vector: query, k: 1 }))[0]?.row.id,
    ).toBe('late');
    await indexed.optimize();
    expect(
      (await indexed.search({ namespace: 'mine', mode: 'vector', vector: query, k: 1 }))[0]?.row.id,
    ).toBe('late');
    expect(await indexed.count({ namespace: 'crowd' })).toBe(4000);
    await reopened.close();
  });
});
