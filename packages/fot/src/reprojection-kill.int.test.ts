import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { where } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { makeTempDir } from '@loci/testing/temp-dir';
import { expect, it } from 'vitest';
import { collisionFixture } from './__fixtures__/collision-fixture.js';
import { createHashingEmbedder } from './__fixtures__/hashing-embedder.js';
import { createFocusedMemory } from './focused-memory.js';
import { focusedTables } from './focused-tables.js';

const root = join(import.meta.dirname, '..', '..', '..');
const child = join(import.meta.dirname, '__fixtures__', 'reproject-child.ts');

it('a re-projection killed with SIGKILL serves the old keys, then resumes and switches', async () => {
  const dir = await makeTempDir('loci-fot-kill-');
  try {
    const embedder = createHashingEmbedder();
    const fixture = collisionFixture({ contexts: 4, turns: 40 });
    const setup = await createLanceStore({ uri: dir.path });
    const first = createFocusedMemory({ embedder, store: setup });
    await first.putMany({
      namespace: 'n',
      entries: fixture.own.map(({ context: _c, ...value }) => ({ value })),
    });
    await first.addDistractors('n', fixture.distractors);
    const { projection } = await first.train({ namespace: 'n', steps: 20, apply: false });
    const queries = fixture.questions.slice(0, 8).map((question) => question.query);
    const before = await Promise.all(queries.map((query) => first.search({ namespace: 'n', query, k: 5 })));
    const keys = (await first.status('n')).keys;
    await setup.close();
    const weights = join(dir.path, 'weights.json');
    await writeFile(weights, JSON.stringify(projection));

    const process_ = spawn(
      process.execPath,
      ['--conditions=@loci/source', '--import', 'tsx', child, dir.path, weights],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    process_.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const killedAfter = await new Promise<number>((resolve, reject) => {
      createInterface({ input: process_.stdout! }).on('line', (line) => {
        const written = Number(line.split(' ')[1]);
        if (line.startsWith('page') && written >= 150) {
          process_.kill('SIGKILL');
          resolve(written);
        }
        if (line === 'done') reject(new Error('the child finished before it was killed'));
      });
      process_.on('close', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`child exited ${code}: ${stderr}`));
      });
    });
    await new Promise((resolve) => process_.once('close', resolve));

    const store = await createLanceStore({ uri: dir.path });
    try {
      const table = await store.openTable(focusedTables(embedder.modelId, embedder.dimensions).focused);
      const partial = await table.count({ namespace: 'n', filter: where.eq('version', 1) });
      expect(partial).toBeGreaterThanOrEqual(killedAfter);
      expect(partial).toBeLessThan(keys);
      const second = createFocusedMemory({ embedder, store, resumeOnLoad: false });
      expect(await second.status('n')).toMatchObject({ activeVersion: 0, pendingVersion: 1 });
      const during = await Promise.all(
        queries.map((query) => second.search({ namespace: 'n', query, k: 5 })),
      );
      expect(during).toEqual(before);

      const resumed = await second.reproject({ namespace: 'n' });
      expect(resumed).toMatchObject({ version: 1, resumed: true, written: keys - partial });
      expect(await table.count({ namespace: 'n', filter: where.eq('version', 1) })).toBe(keys);
      expect(await second.status('n')).toMatchObject({ activeVersion: 1, pendingVersion: undefined });
      const after = await Promise.all(queries.map((query) => second.search({ namespace: 'n', query, k: 5 })));
      expect(after).not.toEqual(before);
      await second.close?.();
    } finally {
      await store.close();
    }
  } finally {
    await dir.remove();
  }
});
