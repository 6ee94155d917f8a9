/**
 * The LanceDB queries behind a text search right after writes, measured on LanceDB itself (no
 * Loci store): a table of `--rows` rows (default 5,000) with a full-text index, then `--commits`
 * (default 80) appends of 3 rows each that the index does not cover yet. Times, over `--repeat`
 * runs (default 30) of a three-word query:
 *   - the index alone (`fastSearch()`),
 *   - the index and a second query restricted to the new rows by `id IN (...)` (the store's
 *     earlier tail scan: two queries at once, merged by score),
 *   - one query without `fastSearch()` (LanceDB's own scan of the unindexed rows),
 * and checks that the last two return the same scores. Then `--refreshes` (default 5) rounds of
 * 20 appends and `optimize()`: the first search after each, without and with a one-row query
 * that loads the new index first.
 *   pnpm --filter @loci/lancedb exec node --conditions=@loci/source --import tsx bench/fts-tail-queries.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { formatFigure, percentile } from '@loci/core';
import { sampleTexts } from './sample-text.js';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const rows = flag('rows', 5000);
const commits = flag('commits', 80);
const repeat = flag('repeat', 30);
const refreshes = flag('refreshes', 5);

const text = sampleTexts(20);
let next = 0;
const row = () => ({ id: `m${next++}`, namespace: 'a', text: text() });

const dir = await mkdtemp(join(tmpdir(), 'loci-fts-tail-'));
const db = await lancedb.connect(dir);
const table = await db.createTable(
  'messages',
  Array.from({ length: rows }, () => row()),
);
await table.createIndex('text', { config: lancedb.Index.fts() });
const tailIds: string[] = [];
for (let commit = 0; commit < commits; commit++) {
  const batch = [row(), row(), row()];
  tailIds.push(...batch.map((added) => added.id));
  await table.add(batch);
}

const where = `namespace = 'a'`;
const query = () => new lancedb.MatchQuery('cello concert lisbon', 'text');
const idIn = `id IN (${tailIds.map((id) => `'${id}'`).join(', ')})`;
type Hit = { id: string; _score: number };
const indexOnly = () => table.query().fullTextSearch(query()).where(where).fastSearch().limit(10).toArray();
const variants: Record<string, () => Promise<Hit[]>> = {
  'index only (fastSearch)': indexOnly,
  'index + id-IN query of the new rows': async () => {
    const [indexed, tail] = await Promise.all([
      indexOnly(),
      table.query().fullTextSearch(query()).where(`${where} AND ${idIn}`).limit(10).toArray(),
    ]);
    return [...indexed, ...tail].sort((a, b) => b._score - a._score).slice(0, 10);
  },
  'one query (LanceDB scans the new rows)': () =>
    table.query().fullTextSearch(query()).where(where).limit(10).toArray(),
};

async function time(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

console.log(`${rows} indexed rows, ${commits} commits of 3 unindexed rows; ${repeat} searches each:`);
for (const [name, run] of Object.entries(variants)) {
  await run();
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) times.push(await time(run));
  console.log(
    `  ${name}: p50 ${formatFigure(percentile(times, 50))} ms, p95 ${formatFigure(percentile(times, 95))} ms`,
  );
}
const scores = async (name: string) =>
  ((await variants[name]?.()) ?? []).map((hit) => hit._score.toFixed(4)).join(' ');
const same =
  (await scores('index + id-IN query of the new rows')) ===
  (await scores('one query (LanceDB scans the new rows)'));
console.log(`  same top-10 scores from the two-query merge and the one query: ${same ? 'yes' : 'NO'}`);

console.log(`first search after an optimize (20 new rows each), ${refreshes} refreshes each way:`);
for (const warm of [false, true]) {
  const times: number[] = [];
  for (let round = 0; round < refreshes; round++) {
    for (let i = 0; i < 20; i++) await table.add([row()]);
    await table.optimize();
    if (warm) await table.query().fullTextSearch('loci', { columns: 'text' }).fastSearch().limit(1).toArray();
    times.push(await time(indexOnly));
  }
  console.log(
    `  ${warm ? 'after a one-row query loaded the index' : 'cold'}: p50 ${formatFigure(percentile(times, 50))} ms, max ${formatFigure(Math.max(...times))} ms`,
  );
}
await rm(dir, { recursive: true, force: true });
