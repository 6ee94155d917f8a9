// The process that `kill-steps-run.ts` kills with SIGKILL: it opens a MemGPT agent on a LanceDB store,
// with the scripted server on 127.0.0.1 as LLM and embedder, and runs steps until it is killed.
// Usage: node --conditions=@loci/source --import tsx kill-steps-child.ts <storeUri> <baseURL> <agentId> <leaseMs> <tag> <steps>
// Prints JSON lines: {"ready":stepCount} once the agent is open, then {"ack":text} after each step
// returned (the step's state is saved by then: an acknowledged step). Exits 0 after <steps> steps.
import { createLanceStore } from '@loci/lancedb';
import { createOpenAIChatModel, createOpenAIEmbedder } from '@loci/openai';
import { loadAgent } from '../src/index.js';

const [storeUri, baseURL, agentId, leaseMs, tag, steps] = process.argv.slice(2);
if (!storeUri || !baseURL || !agentId || !leaseMs || !tag || !steps)
  throw new Error('usage: kill-steps-child <storeUri> <baseURL> <agentId> <leaseMs> <tag> <steps>');

const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
const connection = { baseURL, apiKey: 'test-key', maxRetries: 0, timeoutMs: 60_000 };
const store = await createLanceStore({ uri: storeUri });
const agent = await loadAgent({
  model: createOpenAIChatModel({ model: 'scripted-chat', ...connection }),
  embedder: createOpenAIEmbedder({ model: 'scripted-embed', ...connection, dimensions: 64 }),
  store,
  id: agentId,
  leaseMs: Number(leaseMs),
});
print({ ready: agent.state().stepCount });
for (let index = 0; index < Number(steps); index++) {
  const text = `${tag} step ${index}: please remember ${tag}-${index}-${Math.random().toString(36).slice(2, 8)}`;
  await agent.step(text);
  print({ ack: text });
}
await agent.close();
await store.close();
