/**
 * Heap taken by the in-process recall index (`recall-text-index.ts`) of the agent in a replay
 * store, and the time of a few searches in it. Make the store with the replay first:
 *   pnpm bench:memgpt -- --store /tmp/replay-store
 *   node --expose-gc --conditions=@loci/source --import tsx bench/recall-index-memory.ts /tmp/replay-store
 */
import { createLanceStore } from '@loci/lancedb';
import { agentNamespace } from '../src/agent-storage.js';
import { createRecallTextIndex } from '../src/recall-text-index.js';
import type { StoredMessage } from '../src/stored-message.js';
import { agentsTable, messagesTable } from '../src/tables.js';

const uri = process.argv[2];
const gc = (globalThis as { gc?: () => void }).gc;
if (!uri || !gc) {
  console.error('usage: node --expose-gc … bench/recall-index-memory.ts <replay store>');
  process.exit(2);
}
const store = await createLanceStore({ uri });
const [agent] = await (await store.openTable(agentsTable)).query({ namespace: 'bench', limit: 1 });
if (!agent) throw new Error(`no replay agent in ${uri}: run pnpm bench:memgpt -- --store ${uri} first`);
gc();
const before = process.memoryUsage().heapUsed;
let rows = await (await store.openTable(messagesTable)).query({
  namespace: agentNamespace('bench', agent.agentId),
});
const index = createRecallTextIndex();
index.add(
  rows.map(
    (row): StoredMessage => ({
      id: row.id,
      seq: row.seq,
      kind: row.kind as StoredMessage['kind'],
      content: row.content,
      at: row.at,
      stepId: row.stepId,
    }),
  ),
);
rows = [];
gc();
const bytes = process.memoryUsage().heapUsed - before;
const started = performance.now();
const queries = ['Caroline', 'painting class', 'the trip to Lisbon last summer', 'dog'];
for (const query of queries) index.search(query, 10);
const searchMs = (performance.now() - started) / queries.length;
console.log(
  `${index.size} messages: ${(bytes / 2 ** 20).toFixed(1)} MiB of heap, ` +
    `${(bytes / index.size / 1024).toFixed(2)} KiB a message; ${searchMs.toFixed(2)} ms a search`,
);
await store.close();
