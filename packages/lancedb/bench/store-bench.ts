/**
 * LanceDB MemoryStore benchmark: insert throughput (100-d vectors + ~25-word text, batches of 5k),
 * namespace-filtered vector search latency p50/p95 (the table holds 8 namespaces), text search
 * latency on a current FTS index and right after a small write (which refreshes the index first),
 * recall@10 against exact cosine search in the namespace (sizes ≤ 100k), optimize time, peak RSS.
 *
 * Run: pnpm --filter @loci/lancedb bench [-- --rows 10000,100000,1000000] [--queries 200] [--rounds 50]
 * Sizes run in ascending order in one process, so the peak RSS printed for a size covers it and
 * every smaller one.
 */
import { cpus, totalmem } from 'node:os';
import {
  cosine,
  defineTable,
  formatFigure,
  type MemoryTable,
  percentile,
  type RowOf,
  seededRandom,
  vectorColumn,
} from '@loci/core';
import { makeTempDir } from '@loci/testing/temp-dir';
import { z } from 'zod';
import { createLanceStore } from '../src/lance-store.js';

const dimensions = 100;
const batchSize = 5000;
const namespaces = 8;
const k = 10;

const memories = defineTable({
  name: 'memories',
  schema: z.object({ id: z.string(), text: z.string(), at: z.date(), vector: vectorColumn() }),
  vectors: { vector: dimensions },
  fullText: ['text'],
});
type Memory = RowOf<typeof memories>;

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const next = seededRandom(7);
// A 5k-word synthetic vocabulary, drawn Zipf-like so text search sees common and rare terms.
const vocabulary = Array.from({ length: 5000 }, (_, index) => `w${index.toString(36)}x`);
function sentence(): string {
  return Array.from({ length: 25 }, () => {
    const rank = Math.floor(Math.exp(next() * Math.log(vocabulary.length))) - 1;
    return vocabulary[rank];
  }).join(' ');
}

/** Clustered unit vectors (64 centres + noise), closer to real embeddings than uniform noise. */
const centres = Array.from({ length: 64 }, () =>
  Float32Array.from({ length: dimensions }, () => next() - 0.5),
);
function embedding(): Float32Array<ArrayBuffer> {
  const centre = centres[Math.floor(next() * centres.length)]!;
  const out = new Float32Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    const value = centre[i]! + (next() - 0.5) * 0.6;
    out[i] = value;
    norm += value * value;
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < dimensions; i++) out[i] = out[i]! / norm;
  return out;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

