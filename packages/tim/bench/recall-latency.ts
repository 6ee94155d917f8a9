/**
 * TiM recall latency at 10k and 100k thoughts: thoughts written in bulk through `addThoughts` into
 * a LanceDB store in a temporary folder, with the built-in embedder (`glove-sif-100d`), then a few
 * hundred recalls timed (k = 10, 512-token budget): p50 / p95 per size, and the ingest time.
 *
 * The thoughts are sentences recombined from LoCoMo-format observations read at run time (nothing
 * of the data ships with the project): each thought joins two observations' predicates under one
 * of 640 made-up names ("Avery Okafor attended a support group recently, and is planning a
 * camping trip."), so thoughts read like real ones and few are near-duplicates. The queries are the
 * data's questions with its speakers' names replaced by names of the pool.
 *
 * Run: pnpm --filter @loci/tim bench -- --data ../shared/data/locomo-dev
 *        [--sizes 10000,100000] [--queries 300] [--batch 5000] [--probes 6,16] [--buckets 16]
 * Sizes run in ascending order into one namespace: the larger size adds to the smaller one.
 */
import { readdir, readFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { formatFigure, percentile, seededRandom } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { createGloveEmbedder } from '@loci/onnx';
import { makeTempDir } from '@loci/testing/temp-dir';
import type { ThoughtInput } from '../src/thought.js';
import { createThoughtMemory, type ThoughtMemory } from '../src/thought-memory.js';
import { thoughtsTable } from '../src/thought-tables.js';

function argument(name: string, fallback?: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

function numbers(name: string, fallback: string): number[] {
  const values = (argument(name, fallback) ?? fallback).split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value < 1))
    throw new Error(`--${name} takes whole numbers >= 1, got "${argument(name)}"`);
  return values;
}

const dataArgument = argument('data');
if (!dataArgument) {
  console.error(
    'usage: pnpm --filter @loci/tim bench -- --data <LoCoMo folder or file> [--sizes 10000,100000]',
  );
  process.exit(2);
}
// pnpm runs the script in the package folder; a relative --data is relative to where it was typed.
const dataPath = resolve(process.env['INIT_CWD'] ?? process.cwd(), dataArgument);
const sizes = numbers('sizes', '10000,100000').sort((a, b) => a - b);
const [queryCount = 300] = numbers('queries', '300');
const [batchSize = 5000] = numbers('batch', '5000');
// Each probe count is timed on the same thoughts (one memory per count, one store).
const probeCounts = numbers('probes', '6,16');
const buckets = argument('buckets') === undefined ? undefined : Number(argument('buckets'));

interface Source {
  speakers: string[];
  predicates: string[];
  questions: string[];
}

/** Observations' predicates (the sentence after its speaker's name) and the questions of the data. */
async function readSource(path: string): Promise<Source> {
  const files = path.endsWith('.json')
    ? [path]
    : (await readdir(path)).filter((name) => name.endsWith('.json')).map((name) => join(path, name));
  const source: Source = { speakers: [], predicates: [], questions: [] };
  for (const file of files.sort()) {
    const conversation = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    const speakers = [conversation['speaker_a'], conversation['speaker_b']].filter(
      (name): name is string => typeof name === 'string',
    );
    source.speakers.push(...speakers);
    for (const [key, value] of Object.entries(conversation)) {
      if (!/^session_\d+_observation$/.test(key) || typeof value !== 'object' || value === null) continue;
      for (const [speaker, entries] of Object.entries(value as Record<string, [string, unknown][]>)) {
        for (const [text] of entries) {
          if (!text.startsWith(`${speaker} `)) continue;
          source.predicates.push(text.slice(speaker.length + 1).replace(/[.\s]+$/, ''));
        }
      }
    }
    for (const qa of (conversation['qa'] as { question?: unknown }[] | undefined) ?? []) {
      if (typeof qa.question === 'string') source.questions.push(qa.question);
    }
  }
  if (source.predicates.length < 50 || source.questions.length === 0)
    throw new Error(`${path}: expected LoCoMo conversations with session_N_observation entries and qa`);
  return source;
}

const given = ['Avery', 'Jordan', 'Riley', 'Morgan', 'Casey', 'Quinn', 'Rowan', 'Sasha', 'Noor', 'Imani'];
const moreGiven = ['Mateo', 'Lena', 'Kofi', 'Priya', 'Tomas', 'Yuki', 'Farah', 'Elias', 'Mira', 'Dario'];
const family = ['Okafor', 'Lindqvist', 'Moreau', 'Tanaka', 'Haddad', 'Novak', 'Castillo', 'Brennan'];
const moreFamily = ['Achebe', 'Petrov', 'Silva', 'Nakamura', 'Oyelaran', 'Weiss', 'Kaur', 'Duarte'];
const names = [
  ...given,
  ...moreGiven,
  ...given.map((name) => `${name} J.`),
  ...moreGiven.map((name) => `${name} K.`),
].flatMap((first) => [...family, ...moreFamily].map((last) => `${first} ${last}`));

