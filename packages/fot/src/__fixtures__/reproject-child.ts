// A child process for the kill test: re-projects a namespace of a LanceDB store with the weights
// in a file, printing "page <written>" after each page the store acknowledged. Each focused-key
// write is delayed, as on slow storage, so the parent can kill it in the middle.
import { readFile } from 'node:fs/promises';
import type { MemoryStore } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { createFocusedMemory } from '../focused-memory.js';
import { createHashingEmbedder } from './hashing-embedder.js';

async function main(): Promise<void> {
  const [uri, weightsPath] = process.argv.slice(2);
  if (!uri || !weightsPath) throw new Error('usage: reproject-child <uri> <weights.json>');
  const inner = await createLanceStore({ uri });
  let written = 0;
  const store: MemoryStore = {
    uri: inner.uri,
    listTables: () => inner.listTables(),
    dropTable: (name) => inner.dropTable(name),
    close: () => inner.close(),
    async openTable(definition) {
      const table = await inner.openTable(definition);
      if (!definition.name.startsWith('fot_focused_')) return table;
      return {
        ...table,
        async add(options) {
          await new Promise((resolve) => setTimeout(resolve, 150));
          await table.add(options);
          written += options.rows.length;
          process.stdout.write(`page ${written}\n`);
        },
      };
    },
  };
  const memory = createFocusedMemory({
    embedder: createHashingEmbedder(),
    store,
    pageSize: 50,
    resumeOnLoad: false,
  });
  await memory.reproject({
    namespace: 'n',
    projection: JSON.parse(await readFile(weightsPath, 'utf8')) as unknown,
  });
  process.stdout.write('done\n');
  await store.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
