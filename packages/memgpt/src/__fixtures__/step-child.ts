// A separate process that runs agent steps, so a test can kill it mid-step (agent-restart.int.test.ts).
// Usage: node --conditions=@loci/source --import tsx step-child.ts <storeUri> <baseURL> <agentId> <text>...
import { createLanceStore } from '@loci/lancedb';
import { createOpenAIChatModel, createOpenAIEmbedder } from '@loci/openai';
import { createAgent, loadAgent } from '../index.js';

const [storeUri, baseURL, agentId, ...texts] = process.argv.slice(2);
if (!storeUri || !baseURL || !agentId)
  throw new Error('usage: step-child <storeUri> <baseURL> <agentId> <text>...');

const store = await createLanceStore({ uri: storeUri });
const providers = {
  model: createOpenAIChatModel({
    model: 'scripted-chat',
    baseURL,
    apiKey: 'test-key',
    maxRetries: 0,
    timeoutMs: 120_000,
  }),
  embedder: createOpenAIEmbedder({ model: 'scripted-embed', baseURL, apiKey: 'test-key', dimensions: 64 }),
  store,
};
// A short lease, so the test that kills this process can take the agent over soon after.
const agent = await loadAgent({ ...providers, id: agentId, leaseMs: 2000 }).catch(() =>
  createAgent({ ...providers, id: agentId, blocks: { human: 'Facts:' }, leaseMs: 2000 }),
);
for (const [index, text] of texts.entries()) {
  const result = await agent.step(text);
  process.stdout.write(`step-done ${index} ${JSON.stringify(result.messages)}\n`);
}
await store.close();
