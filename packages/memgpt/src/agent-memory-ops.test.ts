import { ConfigError, createInMemoryStore, type GenerateOptions, type LanguageModel } from '@loci/core';
import { describe, expect, it, vi } from 'vitest';
import { createFakeLanguageModel, type FakeReply, say } from './__fixtures__/fake-language-model.js';
import { letterEmbedder } from './__fixtures__/letter-embedder.js';
import { startFakeAgent } from './__fixtures__/start-fake-agent.js';
import { agentNamespace } from './agent-storage.js';
import { CoreMemoryEditError } from './core-memory.js';
import { AgentLeaseLostError, createAgent, loadAgent } from './index.js';
import { agentsTable, leasesTable } from './tables.js';

const idle = () => createFakeLanguageModel([]);

describe('core memory edits by the application', () => {
  it('append and replace edit the block as the built-in functions do, each saved as a new version', async () => {
    const { agent, storage } = await startFakeAgent({ model: idle() });
    const appended = await agent.appendCoreMemory('human', 'Lives in Oslo.');
    expect(appended).toEqual({
      message: 'Appended to block "human".',
      block: { label: 'human', value: 'Name: unknown\nLives in Oslo.', limit: 120 },
    });
    const replaced = await agent.replaceCoreMemory('human', 'unknown', 'Ana');
    expect(replaced.message).toBe('Replaced text in block "human".');
    expect(replaced.block.value).toBe('Name: Ana\nLives in Oslo.');
    // An empty replacement deletes the text.
    expect((await agent.replaceCoreMemory('human', '\nLives in Oslo.', '')).block.value).toBe('Name: Ana');

    expect(storage.states.map((state) => state.stepCount)).toEqual([0, 1, 2, 3]);
    expect(storage.states.at(-1)?.blocks.find((block) => block.label === 'human')?.value).toBe('Name: Ana');
    expect(agent.state().stepCount).toBe(3);
    // The next LLM call sees the edited block.
    expect(agent.context().messages[0]?.content).toContain('Name: Ana');
    await agent.close();
  });

  it('refuses with the built-in functions errors and saves nothing', async () => {
    const { agent, storage } = await startFakeAgent({ model: idle() });
    const before = agent.state();
    const missing = await agent.appendCoreMemory('diary', 'x').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(CoreMemoryEditError);
    expect((missing as Error).message).toBe('no core memory block "diary"; the blocks are: persona, human');
    await expect(agent.appendCoreMemory('human', 'x'.repeat(200))).rejects.toThrow(
      /block "human" would hold 214 characters, over its limit of 120/,
    );
    await expect(agent.replaceCoreMemory('human', 'Bob', 'Ana')).rejects.toThrow(
      'the text "Bob" is not in block "human"; copy the exact text from core memory',
    );
    const empty = await agent.appendCoreMemory('human', '').catch((error: unknown) => error);
    expect(empty).toBeInstanceOf(ConfigError);
    expect((empty as ConfigError).message).toMatch(/^invalid arguments of core_memory_append: content: /);
    expect((empty as ConfigError).issues).toEqual([{ path: 'content', message: expect.any(String) }]);
    await expect(agent.replaceCoreMemory('human', '', 'Ana')).rejects.toThrow(
      /invalid arguments of core_memory_replace: old_content: /,
    );
    await expect(agent.appendCoreMemory(42 as unknown as string, 'x')).rejects.toThrow(/label: /);
    expect(storage.states).toHaveLength(1);
    expect(agent.state()).toEqual(before);
    await agent.close();
  });
});

describe('archival inserts by the application', () => {
  it('stores the passage, counts it in the state and returns it with its id', async () => {
    const { agent, storage } = await startFakeAgent({ model: idle() });
    const at = new Date('2024-05-07T10:00:00Z');
    const inserted = await agent.insertArchival('Ana climbed Galdhøpiggen in 2019.', { at });
    expect(inserted).toEqual({
      message: 'Stored passage passage-1 in archival memory.',
      passage: { id: 'passage-1', text: 'Ana climbed Galdhøpiggen in 2019.', at },
    });
    expect(storage.passages).toEqual([inserted.passage]);
    expect(agent.state().archivalCount).toBe(1);
    expect(storage.states.at(-1)?.archivalCount).toBe(1);
    expect((await agent.searchArchival('Galdhøpiggen')).map((passage) => passage.id)).toEqual(['passage-1']);
    expect((await agent.insertArchival('second')).passage.at.getTime()).toBeGreaterThan(at.getTime());
    await agent.close();
  });

  it('refuses empty text and an invalid time, storing nothing', async () => {
    const { agent, storage } = await startFakeAgent({ model: idle() });
    await expect(agent.insertArchival('')).rejects.toThrow(
      /invalid arguments of archival_memory_insert: content: /,
    );
    await expect(agent.insertArchival(undefined as unknown as string)).rejects.toBeInstanceOf(ConfigError);
    await expect(agent.insertArchival('text', { at: new Date('nope') })).rejects.toThrow(/not a valid date/);
    expect(storage.passages).toEqual([]);
    expect(storage.states).toHaveLength(1);
    expect(agent.state().archivalCount).toBe(0);
    await agent.close();
  });
});

