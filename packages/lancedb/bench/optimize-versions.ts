/**
 * What piled-up table versions cost `optimize()`, measured on LanceDB itself: a table with a
 * full-text index, then `--rounds` (default 50) rounds of `--commits` (default 50) one-row appends
 * followed by `optimize()`, once keeping every version (LanceDB's default: seven days) and once
 * removing versions older than 0.1 s at each optimize (what `keepVersionsMs` does). Prints the mean
 * optimize time over the first, middle and last third of the rounds.
 *   pnpm --filter @loci/lancedb exec node --conditions=@loci/source --import tsx bench/optimize-versions.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { formatFigure } from '@loci/core';
import { sampleTexts } from './sample-text.js';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const rounds = flag('rounds', 50);
const commits = flag('commits', 50);
const text = sampleTexts(25);
const mean = (values: number[]) =>
  formatFigure(values.reduce((sum, value) => sum + value, 0) / values.length);

for (const keepAll of [true, false]) {
  const dir = await mkdtemp(join(tmpdir(), 'loci-optimize-versions-'));
  const db = await lancedb.connect(dir);
  let next = 0;
  const row = () => ({ id: `m${next++}`, text: text() });
  const table = await db.createTable('messages', [row(), row()]);
  await table.createIndex('text', { config: lancedb.Index.fts() });
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < commits; i++) await table.add([row()]);
    const started = performance.now();
    await table.optimize(keepAll ? undefined : { cleanupOlderThan: new Date(Date.now() - 100) });
    times.push(performance.now() - started);
  }
  const third = Math.max(1, Math.floor(rounds / 3));
  console.log(
    `${keepAll ? 'every version kept' : 'old versions removed'}: ${await table.countRows()} rows, ` +
      `${(await table.listVersions()).length} versions at the end; mean optimize ` +
      `${mean(times.slice(0, third))} ms (first third), ${mean(times.slice(third, 2 * third))} ms (middle), ` +
      `${mean(times.slice(2 * third))} ms (last third)`,
  );
  db.close();
  await rm(dir, { recursive: true, force: true });
}
