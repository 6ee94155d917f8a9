// A LangChain agent (createAgent + ChatOpenAI) with Loci memory, reading your messages from stdin:
// - LociStore: LangGraph's long-term store (JSON documents under a namespace), here on LanceDB, with
//   semantic search through Loci's built-in embedder; tools read and write it through `runtime.store`;
// - lociMemoryMiddleware: recalls from Loci's default memory before each model call, observes after;
// - createRecallTool: lets the model search that memory itself;
// - createMemGPTMemoryTools: a MemGPT agent's core memory (shown in the system prompt) and archival
//   and conversation storage, edited and searched by the model through tool calls.
//   OPENAI_API_KEY=sk-… pnpm --filter @loci/example-langchain-agent start
//   OPENAI_BASE_URL=http://127.0.0.1:11434/v1 LOCI_MODEL=llama3.1 pnpm --filter @loci/example-langchain-agent start
import { createInterface } from 'node:readline';
import { AIMessage } from '@langchain/core/messages';
import type { BaseStore } from '@langchain/langgraph-checkpoint';
import { ChatOpenAI } from '@langchain/openai';
import { LociError, lociHome } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { createMemGPTMemoryTools, createRecallTool, LociStore, lociMemoryMiddleware } from '@loci/langchain';
import { createDefaultMemory } from '@loci/longmem';
import { createAgent as createMemGPTAgent, loadAgent as loadMemGPTAgent } from '@loci/memgpt';
import { createGloveEmbedder } from '@loci/onnx';
import { createOpenAIChatModel, openAIConfigFromEnv } from '@loci/openai';
import { createAgent, type ToolRuntime, tool } from 'langchain';
import { z } from 'zod';

// The same variables as every Loci example; ChatOpenAI does the talking.
const llm = openAIConfigFromEnv();
if (llm === undefined) {
  console.error(
    'No LLM configured. Set OPENAI_API_KEY, or OPENAI_BASE_URL and LOCI_MODEL for a local server.',
  );
  process.exit(2);
}
const model = new ChatOpenAI({
  model: llm.chat.model,
  apiKey: llm.chat.apiKey ?? 'not-needed', // local servers accept any key
  maxRetries: llm.chat.maxRetries ?? 2,
  configuration: llm.chat.baseURL === undefined ? {} : { baseURL: llm.chat.baseURL },
});

const embedder = await createGloveEmbedder({
  onProgress: (event) => console.error(`embedder: ${event.message}`),
});
const store = await createLanceStore({
  uri: process.env['LOCI_STORE'] ?? `${lociHome()}/examples/langchain-agent`,
});
const memory = createDefaultMemory({ embedder, store });
const lociStore = new LociStore({
  store,
  namespace: 'langchain-agent',
  index: { dims: embedder.dimensions, embeddings: embedder, fields: ['fact'] },
});

const contextSchema = z.object({ userId: z.string() });
const userOf = (runtime: { context?: unknown }) => contextSchema.parse(runtime.context).userId;
// LangChain types `runtime.store` as its key-value store; under createAgent it is the store passed in.
const graphStore = (runtime: ToolRuntime) => runtime.store as unknown as BaseStore;

const saveFact = tool(
  async ({ fact }, runtime: ToolRuntime) => {
    await graphStore(runtime).put(['facts', userOf(runtime)], `fact-${Date.now()}`, { fact });
    return `saved: ${fact}`;
  },
  {
    name: 'save_fact',
    description: 'Remember a durable fact about the user.',
    schema: z.object({ fact: z.string() }),
  },
);
const findFacts = tool(
  async ({ query }, runtime: ToolRuntime) => {
    const items = await graphStore(runtime).search(['facts', userOf(runtime)], { query, limit: 3 });
    return items.map((item) => String(item.value['fact'])).join('\n') || 'no facts saved';
  },
  {
    name: 'find_facts',
    description: 'Look up saved facts about the user.',
    schema: z.object({ query: z.string() }),
  },
);

// Each user's memory is its own Loci namespace, picked per run from the context.
const namespace = (runtime: { context?: unknown }) => `user-${userOf(runtime)}`;
const userId = contextSchema.parse({ userId: process.env['LOCI_USER'] ?? 'ada' }).userId;

// The user's MemGPT agent, used here for its memory: core memory blocks, archival and conversation
// storage, on the same LanceDB store. It holds a lease until closed: one process at a time.
const memgptOptions = {
  model: createOpenAIChatModel(llm.chat),
  embedder,
  store,
  namespace: userId,
  id: 'langchain-agent',
};
const memgpt = await loadMemGPTAgent(memgptOptions).catch((error: unknown) => {
  if (LociError.isInstance(error) && error.code === 'agent_not_found')
    return createMemGPTAgent(memgptOptions);
  throw error;
});
const coreMemory = () =>
  memgpt
    .blocks()
    .map((block) => `<${block.label}>\n${block.value}\n</${block.label}>`)
    .join('\n');

console.log(`user ${userId}; type a message, an empty line or Ctrl-D ends`);
for await (const line of createInterface({ input: process.stdin, terminal: false })) {
  if (line.trim() === '') break;
  // The system prompt shows core memory as it is now, so each run starts from the latest edits.
  const agent = createAgent({
    model,
    tools: [saveFact, findFacts, createRecallTool({ memory, namespace }), ...createMemGPTMemoryTools(memgpt)],
    store: lociStore,
    contextSchema,
    systemPrompt:
      'You are a helpful assistant. Save durable facts about the user with save_fact, and keep the ' +
      'core memory below up to date with core_memory_append and core_memory_replace.\n' +
      `Core memory:\n${coreMemory()}`,
    middleware: [
      lociMemoryMiddleware({ memory, namespace, speakers: { user: 'user', assistant: 'assistant' } }),
    ],
  });
  // Each line is its own run: what the agent knows next time comes from Loci, not from this process.
  const result = await agent.invoke({ messages: [{ role: 'user', content: line }] }, { context: { userId } });
  for (const message of result.messages.slice(1)) {
    for (const call of AIMessage.isInstance(message) ? (message.tool_calls ?? []) : []) {
      console.log(`  tool ${call.name}(${JSON.stringify(call.args)})`);
    }
  }
  const last = result.messages.at(-1);
  console.log(
    `assistant: ${typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content)}`,
  );
}
await memgpt.close();
await memory.close?.();
await store.close();
