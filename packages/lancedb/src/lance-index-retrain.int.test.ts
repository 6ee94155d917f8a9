import { defineTable, seededRandom, vectorColumn } from '@loci/core';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { trainedRows } from './index-maintenance.js';
import { createLanceStore } from './lance-store.js';

const points = defineTable({
  name: 'points',
  schema: z.object({ id: z.string(), vector: vectorColumn() }),
  vectors: { vector: 32 },
});

/** Deterministic pseudo-random vectors, one stream per seed. */
function vectorFor(seed: number) {
  const next = seededRandom(seed);
  return Float32Array.from({ length: 32 }, () => next() - 0.5);
}

const crowdRow = (index: number) => ({ id: `c${index}`, vector: vectorFor(10_000 + index) });

/** The names of the vector indexes of the table, read from LanceDB by a connection of its own. */
async function vectorIndexNames(uri: string): Promise<string[]> {
  const lancedb = await import('@lancedb/lancedb');
  const connection = await lancedb.connect(uri);
  try {
    const table = await connection.openTable('points');
    return (await table.listIndices())
      .filter((index) => index.columns.includes('vector'))
      .map((index) => index.name)
      .sort();
  } finally {
    connection.close();
  }
}

describe('vector index retraining', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await makeTempDir('loci-lance-retrain-');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('LanceDB: a search while a second vector index is built beside the first, and with both, is exact', async () => {
    const lancedb = await import('@lancedb/lancedb');
    const connection = await lancedb.connect(dir.path);
    const rows = Array.from({ length: 2000 }, (_, index) => ({
      id: `r${index}`,
      vector: [...vectorFor(index)],
    }));
    const native = await connection.createTable('raw', rows);
    const ivf = () => lancedb.Index.ivfFlat({ distanceType: 'cosine' });
    await native.createIndex('vector', { config: ivf(), replace: true, name: 'vector_idx_r2000' });
    const nearest = async (row: number) =>
      (
        await native
          .vectorSearch(rows[row]?.vector ?? [])
          .distanceType('cosine')
          .limit(1)
          .toArray()
      )[0]?.id;
    let building = true;
    const build = native
      .createIndex('vector', { config: ivf(), replace: true, name: 'vector_idx_r8000' })
      .finally(() => {
        building = false;
      });
    let searched = 0;
    do {
      expect(await nearest(searched % 2000)).toBe(`r${searched % 2000}`);
      searched += 1;
    } while (building);
    await build;
    expect((await native.listIndices()).map((index) => index.name).sort()).toEqual([
      'vector_idx_r2000',
      'vector_idx_r8000',
    ]);
    expect(await nearest(1999)).toBe('r1999');
    await native.dropIndex('vector_idx_r2000');
    expect(await nearest(7)).toBe('r7');
    connection.close();
  });

  it('trains the vector index again in the background once the table has grown 4×, searches stay exact meanwhile', async () => {
    const indexPolicy = { vectorIndexAfterRows: 300, vectorRetrainGrowth: 4, refreshAfterRows: 100_000 };
    const store = await createLanceStore({ uri: dir.path, indexPolicy });
    // The table as the store open at the moment has it.
    let table = await store.openTable(points);
    const mine = Array.from({ length: 12 }, (_, index) => ({
      id: `mine${index}`,
      vector: vectorFor(index + 1),
    }));
    await table.add({ namespace: 'mine', rows: mine });
    let rows = 0;
    async function addCrowd(count: number) {
      await table.add({
        namespace: 'crowd',
        rows: Array.from({ length: count }, (_, at) => crowdRow(rows + at)),
      });
      rows += count;
    }
    /** Each row searched for by its own vector comes first, in its namespace only. */
    async function expectExactMatches() {
      const probes = [...mine.filter((_, index) => index % 4 === 3), crowdRow(0), crowdRow(rows - 1)];
      for (const row of probes) {
        const namespace = row.id.startsWith('mine') ? 'mine' : 'crowd';
        const hits = await table.search({ namespace, mode: 'vector', vector: row.vector, k: 1 });
        expect(hits.map((hit) => hit.row.id)).toEqual([row.id]);
      }
    }
    await addCrowd(300);
    await store.close();
    const [first, ...others] = await vectorIndexNames(dir.path);
    expect(others).toEqual([]);
    expect(first).toMatch(/^vector_idx_r\d+$/);
    const trained = trainedRows(first ?? '', 0);
    expect(trained).toBe(312);

    const reopened = await createLanceStore({ uri: dir.path, indexPolicy });
    table = await reopened.openTable(points);
    // Up to one row short of 4× the rows it was trained on: the same index.
    while (12 + rows < 4 * trained - 1) {
      await addCrowd(Math.min(200, 4 * trained - 1 - 12 - rows));
      await expectExactMatches();
    }
    expect(await vectorIndexNames(dir.path)).toEqual([first]);

    // The write that reaches 4× starts the retraining in the background; searches go on meanwhile.
    await addCrowd(1);
    let names = await vectorIndexNames(dir.path);
    for (let poll = 0; poll < 300 && (names.length !== 1 || names[0] === first); poll++) {
      await expectExactMatches();
      names = await vectorIndexNames(dir.path);
    }
    expect(names).toHaveLength(1);
    expect(trainedRows(names[0] ?? '', 0)).toBeGreaterThanOrEqual(4 * trained);
    await expectExactMatches();
    await reopened.close();

    const again = await createLanceStore({ uri: dir.path, indexPolicy });
    table = await again.openTable(points);
    await expectExactMatches();
    expect(await vectorIndexNames(dir.path)).toEqual(names);
    await again.close();
  });
});
