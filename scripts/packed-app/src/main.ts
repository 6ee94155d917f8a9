// The quickstart's flow (examples/quickstart/src/main.ts) as a user's app sees it: the packed
// packages installed with npm, nothing from the workspace. Fails loudly when recall misses.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { lociHome } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { createDefaultMemory } from '@loci/longmem';
import { createGloveEmbedder } from '@loci/onnx';
import * as entryPoints from './entry-points.js';

for (const [name, entry] of Object.entries(entryPoints)) {
  assert.ok(Object.keys(entry).length > 0, `${name}: the package entry exports nothing`);
}

const embedder = await createGloveEmbedder({
  onProgress: (event) => console.error(`embedder: ${event.message}`),
});
const store = await createLanceStore({ uri: join(lociHome(), 'packed-app') });
const memory = createDefaultMemory({ embedder, store });

const namespace = 'user-ada';
const at = new Date('2024-03-02T12:00:00Z');
const turns = [
  { id: 't1', speaker: 'Ada', text: 'I finally adopted a cat! She is called Pixel and she is grey.' },
  { id: 't2', speaker: 'Bo', text: 'Pixel is a great name. How is she getting on with your flat?' },
  { id: 't3', speaker: 'Ada', text: 'Work news: I start as a sound engineer at a theatre in Glasgow.' },
];
for (const turn of turns) {
  await memory.observe({ namespace, event: { type: 'turn', ...turn, at } });
}
await memory.flush?.();

const recalled = await memory.recall({ namespace, query: "What is the name of Ada's cat?", k: 3 });
console.log(
  recalled.map((item) => `${item.score.toFixed(3)} [${item.sources.join(', ')}] ${item.text}`).join('\n'),
);
assert.ok(
  recalled.some((item) => item.sources.includes('t1')),
  'the turn that names the cat was not recalled',
);
const elsewhere = await memory.recall({
  namespace: 'user-bo',
  query: "What is the name of Ada's cat?",
  k: 3,
});
assert.equal(elsewhere.length, 0, 'another namespace recalled Ada’s turns');

await memory.close?.();
await store.close();
console.log(
  `packed app: recalled the stored turn through ${Object.keys(entryPoints).length} packed entry points`,
);