async function latencies(count: number, run: (index: number) => Promise<unknown>): Promise<number[]> {
  for (let index = 0; index < 10; index++) await run(index);
  const times: number[] = [];
  for (let index = 0; index < count; index++) {
    const start = performance.now();
    await run(index);
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}

async function benchSize(rows: number, queries: number, rounds: number): Promise<Record<string, string>> {
  const dir = await makeTempDir('loci-store-bench-');
  const store = await createLanceStore({ uri: dir.path });
  const table: MemoryTable<Memory> = await store.openTable(memories);
  // Vectors kept per namespace for exact recall on sizes small enough to hold in memory.
  const keep = rows <= 100_000;
  const kept = new Map<string, { id: string; vector: Float32Array }[]>();
  // Each add() writes one namespace; small sizes have fewer batches than namespaces.
  const used = Math.min(namespaces, Math.ceil(rows / batchSize));
  let insertMs = 0;
  let written = 0;
  let lastReport = 0;
  for (let batch = 0; written < rows; batch++) {
    const namespace = `user-${batch % used}`;
    const size = Math.min(batchSize, rows - written);
    const batchRows: Memory[] = Array.from({ length: size }, (_, index) => ({
      id: `m${written + index}`,
      text: sentence(),
      at: new Date(1_700_000_000_000 + (written + index) * 1000),
      vector: embedding(),
    }));
    if (keep) {
      const list = kept.get(namespace) ?? [];
      for (const row of batchRows) list.push({ id: row.id, vector: row.vector });
      kept.set(namespace, list);
    }
    const start = performance.now();
    await table.add({ namespace, rows: batchRows });
    // The first batch also pays for table creation and JIT warm-up; it is written but not timed.
    if (batch > 0) insertMs += performance.now() - start;
    written += size;
    if (written - lastReport >= rows / 10 || written === rows) {
      lastReport = written;
      const rate = Math.round((written - batchSize) / (insertMs / 1000));
      process.stdout.write(`  insert ${written}/${rows} rows (${rate.toLocaleString('en')} rows/s)\n`);
    }
  }
  const insertRate = (rows - batchSize) / (insertMs / 1000);

  process.stdout.write('  optimize (index build when past the threshold, FTS refresh, compaction)...\n');
  const optimizeStart = performance.now();
  await table.optimize();
  const optimizeMs = performance.now() - optimizeStart;

  process.stdout.write(`  ${queries} vector searches (k=${k}, namespace filter)...\n`);
  const queryVectors = Array.from({ length: queries + 10 }, embedding);
  const namespaceOf = (index: number) => `user-${index % used}`;
  const vectorTimes = await latencies(queries, (index) =>
    table.search({ namespace: namespaceOf(index), mode: 'vector', vector: queryVectors[index]!, k }),
  );

  process.stdout.write(`  ${queries} text searches...\n`);
  const textTimes = await latencies(queries, (index) =>
    table.search({
      namespace: namespaceOf(index),
      mode: 'text',
      text: sentence().split(' ').slice(0, 3).join(' '),
      k,
    }),
  );

  let recall = 'n/a (> 100k rows)';
  if (keep) {
    let found = 0;
    const checks = 20;
    for (let index = 0; index < checks; index++) {
      const namespace = namespaceOf(index);
      const query = queryVectors[index]!;
      const exact = (kept.get(namespace) ?? [])
        .map((row) => ({ id: row.id, score: cosine(query, row.vector) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, k)
        .map((row) => row.id);
      const hits = await table.search({ namespace, mode: 'vector', vector: query, k });
      const got = new Set(hits.map((hit) => hit.row.id));
      found += exact.filter((id) => got.has(id)).length;
    }
    recall = (found / (checks * k)).toFixed(3);
  }

  // What a search costs right after an agent stored something: the query is a new row's own text,
  // so the rows the FTS index does not cover yet always match it.
  process.stdout.write(`  ${rounds} × (add 10 rows, then text search)...\n`);
  const afterWrite: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const fresh = Array.from({ length: 10 }, (_, index) => ({
      id: `late-${round}-${index}`,
      text: sentence(),
      at: new Date(),
      vector: embedding(),
    }));
    await table.add({ namespace: namespaceOf(round), rows: fresh });
    const start = performance.now();
    await table.search({ namespace: namespaceOf(round), mode: 'text', text: fresh[0]!.text.slice(0, 30), k });
    afterWrite.push(performance.now() - start);
  }

  await store.close();
  await dir.remove();
  const maxRss = process.resourceUsage().maxRSS * 1024;
  return {
    rows: rows.toLocaleString('en'),
    namespaces: String(used),
    'insert rows/s': Math.round(insertRate).toLocaleString('en'),
    'optimize s': (optimizeMs / 1000).toFixed(1),
    'vector p50 ms': formatFigure(percentile(vectorTimes, 50)),
    'vector p95 ms': formatFigure(percentile(vectorTimes, 95)),
    'text p50 ms': formatFigure(percentile(textTimes, 50)),
    'text p95 ms': formatFigure(percentile(textTimes, 95)),
    'text after write p50 ms': formatFigure(percentile(afterWrite, 50)),
    'text after write p95 ms': formatFigure(percentile(afterWrite, 95)),
    'recall@10': recall,
    'peak RSS': mib(maxRss),
  };
}

const usage = `Usage: pnpm --filter @loci/lancedb bench [-- options]
  --rows N[,N...]   table sizes, each ≥ ${batchSize} (default 10000,100000)
  --queries N       timed vector and text searches per size (default 200)
  --rounds N        timed text searches right after a 10-row add, per size (default 50)
  --help            this text`;

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const sizes = argument('rows', '10000,100000')
    .split(',')
    .map((value) => Number(value.trim()))
    .sort((a, b) => a - b);
  const queries = Number(argument('queries', '200'));
  const rounds = Number(argument('rounds', '50'));
  if (sizes.some((size) => !Number.isInteger(size) || size < batchSize)) {
    throw new Error(`--rows takes integers ≥ ${batchSize}, comma-separated (e.g. 10000,100000)`);
  }
  process.stdout.write(
    `LanceDB store bench: ${dimensions}-d vectors, ~25-word text, ${namespaces} namespaces, batches of ${batchSize}; ` +
      `${cpus().length} cores, ${mib(totalmem())}, Node ${process.versions.node}\n`,
  );
  const results: Record<string, string>[] = [];
  for (const size of sizes) {
    process.stdout.write(`${size.toLocaleString('en')} rows:\n`);
    const started = performance.now();
    results.push(await benchSize(size, queries, rounds));
    process.stdout.write(`  done in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  }
  const columns = Object.keys(results[0] ?? {});
  process.stdout.write(`\n| ${columns.join(' | ')} |\n| ${columns.map(() => '---').join(' | ')} |\n`);
  for (const result of results)
    process.stdout.write(`| ${columns.map((column) => result[column]).join(' | ')} |\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
