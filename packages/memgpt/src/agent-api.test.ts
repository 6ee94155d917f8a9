import { createInMemoryStore, type MemoryStore } from '@loci/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeLanguageModel, say } from './__fixtures__/fake-language-model.js';
import { letterEmbedder } from './__fixtures__/letter-embedder.js';
import { AgentExistsError, AgentNotFoundError, createAgent, loadAgent } from './index.js';

const embedder = letterEmbedder;

let store: MemoryStore;
beforeEach(() => {
  store = createInMemoryStore();
});
afterEach(async () => {
  await store.close();
});

describe('createAgent and loadAgent on an in-memory store', () => {
  it('creates, steps and resumes an agent with the same memory', async () => {
    const model = createFakeLanguageModel([say('Hi Ana'), say('Still here')]);
    const agent = await createAgent({ model, embedder, store, id: 'ana', namespace: 'u1' });
    await agent.step('I am Ana');
    await agent.close();
    const resumed = await loadAgent({ model, embedder, store, id: 'ana', userId: 'u1' });
    expect(resumed.state()).toEqual(agent.state());
    expect(resumed.queue()).toEqual(agent.queue());
    expect((await resumed.step('hello again')).messages).toEqual(['Still here']);
    expect((await resumed.searchRecall('Ana', 5)).map((message) => message.content)).toContain('I am Ana');
  });

  it('throws agent_exists and agent_not_found with their facts', async () => {
    const model = createFakeLanguageModel([]);
    await (await createAgent({ model, embedder, store, id: 'ana', namespace: 'u1' })).close();
    const exists = await createAgent({ model, embedder, store, id: 'ana', namespace: 'u1' }).catch(
      (error: unknown) => error,
    );
    expect(exists).toBeInstanceOf(AgentExistsError);
    expect(exists).toMatchObject({ code: 'agent_exists', agentId: 'ana', namespace: 'u1' });
    const missing = await loadAgent({ model, embedder, store, id: 'ana', namespace: 'u2' }).catch(
      (error: unknown) => error,
    );
    expect(missing).toBeInstanceOf(AgentNotFoundError);
    expect(missing).toMatchObject({
      code: 'agent_not_found',
      agentId: 'ana',
      namespace: 'u2',
      storeUri: store.uri,
    });
    await expect(createAgent({ model, embedder, store, namespace: 'a', userId: 'b' })).rejects.toThrow(
      /differ/,
    );
  });
});
