import { join } from 'node:path';
import { createLanceStore } from '@loci/lancedb';
import { createOpenAIChatModel, createOpenAIEmbedder } from '@loci/openai';
import { type ScriptedServer, startScriptedServer } from '@loci/testing/scripted-server';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runFuzz } from '../bench/fuzz-run.js';
import { createAgent } from './index.js';

let server: ScriptedServer;
let dir: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  server = await startScriptedServer();
  dir = await makeTempDir('loci-memgpt-fuzz-');
});

afterAll(async () => {
  await server.close();
  await dir.remove();
});

// The CI-sized run of `bench:fuzz` (docs/reliability.md): every malformed reply ends its step with a
// result or a LociError in time, and the agent loads afterwards.
it('survives 30 fuzzed malformed replies without a crash or a hang', async () => {
  const outcome = await runFuzz({ server, storeUri: join(dir.path, 'store'), replies: 30, seed: 7 });
  expect(outcome.crashes).toEqual([]);
  expect(outcome.hangs).toEqual([]);
  expect(outcome.loadableAfter).toBe(true);
  // The fuzz must actually reach the error paths, not only well-formed answers.
  expect(Object.values(outcome.lociErrors).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
}, 240_000);

// The fuzz found replies whose text has a lone UTF-16 surrogate (a JSON escape such as "\ud800"):
// they reached the store and failed there as invalid_config. They are malformed replies.
it('refuses a reply with a lone surrogate as invalid_reply and keeps the user message', async () => {
  const connection = { baseURL: server.url, apiKey: 'test-key', maxRetries: 0, timeoutMs: 5_000 };
  const store = await createLanceStore({ uri: join(dir.path, 'surrogate-store') });
  const agent = await createAgent({
    model: createOpenAIChatModel({ model: 'scripted-chat', ...connection }),
    embedder: createOpenAIEmbedder({ model: 'scripted-embed', ...connection, dimensions: 64 }),
    store,
    id: 'surrogate',
  });
  try {
    for (const reply of [
      { content: 'broken \uD800 text' },
      { toolCalls: [{ name: 'send_message', arguments: '{"message": "\uDC00"}' }] },
    ]) {
      server.enqueue(reply);
      const error = await agent.step('tell me the kiwi story').catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'invalid_reply' });
    }
    const kept = await agent.searchRecall('kiwi', 10);
    expect(kept.filter((message) => message.kind === 'user')).toHaveLength(2);
  } finally {
    await agent.close();
    await store.close();
  }
}, 120_000);
