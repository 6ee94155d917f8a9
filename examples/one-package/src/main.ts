// A vector memory and nothing else: @loci/lancedb stores the rows, @loci/onnx embeds the texts on the CPU.
// No LLM, no agent, no server. Run it with `pnpm --filter @loci/example-one-package start`.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { defineTable, lociHome, vectorColumn, where } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { createGloveEmbedder } from '@loci/onnx';
import { z } from 'zod';

// The built-in embedder (GloVe 100-d as an ONNX graph) is built into LOCI_HOME on first use.
const embedder = await createGloveEmbedder({
  onProgress: (event) => console.error(`embedder: ${event.message}`),
});

// Any folder, or an s3://, gs://, az:// or db:// URI: the same code.
const uri = join(lociHome(), 'examples', 'one-package');
await rm(uri, { recursive: true, force: true }); // this example starts from an empty store every run
const store = await createLanceStore({ uri });

// Your own table: a zod schema becomes the Arrow schema; `vectors` gives the vector sizes.
const notes = await store.openTable(
  defineTable({
    name: 'notes',
    schema: z.object({ id: z.string(), text: z.string(), tag: z.string(), vector: vectorColumn() }),
    vectors: { vector: embedder.dimensions },
    fullText: ['text'],
  }),
);

const texts = [
  { id: 'n1', tag: 'travel', text: 'Book the train to Lisbon for the conference in May.' },
  { id: 'n2', tag: 'home', text: 'The kitchen tap drips; call the plumber on Monday.' },
  { id: 'n3', tag: 'garden', text: 'Plant the tomato seedlings once the frost is over.' },
  { id: 'n4', tag: 'travel', text: 'Renew the passport before the flight to Tokyo.' },
  { id: 'n5', tag: 'health', text: 'Dentist appointment on Thursday at nine in the morning.' },
];
const vectors = await embedder.embed(
  texts.map((note) => note.text),
  { kind: 'document' },
);
// Every call names a namespace (a user, a tenant): a search never crosses into another one.
const namespace = 'user-1';
await notes.add({
  namespace,
  rows: texts.map((note, i) => ({ ...note, vector: vectors[i] as Float32Array })),
});
console.log(`stored ${await notes.count({ namespace })} notes in ${uri}`);

async function search(query: string, mode: 'vector' | 'hybrid', tag?: string) {
  const [vector] = await embedder.embed([query], { kind: 'query' });
  const hits = await notes.search({
    namespace,
    mode,
    vector: vector as Float32Array,
    text: query,
    k: 2,
    ...(tag === undefined ? {} : { filter: where.eq('tag', tag) }),
  });
  console.log(`\n${mode}${tag === undefined ? '' : ` (tag = ${tag})`}: ${query}`);
  for (const { row, score } of hits) console.log(`  ${score.toFixed(3)}  ${row.id}  ${row.text}`);
}

await search('when do I fly to Japan?', 'vector');
await search('fix the leaking tap', 'hybrid');
// A filter is a typed expression compiled to escaped SQL inside the store.
await search('a trip', 'vector', 'travel');

const other = await notes.search({
  namespace: 'user-2',
  mode: 'text',
  text: 'plumber',
  k: 2,
});
console.log(`\nThe same search in namespace user-2 finds ${other.length} notes.`);
await store.close();
