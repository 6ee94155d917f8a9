import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInMemoryStore } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { collisionFixture } from './__fixtures__/collision-fixture.js';
import { createHashingEmbedder } from './__fixtures__/hashing-embedder.js';
import { createFocusedMemory } from './focused-memory.js';
import { readNegativePool } from './negative-pool.js';
import { identityProjection } from './projection.js';
import { parseProjection, serializeProjection } from './projection-format.js';
import { splitSentences, valueKeys } from './value-keys.js';

const demo = join(import.meta.dirname, '..', '..', 'cli', 'data', 'demo-conversation.json');

describe('keys of a value', () => {
  it('splits sentences and keys the turn, each sentence and (option) the predecessor', () => {
    expect(splitSentences('Hi! How are you?  Fine.')).toEqual(['Hi!', 'How are you?', 'Fine.']);
    expect(
      valueKeys(
        { speaker: 'Ana', text: 'One. Two.' },
        { withPrevious: true },
        { speaker: 'Ben', text: 'Zero.' },
      ),
    ).toEqual([
      { kind: 'turn', text: 'Ana: One. Two.' },
      { kind: 'sentence', text: 'Ana: One.' },
      { kind: 'sentence', text: 'Ana: Two.' },
      { kind: 'previous', text: 'Ben: Zero.\nAna: One. Two.' },
    ]);
    expect(valueKeys({ text: 'Just one.' })).toEqual([{ kind: 'turn', text: 'Just one.' }]);
  });
});

describe('projection weights', () => {
  it('round-trip exactly through their serialized form', () => {
    const projection = {
      ...identityProjection(12, 4, 3),
      u: Float32Array.from({ length: 48 }, (_, i) => Math.sin(i)),
    };
    const back = parseProjection(JSON.stringify(serializeProjection(projection)), 12);
    expect(back.u).toEqual(projection.u);
    expect(back.v).toEqual(projection.v);
  });
});

describe('negative pool and training inputs', () => {
  it('reads the sample conversation as one context per session, and refuses a file of the wrong shape', async () => {
    const pool = await readNegativePool(demo);
    expect(pool.contexts.length).toBe(6);
    expect(pool.contexts[0]?.texts[0]).toMatch(/^Priya: /);
    const dir = await mkdtemp(join(tmpdir(), 'loci-fot-pool-'));
    await writeFile(
      join(dir, 'bad.json'),
      JSON.stringify({ speaker_a: 'A', speaker_b: 'B', session_1: [{ text: 1 }] }),
    );
    await expect(readNegativePool(dir)).rejects.toMatchObject({ code: 'invalid_config' });
    await expect(readNegativePool(join(dir, 'missing.json'))).rejects.toMatchObject({
      code: 'fot_pool_unreadable',
    });
  });

  it('trains a one-context namespace against the negative pool, and trains on its own when auto is on', async () => {
    const { own } = collisionFixture({ contexts: 1, turns: 30 });
    const memory = createFocusedMemory({
      embedder: createHashingEmbedder(),
      store: createInMemoryStore(),
      negativePool: await readNegativePool(demo),
      training: { auto: 'blocking', minKeys: 50, steps: 5 },
    });
    for (const turn of own) await memory.observe({ namespace: 'n', event: { type: 'turn', ...turn } });
    expect((await memory.status('n')).activeVersion).toBe(0);
    await memory.flush?.();
    expect((await memory.status('n')).activeVersion).toBe(1);
    const report = await memory.train({
      namespace: 'n',
      steps: 5,
      pairs: [{ query: 'person0a pottery', valueIds: ['own-0'] }],
    });
    expect(report.contexts).toBe(7);
    expect(report.reprojected?.version).toBe(2);
  });
});
