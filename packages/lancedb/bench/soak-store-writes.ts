/**
 * Store soak: acknowledged writes survive kill -9, and concurrent writer processes lose no rows.
 *
 *   (cd packages/lancedb && node --conditions=@loci/source --import tsx bench/soak-store-writes.ts kill [cycles=30])
 *   (cd packages/lancedb && node --conditions=@loci/source --import tsx bench/soak-store-writes.ts concurrent [rounds=3])
 *
 * `kill`: each cycle starts a writer that appends small batches and prints each batch's ids once
 * `add` resolved (acknowledged); it is killed by SIGKILL at a random moment: one cycle in five during
 * its start-up (opening the store and table), the others 0-3 s after it opened the table, so that the
 * kills land in the writes however long start-up takes on a loaded machine. At the end every
 * acknowledged id must be in the store, and the store must open cleanly after every kill.
 * `concurrent`: 4 writer processes at once, two in their own namespaces and two in a shared one,
 * each appending a known number of rows; afterwards every row is counted.
 * Bounded: cycles and rounds are capped, each child has a deadline. No network.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineTable } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { z } from 'zod';

const rowsTable = defineTable({
  name: 'soak_rows',
  schema: z.object({ id: z.string(), text: z.string(), writer: z.string() }),
  fullText: ['text'],
});

const self = fileURLToPath(import.meta.url);

async function writer(uri: string, namespace: string, prefix: string, batches: number): Promise<void> {
  const store = await createLanceStore({ uri });
  const table = await store.openTable(rowsTable);
  process.stdout.write('ready\n');
  for (let batch = 0; batch < batches; batch++) {
    const rows = Array.from({ length: 5 }, (_, i) => ({
      id: `${prefix}-${batch}-${i}`,
      text: `row ${batch} ${i} of ${prefix}`,
      writer: prefix,
    }));
    await table.add({ namespace, rows });
    process.stdout.write(`ack ${rows.map((row) => row.id).join(' ')}\n`);
  }
  await store.close();
}

interface ChildRun {
  acked: string[];
  code: number | null;
  /** Milliseconds from the start to its `ready` line, if it printed one. */
  readyAfterMs?: number;
}

/**
 * Runs a writer; `kill` (if given) kills it with SIGKILL `beforeReadyMs` after its start, or
 * `afterReadyMs` after it printed `ready`.
 */
function child(args: string[], kill?: { beforeReadyMs?: number; afterReadyMs?: number }): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const proc = spawn(process.execPath, [...process.execArgv, self, 'child', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let readyAfterMs: number | undefined;
    const timers = [setTimeout(() => proc.kill('SIGKILL'), 60_000)];
    if (kill?.beforeReadyMs !== undefined)
      timers.push(setTimeout(() => proc.kill('SIGKILL'), kill.beforeReadyMs));
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (readyAfterMs === undefined && out.includes('ready\n')) {
        readyAfterMs = Date.now() - started;
        if (kill?.afterReadyMs !== undefined && kill.beforeReadyMs === undefined)
          timers.push(setTimeout(() => proc.kill('SIGKILL'), kill.afterReadyMs));
      }
    });
    proc.on('error', reject);
    proc.on('close', (code) => {
      for (const timer of timers) clearTimeout(timer);
      // Only complete lines are acknowledgements; a line cut by the kill is not.
      const lines = out.split('\n').slice(0, -1);
      resolve({
        acked: lines.filter((line) => line.startsWith('ack ')).flatMap((line) => line.slice(4).split(' ')),
        code,
        ...(readyAfterMs === undefined ? {} : { readyAfterMs }),
      });
    });
  });
}

async function countIds(uri: string, namespace: string, ids: readonly string[]): Promise<number> {
  const store = await createLanceStore({ uri });
  const table = await store.openTable(rowsTable);
  let found = 0;
  for (let start = 0; start < ids.length; start += 500) {
    found += (await table.get({ namespace, ids: ids.slice(start, start + 500) })).length;
  }
  await store.close();
  return found;
}

async function soakKill(cycles: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loci-soak-kill-'));
  const acked: string[] = [];
  let cleanExits = 0;
  let killedInStartup = 0;
  let startupMs: number | undefined;
  const started = Date.now();
  try {
    for (let cycle = 0; cycle < cycles; cycle++) {
      // Start-up (Node, tsx, LanceDB) takes 1-2 s on an idle machine and far longer on a loaded one.
      const kill =
        startupMs !== undefined && cycle % 5 === 4
          ? { beforeReadyMs: Math.floor(Math.random() * startupMs) }
          : { afterReadyMs: Math.floor(Math.random() * 3000) };
      const run = await child([dir, 'ns', `c${cycle}`, '100'], kill);
      startupMs = run.readyAfterMs ?? startupMs;
      if (run.readyAfterMs === undefined) killedInStartup++;
      if (run.code === 0) cleanExits++;
      acked.push(...run.acked);
      // The store must reopen after every kill.
      const found = await countIds(dir, 'ns', run.acked);
      if (found !== run.acked.length)
        throw new Error(`cycle ${cycle}: ${run.acked.length - found} acknowledged rows lost`);
    }
    const found = await countIds(dir, 'ns', acked);
    console.log(
      JSON.stringify({
        mode: 'kill',
        cycles,
        killedMidRun: cycles - cleanExits,
        killedInStartup,
        acknowledgedRows: acked.length,
        lost: acked.length - found,
        seconds: Math.round((Date.now() - started) / 1000),
      }),
    );
    if (found !== acked.length) process.exitCode = 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function soakConcurrent(rounds: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'loci-soak-concurrent-'));
  const started = Date.now();
  let expected = 0;
  let lost = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      const writers = [
        { namespace: `own-a-${round}`, prefix: `a${round}` },
        { namespace: `own-b-${round}`, prefix: `b${round}` },
        { namespace: `shared-${round}`, prefix: `c${round}` },
        { namespace: `shared-${round}`, prefix: `d${round}` },
      ];
      const runs = await Promise.all(writers.map((w) => child([dir, w.namespace, w.prefix, '20'])));
      for (const [index, run] of runs.entries()) {
        const w = writers[index] as (typeof writers)[number];
        if (run.code !== 0) throw new Error(`writer ${w.prefix} exited with ${run.code}`);
        expected += run.acked.length;
        lost += run.acked.length - (await countIds(dir, w.namespace, run.acked));
      }
    }
    console.log(
      JSON.stringify({
        mode: 'concurrent',
        rounds,
        writers: 4,
        rows: expected,
        lost,
        seconds: Math.round((Date.now() - started) / 1000),
      }),
    );
    if (lost > 0) process.exitCode = 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'child') {
  const [uri, namespace, prefix, batches] = rest as [string, string, string, string];
  await writer(uri, namespace, prefix, Number(batches));
} else if (mode === 'kill') {
  await soakKill(Math.min(200, Number(rest[0] ?? 30)));
} else if (mode === 'concurrent') {
  await soakConcurrent(Math.min(20, Number(rest[0] ?? 3)));
} else {
  console.error('usage: store-writes.ts kill [cycles] | concurrent [rounds]');
  process.exitCode = 2;
}
