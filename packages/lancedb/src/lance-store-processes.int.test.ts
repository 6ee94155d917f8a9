import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { where } from '@loci/core';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writerTable } from './__fixtures__/writer-table.js';
import { createLanceStore } from './lance-store.js';

const root = join(import.meta.dirname, '..', '..', '..');
const writerScript = join(import.meta.dirname, '__fixtures__', 'store-writer.ts');

function startWriter(
  uri: string,
  writer: string,
  batches: number,
  size: number,
  start = 'now',
  mode = 'add',
): ChildProcess {
  return spawn(
    process.execPath,
    [
      '--conditions=@loci/source',
      '--import',
      'tsx',
      writerScript,
      uri,
      writer,
      String(batches),
      String(size),
      start,
      mode,
    ],
    { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] },
  );
}

/** Resolves with the exit code and every stdout line; calls `onLine` as lines arrive. */
function finished(child: ChildProcess, onLine: (line: string) => void = () => {}) {
  const lines: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    onLine(line);
  });
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; lines: string[]; stderr: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, lines, stderr })),
  );
}

describe('LanceDB store across processes', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await makeTempDir('loci-lance-processes-');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('loses no row when two processes append to one table at the same time', async () => {
    const batches = 15;
    const size = 40;
    // Both create the table too: the create race is part of what is tested. Then both wait until
    // the other is ready, so their appends really overlap.
    const writers = [
      startWriter(dir.path, 'w1', batches, size, 'wait'),
      startWriter(dir.path, 'w2', batches, size, 'wait'),
    ];
    let ready = 0;
    const results = await Promise.all(
      writers.map((writer) =>
        finished(writer, (line) => {
          if (line !== 'ready' || ++ready < writers.length) return;
          for (const each of writers) each.stdin?.end('go\n');
        }),
      ),
    );
    expect(results.map((result) => result.stderr)).toEqual(['', '']);
    expect(results.map((result) => result.code)).toEqual([0, 0]);

    const store = await createLanceStore({ uri: dir.path });
    const table = await store.openTable(writerTable);
    expect(await table.count({ namespace: 'shared' })).toBe(2 * batches * size);
    for (const writer of ['w1', 'w2']) {
      expect(await table.count({ namespace: 'shared', filter: where.eq('writer', writer) })).toBe(
        batches * size,
      );
    }
    const ids = (await table.query({ namespace: 'shared' })).map((row) => row.id);
    expect(new Set(ids).size).toBe(2 * batches * size);
    await store.close();
  });

  it('keeps one row per id when two processes upsert the same ids at the same time', async () => {
    const size = 30;
    const writers = [
      startWriter(dir.path, 'u1', 8, size, 'wait', 'upsert'),
      startWriter(dir.path, 'u2', 8, size, 'wait', 'upsert'),
    ];
    let ready = 0;
    const results = await Promise.all(
      writers.map((writer) =>
        finished(writer, (line) => {
          if (line !== 'ready' || ++ready < writers.length) return;
          for (const each of writers) each.stdin?.end('go\n');
        }),
      ),
    );
    expect(results.map((result) => result.stderr)).toEqual(['', '']);
    expect(results.map((result) => result.code)).toEqual([0, 0]);
    const store = await createLanceStore({ uri: dir.path });
    const table = await store.openTable(writerTable);
    const rows = await table.query({ namespace: 'shared' });
    expect(rows).toHaveLength(size);
    expect(new Set(rows.map((row) => row.id)).size).toBe(size);
    // Every surviving row is a whole row from one of the writers' last batches.
    for (const row of rows) expect(row.text).toMatch(/ of batch 7 from u[12]$/);
    await store.close();
  });

  it('keeps every acknowledged batch when the writer is killed mid-sequence', async () => {
    const size = 25;
    const killAfter = 8;
    const child = startWriter(dir.path, 'crash', 10_000, size);
    const acked: number[] = [];
    const result = await finished(child, (line) => {
      const match = /^ack (\d+)$/.exec(line);
      if (!match) return;
      acked.push(Number(match[1]));
      if (acked.length === killAfter) child.kill('SIGKILL');
    });
    expect(result.signal).toBe('SIGKILL');
    expect(acked.length).toBeGreaterThanOrEqual(killAfter);

    const store = await createLanceStore({ uri: dir.path });
    const table = await store.openTable(writerTable);
    const rows = await table.query({ namespace: 'shared' });
    const perBatch = new Map<number, number>();
    for (const row of rows) perBatch.set(row.batch, (perBatch.get(row.batch) ?? 0) + 1);
    for (const batch of acked) expect(perBatch.get(batch)).toBe(size);
    // A batch is one commit: it is there completely or not at all, never half-written.
    for (const count of perBatch.values()) expect(count).toBe(size);
    // The table still takes writes and answers searches after the crash.
    await table.add({ namespace: 'shared', rows: [{ ...rows[0]!, id: 'after-crash' }] });
    const hits = await table.search({ namespace: 'shared', mode: 'text', text: 'batch', k: 3 });
    expect(hits).toHaveLength(3);
    await store.close();
  });
});
