/**
 * Recall latency and memory of one FoT namespace at a given size, on LanceDB with the store's
 * default index policy (past 50,000 rows: IVF_FLAT on the key columns, a bitmap index on the
 * namespace, BTREEs on `id` and on the focused keys' `version`) and FoT's refine step
 * (k × overfetch key hits re-scored exactly, merged per value). Values carry one key each, a
 * 100-d unit vector drawn around 64 random centres (clustered like real embeddings); a trained
 * projection (P = I + U Vᵀ, small random U, V) is applied, so searches read the focused keys of
 * the serving version as after training. No embedding: the keys are given as vectors.
 *
 * Run: pnpm --filter @loci/fot exec node --conditions=@loci/source --import tsx bench/fot-scale.ts
 *      --rows 1000000 [--queries 200] [--exact 20] [--index ivf_flat|ivf_pq] [--warmup 50]
 *      [--keep <folder>]
 * Prints one JSON line: write and re-projection rates, optimize time, search p50/p95, the overlap
 * of the top-10 values with an exact search over the projected keys, RSS now and at peak.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dot, type EmbeddingModel, seededRandom, summarizeLatencies, where } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { createFocusedMemory } from '../src/focused-memory.js';
import { focusedTables } from '../src/focused-tables.js';
import { applyProjection, identityProjection } from '../src/projection.js';
import { serializeProjection } from '../src/projection-format.js';

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const rows = Number(flag('rows', '100000'));
const queries = Number(flag('queries', '200'));
const exactQueries = Number(flag('exact', '20'));
// Searches before the timed ones: the first searches after the writes load index partitions from
// disk (20 of ~250 IVF partitions each), which a serving process has long done.
const warmup = Number(flag('warmup', '50'));
const indexType = flag('index', 'ivf_flat') as 'ivf_flat' | 'ivf_pq';
const dimensions = 100;
const namespace = 'scale';
const random = seededRandom(11);

function gaussian(): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
function unit(vector: Float32Array): Float32Array {
  const norm = Math.sqrt(dot(vector, vector)) || 1;
  for (let d = 0; d < vector.length; d++) vector[d] = (vector[d] as number) / norm;
  return vector;
}
const centres = Array.from({ length: 64 }, () => unit(Float32Array.from({ length: dimensions }, gaussian)));
function draw(): Float32Array {
  const centre = centres[Math.floor(random() * centres.length)] as Float32Array;
  return unit(Float32Array.from(centre, (value) => value + 0.1 * gaussian()));
}

/** Never called: every key and query is given as a vector. */
const embedder: EmbeddingModel = {
  provider: 'none',
  modelId: 'scale-100d',
  dimensions,
  maxBatchSize: 1,
  embed() {
    throw new Error('fot-scale embeds nothing');
  },
};

