// A MemGPT agent with Loci's default memory attached, reading your messages line by line from stdin.
//   OPENAI_API_KEY=sk-… pnpm --filter @loci/example-memgpt-chat start
//   OPENAI_BASE_URL=http://127.0.0.1:11434/v1 LOCI_MODEL=llama3.1 pnpm --filter @loci/example-memgpt-chat start
// The agent is saved after every step: run it again and it resumes (LOCI_AGENT_ID names it).
import { createInterface } from 'node:readline';
import { LociError, lociHome } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { createDefaultMemory } from '@loci/longmem';
import { createAgent, loadAgent } from '@loci/memgpt';
import { createGloveEmbedder } from '@loci/onnx';
import { createOpenAIChatModel, openAIConfigFromEnv } from '@loci/openai';

const llm = openAIConfigFromEnv();
if (llm === undefined) {
  console.error(
    'No LLM configured. Set OPENAI_API_KEY (OpenAI), or OPENAI_BASE_URL and LOCI_MODEL for a local\n' +
      'OpenAI-compatible server: Ollama http://127.0.0.1:11434/v1, llama.cpp http://127.0.0.1:8080/v1,\n' +
      'vLLM http://127.0.0.1:8000/v1, LM Studio http://127.0.0.1:1234/v1.',
  );
  process.exit(2);
}

const model = createOpenAIChatModel(llm.chat);
const embedder = await createGloveEmbedder({
  onProgress: (event) => console.error(`embedder: ${event.message}`),
});
// One folder holds the agent's state, its recall and archival storage, and the default memory.
const store = await createLanceStore({
  uri: process.env['LOCI_STORE'] ?? `${lociHome()}/examples/memgpt-chat`,
});
const memory = createDefaultMemory({ embedder, store });
const id = process.env['LOCI_AGENT_ID'] ?? 'memgpt-chat';
const providers = { model, embedder, store, memories: [memory] };

const agent = await loadAgent({ ...providers, id }).then(
  (loaded) => {
    console.log(`resumed agent ${id} (${loaded.queue().length} messages in its queue)`);
    return loaded;
  },
  async (error: unknown) => {
    if (!(LociError.isInstance(error) && error.code === 'agent_not_found')) throw error;
    console.log(`created agent ${id}`);
    return createAgent({
      ...providers,
      id,
      blocks: {
        persona:
          'I am a friendly assistant with a long memory. I keep what I learn about the user in core memory.',
        human: 'What I know about the user:',
      },
    });
  },
);

console.log(`model ${model.modelId}; type a message, an empty line or Ctrl-D ends`);
const lines = createInterface({ input: process.stdin, terminal: false });
for await (const line of lines) {
  if (line.trim() === '') break;
  const result = await agent.step(line);
  // Only send_message reaches the user; the rest of the step (inner monologue, memory edits) is in result.trace.
  for (const message of result.messages) console.log(`assistant: ${message}`);
  console.log(`  (${result.trace.length} trace entries, ${result.usage.totalTokens} tokens)`);
}
const human = agent.blocks().find((block) => block.label === 'human');
console.log(`core memory <human>: ${human?.value ?? ''}`);
await agent.close();
await memory.close?.();
await store.close();
