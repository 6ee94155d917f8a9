// A separate process that opens an agent on a LanceDB store, for the lease tests and the lease soak.
// Usage: node --conditions=@loci/source --import tsx lease-child.ts <storeUri> <agentId> <leaseMs> [takeover]
// Prints one JSON line: {"opened":token} or {"refused":code}; then, for each line "step <text>" on
// stdin, runs a step and prints {"stepped":version} or {"refused":code}; exits when stdin ends.
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
const agent = await loadAgent({
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
if (agent) print({ opened: agent.state().stepCount, pid: process.pid });
for await (const line of createInterface({ input: process.stdin })) {
  if (!agent || !line.startsWith('step ')) continue;
  await agent.step(line.slice(5)).then(
    () => print({ stepped: agent.state().stepCount }),
    (error: unknown) => print({ refused: codeOf(error) }),
  );
}
// Ends without close(): a holder that goes away this way keeps its lease until it expires.
await store.close();
