// One run of a LangChain agent with Loci memory, as a separate process: argv = store folder, server URL, user message.
import type { BaseStore } from '@langchain/langgraph-checkpoint';
import { ChatOpenAI } from '@langchain/openai';
import { createLanceStore } from '@loci/lancedb';
import { createDefaultMemory } from '@loci/longmem';
import { createGloveEmbedder } from '@loci/onnx';
import { createAgent, type ToolRuntime, tool } from 'langchain';
import { z } from 'zod';
import { createRecallTool, LociStore, lociMemoryMiddleware } from '../index.js';

const [storeUri, baseURL, message] = process.argv.slice(2) as [string, string, string];
const embedder = await createGloveEmbedder();
const store = await createLanceStore({ uri: storeUri });
const memory = createDefaultMemory({ embedder, store });
const lociStore = new LociStore({
  store,
  namespace: 'app',
  index: { dims: embedder.dimensions, embeddings: embedder, fields: ['fact'] },
});
const userNamespace = (runtime: { context?: unknown }) =>
  `user-${(runtime.context as { userId: string }).userId}`;

// LangChain types `runtime.store` as its key-value store; under createAgent it is the LangGraph store passed in.
const graphStore = (runtime: ToolRuntime) => runtime.store as unknown as BaseStore;

const saveFact = tool(
  async ({ fact }, runtime: ToolRuntime) => {
    const userId = (runtime.context as { userId: string }).userId;
    await graphStore(runtime).put(['facts', userId], `fact-${Date.now()}`, { fact });
    return `saved: ${fact}`;
  },
  {
    name: 'save_fact',
    description: 'Remember a fact about the user.',
    schema: z.object({ fact: z.string() }),
  },
);
const listFacts = tool(
  async ({ query }, runtime: ToolRuntime) => {
    const userId = (runtime.context as { userId: string }).userId;
    const items = await graphStore(runtime).search(['facts', userId], { query, limit: 3 });
    return items.map((item) => String(item.value['fact'])).join('\n') || 'no facts';
  },
  { name: 'list_facts', description: 'Look up remembered facts.', schema: z.object({ query: z.string() }) },
);

const agent = createAgent({
  model: new ChatOpenAI({ model: 'scripted', apiKey: 'test', maxRetries: 0, configuration: { baseURL } }),
  tools: [saveFact, listFacts, createRecallTool({ memory, namespace: userNamespace })],
  store: lociStore,
  contextSchema: z.object({ userId: z.string() }),
  middleware: [
    lociMemoryMiddleware({
      memory,
      namespace: userNamespace,
      speakers: { user: 'Ada', assistant: 'assistant' },
    }),
  ],
});
const result = await agent.invoke(
  { messages: [{ role: 'user', content: message }] },
  { context: { userId: 'ada' } },
);
const last = result.messages.at(-1);
console.log(`final ${JSON.stringify(typeof last?.content === 'string' ? last.content : '')}`);
await store.close();
