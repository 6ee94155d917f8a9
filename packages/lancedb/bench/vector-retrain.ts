/**
 * What retraining the vector index as a table grows (`vectorRetrainGrowth`) buys: one table, one
 * namespace, 100-d clustered unit vectors written through the store in batches from 0 to `--rows`
 * (default 400,000). First with retraining off, so the IVF_FLAT index is the one trained when the
 * table passed `vectorIndexAfterRows` (50,000) with every later row folded into its partitions;
 * then the same folder reopened with the default policy and `optimize()`, which trains it again on
 * all rows, while searches keep running. Prints, for each index, vector search p50/p95 over
 * `--queries` searches (default 200) and recall@10 against exact cosine search for `--recall`
 * queries (default 50); and for the searches made during the retraining, how many, their p50/p95
 * and recall.
 *   cd packages/lancedb && node --conditions=@loci/source --import tsx bench/vector-retrain.ts [--rows 400000]
 */
import * as lancedb from '@lancedb/lancedb';
import { defineTable, formatFigure, percentile, seededRandom, vectorColumn } from '@loci/core';
import { makeTempDir } from '@loci/testing/temp-dir';
import { z } from 'zod';
import { createLanceStore } from '../src/lance-store.js';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const rows = flag('rows', 400_000);
const queries = flag('queries', 200);
const recallQueries = flag('recall', 50);
const batch = 10_000;
const dimensions = 100;
const k = 10;
const namespace = 'bench';

const points = defineTable({
  name: 'points',
  schema: z.object({ id: z.string(), vector: vectorColumn() }),
  vectors: { vector: dimensions },
});

const next = seededRandom(11);
// Clustered unit vectors (1,000 centres + noise), closer to real embeddings than uniform noise.
const centres = Array.from({ length: 1000 }, () =>
  Float32Array.from({ length: dimensions }, () => next() - 0.5),
);
function embedding(into: Float32Array = new Float32Array(dimensions)): Float32Array {
  const centre = centres[Math.floor(next() * centres.length)] ?? new Float32Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    into[i] = (centre[i] ?? 0) + (next() - 0.5) * 0.6;
    norm += (into[i] ?? 0) ** 2;
  }
  for (let i = 0; i < dimensions; i++) into[i] = (into[i] ?? 0) / Math.sqrt(norm);
  return into;
}

// Every vector, for exact search (unit vectors: cosine is the dot product).
const all = new Float32Array(rows * dimensions);
const queryVectors = Array.from({ length: queries + 10 }, () => embedding());

function exactTop(query: Float32Array): Set<string> {
  const best: { id: number; score: number }[] = [];
  for (let row = 0; row < rows; row++) {
    let score = 0;
    const base = row * dimensions;
    for (let i = 0; i < dimensions; i++) score += (all[base + i] ?? 0) * (query[i] ?? 0);
    if (best.length < k || score > (best[k - 1]?.score ?? -2)) {
      best.push({ id: row, score });
      best.sort((a, b) => b.score - a.score);
      best.length = Math.min(best.length, k);
    }
  }
  return new Set(best.map((hit) => `p${hit.id}`));
}

const dir = await makeTempDir('loci-vector-retrain-');
const started = performance.now();
const seconds = () => formatFigure((performance.now() - started) / 1000);
process.stdout.write(
  `exact top-${k} of ${recallQueries} queries over ${rows} rows, computed after the writes\n`,
);

const off = await createLanceStore({ uri: dir.path, indexPolicy: { vectorRetrainGrowth: false } });
let table = await off.openTable(points);
for (let written = 0; written < rows; written += batch) {
  const size = Math.min(batch, rows - written);
  const batchRows = Array.from({ length: size }, (_, at) => {
    const vector = embedding();
    all.set(vector, (written + at) * dimensions);
    return { id: `p${written + at}`, vector };
  });
  await table.add({ namespace, rows: batchRows });
  if ((written + size) % 100_000 === 0)
    process.stdout.write(`  ${written + size} rows written (${seconds()} s)\n`);
}
const exact = queryVectors.slice(0, recallQueries).map(exactTop);
await table.optimize();
process.stdout.write(`written and optimized (${seconds()} s)\n`);

async function search(index: number) {
  return table.search({
    namespace,
    mode: 'vector',
    vector: queryVectors[index % queryVectors.length] ?? new Float32Array(dimensions),
    k,
  });
}

/** Recall@k of the given hit lists against the exact top-k of the same queries. */
function recall(results: { index: number; ids: string[] }[]): number {
  let found = 0;
  let wanted = 0;
  for (const { index, ids } of results) {
    const truth = exact[index];
    if (!truth) continue;
    wanted += truth.size;
    found += ids.filter((id) => truth.has(id)).length;
  }
  return found / wanted;
}

/** The vector index's name, and its partitions and how many a search probes (LanceDB's query plan). */
async function vectorIndex(): Promise<string> {
  const connection = await lancedb.connect(dir.path);
  try {
    const native = await connection.openTable('points');
    const vector = (await native.listIndices()).filter((index) => index.columns.includes('vector'));
    const plan = await native
      .vectorSearch(queryVectors[0] ?? [])
      .distanceType('cosine')
      .limit(k)
      .analyzePlan();
    const metric = (name: string) => new RegExp(`${name}=([\\d.]+ ?K?)`).exec(plan)?.[1] ?? '?';
    return (
      `${vector.map((index) => index.name).join(', ')}: ${metric('partitions_ranked')} partitions, ` +
      `${metric('partitions_searched')} searched, ${metric('index_comparisons')} distances`
    );
  } finally {
    connection.close();
  }
}

async function measure(label: string): Promise<void> {
  for (let index = 0; index < 10; index++) await search(queries + index);
  const times: number[] = [];
  for (let index = 0; index < queries; index++) {
    const start = performance.now();
    await search(index);
    times.push(performance.now() - start);
  }
  const results = [];
  for (let index = 0; index < recallQueries; index++) {
    results.push({ index, ids: (await search(index)).map((hit) => hit.row.id) });
  }
  process.stdout.write(
    `${label} [${await vectorIndex()}]: p50 ${formatFigure(percentile(times, 50))} ms, ` +
      `p95 ${formatFigure(percentile(times, 95))} ms, recall@${k} ${recall(results).toFixed(3)}\n`,
  );
}

await measure('index trained at the threshold');
await off.close();

const on = await createLanceStore({ uri: dir.path });
table = await on.openTable(points);
let retraining = true;
const retrainStart = performance.now();
const retrain = table.optimize().finally(() => {
  retraining = false;
});
const during: { index: number; ids: string[]; ms: number }[] = [];
while (retraining) {
  const index = during.length % recallQueries;
  const start = performance.now();
  const ids = (await search(index)).map((hit) => hit.row.id);
  during.push({ index, ids, ms: performance.now() - start });
}
await retrain;
const retrainMs = performance.now() - retrainStart;
const duringMs = during.map((entry) => entry.ms);
process.stdout.write(
  `retrained in ${formatFigure(retrainMs / 1000)} s; ${during.length} searches meanwhile: ` +
    `p50 ${formatFigure(percentile(duringMs, 50))} ms, p95 ${formatFigure(percentile(duringMs, 95))} ms, ` +
    `recall@${k} ${recall(during).toFixed(3)}\n`,
);
await measure('index retrained on every row');
await on.close();
await dir.remove();
process.stdout.write(
  `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB, ${seconds()} s in all\n`,
);
