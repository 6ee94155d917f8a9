import { createInMemoryStore, type MemoryStore } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterAll, beforeAll } from 'vitest';
import { describeBaseStoreBehaviour } from './__fixtures__/base-store-behaviour.js';
import { LociStore } from './loci-store.js';

describeBaseStoreBehaviour('LociStore over the in-memory store', async ({ index }) => {
  const store = createInMemoryStore();
  return {
    store: new LociStore({ store, namespace: 'behaviour', ...(index === undefined ? {} : { index }) }),
    close: () => store.close(),
  };
});

// One LanceDB folder for the suite; each test gets its own Loci namespace in it, so what one test
// wrote is invisible to the next (as namespaces keep users apart).
let lance: MemoryStore;
let dir: { path: string; remove: () => Promise<void> };
let next = 0;
beforeAll(async () => {
  dir = await makeTempDir('loci-langchain-behaviour-');
  lance = await createLanceStore({ uri: dir.path });
});
afterAll(async () => {
  await lance.close();
  await dir.remove();
});

describeBaseStoreBehaviour('LociStore over LanceDB', async ({ index }) => ({
  store: new LociStore({
    store: lance,
    namespace: `behaviour-${next++}`,
    ...(index === undefined ? {} : { index }),
  }),
  close: async () => {},
}));