const next = seededRandom(11);
const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;

function thoughts(source: Source, from: number, count: number): ThoughtInput[] {
  const start = Date.UTC(2022, 0, 1);
  return Array.from({ length: count }, (_, offset) => {
    const index = from + offset;
    const subject = pick(names);
    const first = pick(source.predicates);
    let second = pick(source.predicates);
    while (second === first) second = pick(source.predicates);
    const at = new Date(start + Math.floor(next() * 3 * 365) * 86_400_000);
    return {
      id: `bench-${index}`,
      subject,
      relation: 'observation',
      text: `${subject} ${first}, and ${second}.`,
      sources: [`B${Math.floor(index / 20)}:${index % 20}`],
      at,
      validFrom: at,
    };
  });
}

function queries(source: Source, count: number): string[] {
  const speakers = [...new Set(source.speakers)];
  return Array.from({ length: count }, () => {
    let question = pick(source.questions);
    for (const speaker of speakers)
      question = question.replaceAll(speaker, pick(names).split(' ')[0] as string);
    return question;
  });
}

const source = await readSource(dataPath);
const embedder = await createGloveEmbedder();
const dir = await makeTempDir();
const store = await createLanceStore({ uri: dir.path });
const memories = probeCounts.map((probes) =>
  createThoughtMemory({
    embedder,
    store,
    probes,
    exactUpTo: 0,
    ...(buckets !== undefined ? { buckets } : {}),
  }),
);
const [memory] = memories as [ThoughtMemory];
const namespace = 'bench';
const asked = queries(source, queryCount);

console.log(
  `TiM recall latency: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ` +
    `load ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}; ${source.predicates.length} predicates, ${names.length} names, ${asked.length} queries, ` +
    `probes ${probeCounts.join(', ')}, buckets ${buckets ?? 'default (16)'}`,
);
try {
  let written = 0;
  for (const size of sizes) {
    const begin = performance.now();
    const before = written;
    let created = 0;
    while (written < size) {
      const count = Math.min(batchSize, size - written);
      const outcomes = await memory.addThoughts({ namespace, thoughts: thoughts(source, written, count) });
      created += outcomes.filter((outcome) => outcome.action !== 'folded').length;
      written += count;
    }
    const ingestSeconds = (performance.now() - begin) / 1000;
    // Background index work (IVF past 50k rows, full-text refresh) settles before the timing.
    const settleBegin = performance.now();
    const table = await store.openTable(thoughtsTable(embedder.modelId, embedder.dimensions));
    await table.optimize();
    const settleSeconds = (performance.now() - settleBegin) / 1000;
    const stored = await table.count({ namespace });
    console.log(
      `${size} thoughts written (${stored} stored, ${written - before - created} of the last ${written - before} folded): ` +
        `ingest of those ${ingestSeconds.toFixed(1)} s (${((written - before) / ingestSeconds).toFixed(0)} thoughts/s), ` +
        `optimize ${settleSeconds.toFixed(1)} s`,
    );
    for (const reader of memories) {
      for (const query of asked.slice(0, 10))
        await reader.recall({ query, namespace, k: 10, tokenBudget: 512 });
    }
    // Interleaved (each query through every probe count, in turn), so a change in the machine's
    // load during the run weighs on every probe count alike.
    const times = memories.map((): number[] => []);
    for (const [position, query] of asked.entries()) {
      for (let step = 0; step < memories.length; step++) {
        const index = (position + step) % memories.length;
        const start = performance.now();
        await (memories[index] as ThoughtMemory).recall({ query, namespace, k: 10, tokenBudget: 512 });
        times[index]?.push(performance.now() - start);
      }
    }
    for (const [index, measured] of times.entries()) {
      console.log(
        `  ${size} thoughts, ${probeCounts[index]} of ${buckets ?? 16} buckets probed: recall p50 ` +
          `${formatFigure(percentile(measured, 50))} ms, p95 ${formatFigure(percentile(measured, 95))} ms over ` +
          `${measured.length} queries · load ${loadavg()[0]?.toFixed(2)}`,
      );
    }
  }
} finally {
  for (const reader of memories) await reader.close();
  await store.close();
  await dir.remove();
}