/** A model that answers from the script, but holds its first answer until `release` is called. */
function gatedModel(replies: FakeReply[]): LanguageModel & { release(): void; started: Promise<void> } {
  const fake = createFakeLanguageModel(replies);
  let release = () => {};
  let started = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const startedPromise = new Promise<void>((resolve) => {
    started = resolve;
  });
  return {
    ...fake,
    async generate(request: GenerateOptions) {
      started();
      await gate;
      return fake.generate(request);
    },
    release,
    started: startedPromise,
  };
}

describe('edits and steps', () => {
  it('an edit called during a step runs after it, so neither loses the other', async () => {
    const model = gatedModel([
      {
        toolCalls: [
          {
            name: 'core_memory_append',
            arguments: { label: 'human', content: 'Likes tea.', request_heartbeat: false },
          },
          { name: 'send_message', arguments: { message: 'Noted.' } },
        ],
      },
    ]);
    const { agent } = await startFakeAgent({ model });
    const step = agent.step('I like tea');
    await model.started;
    let editDone = false;
    const edit = agent.appendCoreMemory('human', 'Lives in Oslo.').then((result) => {
      editDone = true;
      return result;
    });
    // The step holds the agent: the edit waits for it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(editDone).toBe(false);
    model.release();
    expect((await step).messages).toEqual(['Noted.']);
    expect((await edit).block.value).toBe('Name: unknown\nLikes tea.\nLives in Oslo.');
    expect(agent.blocks().find((block) => block.label === 'human')?.value).toBe(
      'Name: unknown\nLikes tea.\nLives in Oslo.',
    );
    await agent.close();
  });

  it('a failed edit does not stop the next step', async () => {
    const { agent } = await startFakeAgent({ model: createFakeLanguageModel([say('hi')]) });
    await expect(agent.appendCoreMemory('nope', 'x')).rejects.toBeInstanceOf(CoreMemoryEditError);
    expect((await agent.step('hello')).messages).toEqual(['hi']);
    await agent.close();
  });
});

describe('edits on a store, under the lease', () => {
  it('survive a reload, and a holder whose lease was taken over writes nothing', async () => {
    const store = createInMemoryStore();
    const providers = { model: idle(), embedder: letterEmbedder, store, namespace: 'u1' };
    const agent = await createAgent({ ...providers, id: 'ana' });
    await agent.appendCoreMemory('human', 'Lives in Oslo.');
    const passage = await agent.insertArchival('Ana has a cat called Pixel.');
    expect((await agent.searchArchival('cat Pixel', 1))[0]?.id).toBe(passage.passage.id);
    await agent.close();

    const again = await loadAgent({ ...providers, id: 'ana' });
    expect(again.blocks().find((block) => block.label === 'human')?.value).toContain('Lives in Oslo.');
    expect(again.state().archivalCount).toBe(1);
    const before = again.state();

    // Another process takes the agent over while this one is paused past its lease.
    const namespace = agentNamespace('u1', 'ana');
    const leases = await store.openTable(leasesTable);
    const claims = await leases.query({ namespace });
    const token = Math.max(...claims.map((claim) => claim.token)) + 1;
    await leases.add({
      namespace,
      rows: [
        {
          id: `ana:${token}:other`,
          agentId: 'ana',
          token,
          owner: 'other',
          acquiredAt: new Date(),
          expiresAt: new Date(Date.now() + 60_000),
          released: false,
          stateVersion: before.stepCount,
        },
      ],
    });
    const clock = vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 120_000);
    const lost = await again.appendCoreMemory('human', 'Stale edit.').catch((error: unknown) => error);
    clock.mockRestore();
    expect(lost).toBeInstanceOf(AgentLeaseLostError);
    expect(again.state()).toEqual(before);
    const agents = await store.openTable(agentsTable);
    const versions = (await agents.query({ namespace: 'u1' })).map((row) => row.version);
    expect(Math.max(...versions)).toBe(before.stepCount);
    await again.close();
    await store.close();
  });
});
