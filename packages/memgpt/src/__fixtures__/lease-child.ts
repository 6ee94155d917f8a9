// A separate process that opens an agent on a LanceDB store, for the lease tests and the lease soak.
// Usage: node --conditions=@loci/source --import tsx lease-child.ts <storeUri> <agentId> <leaseMs> [takeover]
// Prints one JSON line: {"opened":stepCount} or {"refused":code}; then reads commands on stdin, one
// JSON line answered per command, and exits when stdin ends:
//   step <text>  runs a step: {"stepped":stepCount} or {"refused":code}
//   try          opens the agent a second time: {"refused":code} or {"opened":...} (then closed)
//   reopen       leaves the agent as it is (no close) and opens it again
import { createInterface } from 'node:readline';
import { LociError } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { loadAgent } from '../index.js';
import { createFakeLanguageModel, say } from './fake-language-model.js';
import { letterEmbedder } from './letter-embedder.js';

const [storeUri, agentId, leaseMs, takeOver] = process.argv.slice(2);
if (!storeUri || !agentId || !leaseMs)
  throw new Error('usage: lease-child <storeUri> <agentId> <leaseMs> [takeover]');

const codeOf = (error: unknown) => (LociError.isInstance(error) ? error.code : String(error));
const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
const store = await createLanceStore({ uri: storeUri });
const model = createFakeLanguageModel(() => say(`reply from ${process.pid}`));
const open = () =>
  loadAgent({
    model,
    embedder: letterEmbedder,
    store,
    id: agentId,
    leaseMs: Number(leaseMs),
    takeOver: takeOver === 'takeover',
  }).catch((error: unknown) => {
    print({ refused: codeOf(error) });
    return undefined;
  });
let agent = await open();
if (agent) print({ opened: agent.state().stepCount, pid: process.pid });
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'try' || line === 'reopen') {
    const other = await open();
    if (other) print({ opened: other.state().stepCount, pid: process.pid });
    if (line === 'reopen') agent = other;
    else await other?.close();
  } else if (line.startsWith('step ')) {
    const current = agent;
    if (!current) print({ refused: 'not_open' });
    else
      await current.step(line.slice(5)).then(
        () => print({ stepped: current.state().stepCount }),
        (error: unknown) => print({ refused: codeOf(error) }),
      );
  }
}
// Ends without close(): a holder that goes away this way keeps its lease until it expires.
await store.close();
