// Loci on the embedded defaults: no server, no key. Run it with `pnpm --filter @loci/example-quickstart start`.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { lociHome } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { createDefaultMemory } from '@loci/longmem';
import { createGloveEmbedder } from '@loci/onnx';

// The built-in embedder is built into the Loci home (LOCI_HOME, default ~/.loci) on first use.
const embedder = await createGloveEmbedder({
  onProgress: (event) => console.error(`embedder: ${event.message}`),
});

// A LanceDB folder on disk; an s3://, gs://, az:// or db:// URI works the same way.
const uri = join(lociHome(), 'examples', 'quickstart');
await rm(uri, { recursive: true, force: true }); // this example starts from an empty store every run
const store = await createLanceStore({ uri });
const memory = createDefaultMemory({ embedder, store });

// Every call names a namespace (a user, an agent, a thread): one namespace never sees another's turns.
const namespace = 'user-ada';
const day = (date: string) => new Date(`${date}T12:00:00Z`);
const turns = [
  {
    id: 't1',
    speaker: 'Ada',
    text: 'I finally adopted a cat! She is called Pixel and she is grey with white paws.',
    at: day('2024-03-02'),
  },
  {
    id: 't2',
    speaker: 'Bo',
    text: 'Pixel is a great name. How is she getting on with your flat?',
    at: day('2024-03-02'),
  },
  {
    id: 't3',
    speaker: 'Ada',
    text: 'She hides under the bed all day, but comes out at night to chase a bottle cap.',
    at: day('2024-03-02'),
  },
  {
    id: 't4',
    speaker: 'Ada',
    text: 'Work news: I start as a sound engineer at a theatre in Glasgow next month.',
    at: day('2024-04-10'),
  },
  {
    id: 't5',
    speaker: 'Bo',
    text: 'Glasgow! Are you moving up there, or commuting from Edinburgh?',
    at: day('2024-04-10'),
  },
  {
    id: 't6',
    speaker: 'Ada',
    text: 'Moving. I found a flat near the river, and Pixel is coming with me.',
    at: day('2024-04-10'),
  },
];
for (const turn of turns) await memory.observe({ namespace, event: { type: 'turn', ...turn } });
await memory.flush?.();

for (const query of ["What is the name of Ada's cat?", 'Which city is Ada moving to, and why?']) {
  const recalled = await memory.recall({ namespace, query, k: 3 });
  console.log(`\n${query}`);
  // Each item names the turns it came from (`sources`), whatever the memory made of them.
  for (const item of recalled) {
    console.log(`  ${item.score.toFixed(3)}  [${item.sources.join(', ')}]  ${item.text}`);
  }
}

const elsewhere = await memory.recall({
  namespace: 'user-bo',
  query: "What is the name of Ada's cat?",
  k: 3,
});
console.log(`\nThe same question in another namespace recalls ${elsewhere.length} items.`);

await memory.close?.();
await store.close();
