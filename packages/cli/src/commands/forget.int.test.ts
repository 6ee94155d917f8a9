import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { EmbeddingModel, Memory } from '@loci/core';
import { createFocusedMemory } from '@loci/fot';
import { createLanceStore } from '@loci/lancedb';
import { createLongMemMemory } from '@loci/longmem';
import { hashedBagOfWords } from '@loci/testing/scripted-server';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../cli-io.js';
import { runForget } from './forget.js';

const embedder: EmbeddingModel = {
  provider: 'test',
  modelId: 'hashed-bag-of-words',
  dimensions: 32,
  maxBatchSize: 8,
  async embed(texts) {
    return texts.map((text) => Float32Array.from(hashedBagOfWords(text, 32)));
  },
};

const canary = 'Zebracanary4471';
const keptMark = 'Keptmarker9902';
const at = new Date('2026-01-01T00:00:00Z');

async function filesWith(folder: string, text: string): Promise<number> {
  let found = 0;
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const bytes = (await readFile(join(entry.parentPath, entry.name))).toString('latin1').toLowerCase();
    if (bytes.includes(text.toLowerCase())) found++;
  }
  return found;
}

function io(): CliIo & { out: () => string } {
  let out = '';
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
  return {
    stdin,
    stdout: Object.assign(new PassThrough(), {
      write: (text: string) => {
        out += text;
        return true;
      },
    }) as never,
    stderr: { write: () => true } as never,
    env: {},
    out: () => out,
  };
}

async function plant(memory: Memory, namespace: string, text: string): Promise<void> {
  for (let i = 0; i < 6; i++) {
    await memory.observe({
      namespace,
      event: { type: 'turn', id: `t${i}`, speaker: 'user', text: `${text} turn ${i} about rowing`, at },
    });
  }
  await memory.flush?.();
}

describe('loci forget', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await makeTempDir('loci-forget-');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('removes a canary from every memory system and the agent tables: no search hit, no byte on disk', async () => {
    const store = await createLanceStore({ uri: dir.path });
    const { agentsTable, messagesTable } = await import('../../../memgpt/src/tables.js');
    for (const [user, text] of [
      ['alice', canary],
      ['bob', keptMark],
    ] as const) {
      await plant(createLongMemMemory({ embedder, store }), user, text);
      const focused = createFocusedMemory({ embedder, store });
      await plant(focused, user, text);
      await focused.close?.();
      await (await store.openTable(agentsTable)).add({
        namespace: user,
        rows: [{ id: 'a1@1', agentId: 'a1', version: 1, state: `{"note":"${text}"}`, updatedAt: at }],
      });
      await (await store.openTable(messagesTable)).add({
        namespace: `${user}#a1`,
        rows: [{ id: 'm1', seq: 0, kind: 'user', content: text, search: text, data: '{}', stepId: 's', at }],
      });
    }
    await store.close();
    expect(await filesWith(dir.path, canary)).toBeGreaterThan(0);

    const refused = io();
    await expect(runForget({ user: 'alice', store: dir.path }, refused)).rejects.toMatchObject({
      code: 'confirmation_needed',
    });
    expect(await filesWith(dir.path, canary)).toBeGreaterThan(0);

    const done = io();
    await runForget({ user: 'alice', store: dir.path, yes: true, json: true }, done);
    const report = JSON.parse(done.out()) as {
      removed: Record<string, number>;
      total: number;
      agents: string[];
    };
    expect(report.agents).toEqual(['a1']);
    expect(report.removed['memgpt_messages']).toBe(1);
    expect(report.removed['memgpt_agents']).toBe(1);
    expect(report.total).toBeGreaterThan(12);

    expect(await filesWith(dir.path, canary)).toBe(0);
    expect(await filesWith(dir.path, keptMark)).toBeGreaterThan(0);
    const reopened = await createLanceStore({ uri: dir.path });
    for (const memory of [
      createLongMemMemory({ embedder, store: reopened }),
      createFocusedMemory({ embedder, store: reopened }),
    ]) {
      expect(await memory.recall({ namespace: 'alice', query: `${canary} rowing`, k: 5 })).toEqual([]);
      const kept = await memory.recall({ namespace: 'bob', query: `${keptMark} rowing`, k: 5 });
      expect(kept.length).toBeGreaterThan(0);
      await memory.close?.();
    }
    await reopened.close();
  });
});
