/**
 * Text search right after a small write: a table of `--rows` rows (default 5,000), then `--rounds`
 * times (default 50) append 3 rows and run one text search. Prints p50/p95 of the searches.
 *   pnpm --filter @loci/lancedb exec node --conditions=@loci/source --import tsx bench/text-after-write-bench.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineTable, formatFigure, percentile, seededRandom } from '@loci/core';
import { z } from 'zod';
import { createLanceStore } from '../src/lance-store.js';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const rows = flag('rows', 5000);
const rounds = flag('rounds', 50);
const messages = defineTable({
  name: 'messages',
  schema: z.object({ id: z.string(), text: z.string() }),
  fullText: ['text'],
});
// A Zipf-like vocabulary of 5,000 made-up words: a few frequent, most rare, as in conversation.
const random = seededRandom(7);
const syllables = ['ka', 'lo', 'mi', 'ren', 'tu', 'sa', 'vel', 'no', 'pri', 'dax', 'or', 'em'];
const words = Array.from({ length: 5000 }, (_, i) => {
  let word = '';
  for (let n = i + 1; n > 0; n = Math.floor(n / syllables.length)) word += syllables[n % syllables.length];
  return `${word}x`;
});
const word = () => words[Math.min(words.length - 1, Math.floor(1 / (random() + 1e-4) - 1))] as string;
const sentence = () => Array.from({ length: 6 + Math.floor(random() * 20) }, word).join(' ');

const dir = await mkdtemp(join(tmpdir(), 'loci-text-bench-'));
const store = await createLanceStore({ uri: dir });
const table = await store.openTable(messages);
for (let start = 0; start < rows; start += 1000) {
  const batch = Array.from({ length: Math.min(1000, rows - start) }, (_, i) => ({
    id: `m${start + i}`,
    text: sentence(),
  }));
  await table.add({ namespace: 'a', rows: batch });
}
await table.optimize();
const times: number[] = [];
for (let round = 0; round < rounds; round++) {
  const batch = Array.from({ length: 3 }, (_, i) => ({ id: `n${round}-${i}`, text: sentence() }));
  await table.add({ namespace: 'a', rows: batch });
  const query = `${words[10 + ((round * 13) % 200)]} ${words[50 + ((round * 7) % 500)]}`;
  const started = performance.now();
  await table.search({ namespace: 'a', mode: 'text', text: query, k: 10 });
  times.push(performance.now() - started);
}
const at = (p: number) => formatFigure(percentile(times, p));
console.log(`rows ${rows}, ${rounds} rounds of add 3 + text search: p50 ${at(50)} ms, p95 ${at(95)} ms`);
await store.close();
await rm(dir, { recursive: true, force: true });
