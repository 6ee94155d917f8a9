import { join } from 'node:path';
import type { MemoryStore } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createFakeLanguageModel, say } from './__fixtures__/fake-language-model.js';
import { letterEmbedder } from './__fixtures__/letter-embedder.js';
import { type LeaseChild, spawnLeaseChild } from './__fixtures__/spawn-lease-child.js';
import { createAgent, loadAgent } from './index.js';

let dir: { path: string; remove: () => Promise<void> };
let store: MemoryStore;
let storeUri: string;
const children: LeaseChild[] = [];

beforeAll(async () => {
  dir = await makeTempDir('loci-memgpt-lease-');
  storeUri = join(dir.path, 'store');
  store = await createLanceStore({ uri: storeUri });
});

afterAll(async () => {
  for (const child of children) child.process.kill('SIGKILL');
  await store.close();
  await dir.remove();
});

const model = createFakeLanguageModel(() => say('reply from the test'));
const providers = () => ({ model, embedder: letterEmbedder, store });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function spawn(agentId: string, leaseMs: number, takeOver = false): LeaseChild {
  const child = spawnLeaseChild([storeUri, agentId, String(leaseMs), ...(takeOver ? ['takeover'] : [])]);
  children.push(child);
  return child;
}

it('lets exactly one of several racing processes open an agent', async () => {
  for (const takeOver of [false, true]) {
    const id = `race-${takeOver}`;
    await (await createAgent({ ...providers(), id })).close();
    if (takeOver) {
      // Left to expire by a killed holder: only take-over openers may take it.
      const holder = spawn(id, 1000);
      expect(await holder.next(150_000)).toMatchObject({ opened: 0 });
      holder.process.kill('SIGKILL');
      await sleep(1500);
    }
    const racers = [0, 1, 2].map(() => spawn(id, 60_000, takeOver));
    const outcomes = await Promise.all(racers.map((child) => child.next(150_000)));
    const said = outcomes.map((outcome) => ('opened' in outcome ? 'opened' : String(outcome['refused'])));
    expect(said.sort()).toEqual(['agent_locked', 'agent_locked', 'opened']);
    await Promise.all(racers.map((child) => child.end()));
  }
}, 400_000);

it('refuses the state of a writer that was paused past its lease and taken over', async () => {
  const id = 'paused';
  await (await createAgent({ ...providers(), id, blocks: { human: 'Facts:' } })).close();
  const first = spawn(id, 1000);
  expect(await first.next(150_000)).toMatchObject({ opened: 0 });
  first.process.kill('SIGSTOP');
  const refused = await loadAgent({ ...providers(), id }).catch((error: unknown) => error);
  expect(refused).toMatchObject({ code: 'agent_locked' });
  const second = await loadAgent({ ...providers(), id, waitForLeaseMs: 20_000 });
  await second.step('I am the second writer');
  const saved = second.state();
  first.process.kill('SIGCONT');
  first.send('step I am the first writer, back from a pause');
  expect(await first.next()).toEqual({ refused: 'agent_lease_lost' });
  await first.end();
  await second.close();

  const reopened = await loadAgent({ ...providers(), id });
  expect(reopened.state()).toEqual(saved);
  expect(reopened.queue().map((message) => message.content)).not.toContain(
    'I am the first writer, back from a pause',
  );
  await reopened.close();
}, 300_000);