// --keep <folder>: the store is written there and left behind, to look into afterwards.
const keepFolder = flag('keep', '');
const folder = keepFolder || (await mkdtemp(join(tmpdir(), 'loci-fot-scale-')));
const store = await createLanceStore({ uri: folder, indexPolicy: { vectorIndexType: indexType } });
try {
  const memory = createFocusedMemory({ embedder, store, training: { auto: 'off' } });
  const slice = 20_000;
  const kept: Float32Array[] = [];
  let writeMs = 0;
  for (let start = 0; start < rows; start += slice) {
    const entries = Array.from({ length: Math.min(slice, rows - start) }, (_, offset) => {
      const vector = draw();
      if (kept.length < rows && exactQueries > 0) kept.push(vector);
      const id = `v${start + offset}`;
      return {
        value: { id, text: `entry ${start + offset}`, context: `c${(start + offset) % 97}` },
        keys: [{ vector }],
      };
    });
    const begin = performance.now();
    await memory.putMany({ namespace, entries });
    writeMs += performance.now() - begin;
    if ((start / slice) % 10 === 0) process.stderr.write(`written ${start + entries.length}\n`);
  }

  // A trained-like P: identity plus a small random low-rank part.
  const base = identityProjection(dimensions, 64, 3);
  const projection = { ...base, u: Float32Array.from(base.u, () => 0.05 * gaussian()) };
  const reprojected = await memory.reproject({ namespace, projection: serializeProjection(projection) });
  await memory.idle();
  process.stderr.write(`re-projected ${reprojected?.written} keys in ${reprojected?.seconds.toFixed(1)} s\n`);

  const tables = focusedTables(embedder.modelId, dimensions);
  const optimizeStarted = performance.now();
  for (const definition of [tables.values, tables.keys, tables.focused]) {
    await (await store.openTable(definition)).optimize();
  }
  const optimizeSeconds = (performance.now() - optimizeStarted) / 1000;

  const latencies: number[] = [];
  for (let i = 0; i < warmup + queries; i++) {
    const query = draw();
    const begin = performance.now();
    await memory.search({ namespace, query, k: 10 });
    if (i >= warmup) latencies.push(performance.now() - begin);
  }
  const latency = summarizeLatencies(latencies);

  // Where a search spends its time: the store's vector search over the focused keys (k ×
  // overfetch = 40 hits; without the version prefilter, as a search runs while the table holds the
  // serving version only), reading the values those keys name, and the same vector search with
  // the version prefilter (what a search falls back to while a re-projection writes the next one).
  const focusedTable = await store.openTable(tables.focused);
  const valuesTable = await store.openTable(tables.values);
  const vectorMs: number[] = [];
  const valuesMs: number[] = [];
  const prefilteredMs: number[] = [];
  for (let i = 0; i < Math.min(queries, 100); i++) {
    const query = applyProjection(projection, draw());
    const search = { namespace, mode: 'vector', vector: query, vectorColumn: 'focused', k: 40 } as const;
    let begin = performance.now();
    const hits = await focusedTable.search(search);
    vectorMs.push(performance.now() - begin);
    begin = performance.now();
    await valuesTable.get({ namespace, ids: hits.slice(0, 10).map((hit) => hit.row.value_id) });
    valuesMs.push(performance.now() - begin);
    begin = performance.now();
    await focusedTable.search({ ...search, filter: where.eq('version', reprojected?.version ?? 0) });
    prefilteredMs.push(performance.now() - begin);
  }
  const vectorLatency = summarizeLatencies(vectorMs);
  const valuesLatency = summarizeLatencies(valuesMs);
  const prefilteredLatency = summarizeLatencies(prefilteredMs);

  // Overlap with an exact search over the projected keys (values have one key each).
  let overlap = 0;
  if (exactQueries > 0) {
    const projected = kept.map((vector) => applyProjection(projection, vector));
    for (let q = 0; q < exactQueries; q++) {
      const query = draw();
      const pq = applyProjection(projection, query);
      const exact = projected
        .map((vector, index) => ({ index, score: dot(pq, vector) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 10)
        .map((hit) => `v${hit.index}`);
      const found = new Set((await memory.search({ namespace, query, k: 10 })).map((hit) => hit.value.id));
      overlap += exact.filter((id) => found.has(id)).length / 10;
    }
    overlap /= exactQueries;
  }
  kept.length = 0;
  await memory.close?.();
  process.stdout.write(
    `${JSON.stringify({
      rows,
      index: indexType,
      writeRowsPerSecond: Math.round(rows / (writeMs / 1000)),
      reprojectKeysPerSecond: reprojected ? Math.round(reprojected.written / reprojected.seconds) : null,
      optimizeSeconds: Number(optimizeSeconds.toFixed(1)),
      searchMs: { p50: latency.p50, p95: latency.p95, queries, warmup },
      vectorSearchMs: { p50: vectorLatency.p50, p95: vectorLatency.p95 },
      valuesGetMs: { p50: valuesLatency.p50, p95: valuesLatency.p95 },
      prefilteredVectorSearchMs: { p50: prefilteredLatency.p50, p95: prefilteredLatency.p95 },
      recallAt10VsExact: exactQueries > 0 ? Number(overlap.toFixed(3)) : null,
      rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
} finally {
  await store.close();
  if (!keepFolder) await rm(folder, { recursive: true, force: true });
}
