import { createInMemoryStore, type MemoryStore } from '@loci/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { letterEmbedder } from './__fixtures__/letter-embedder.js';
import { newAgentState } from './agent-persistence.js';
import { openAgentStorage } from './store-agent-storage.js';
import type { StoredMessage } from './stored-message.js';

const message = (id: string, seq: number, content: string, day: string): StoredMessage => ({
  id,
  seq,
  kind: 'user',
  content,
  at: new Date(`${day}T12:00:00Z`),
  stepId: 's',
  speaker: 'Ana',
});

let store: MemoryStore;
beforeEach(() => {
  store = createInMemoryStore();
});
afterEach(async () => {
  await store.close();
});

const open = (namespace: string, agentId: string) =>
  openAgentStorage({ store, embedder: letterEmbedder, namespace, agentId });

describe('agent storage on a MemoryStore', () => {
  it('saves state versions and loads the newest one', async () => {
    const storage = await open('user', 'agent');
    const state = newAgentState({ id: 'agent', namespace: 'user', embedder: letterEmbedder });
    expect(await storage.loadState('agent')).toBeUndefined();
    await storage.saveState(state);
    await storage.saveState({ ...state, stepCount: 1, summary: 'newer' });
    expect((await storage.loadState('agent'))?.summary).toBe('newer');
  });

  it('stores messages with their call details and finds them by text, date and id', async () => {
    const storage = await open('user', 'agent');
    await storage.appendMessages([
      message('m1', 0, 'I started the cello', '2024-03-01'),
      {
        ...message('m2', 1, '', '2024-03-02'),
        kind: 'assistant',
        toolCalls: [{ id: 'c', name: 'send_message', arguments: '{"message":"Bravo"}' }],
      },
      message('m3', 2, 'I bought a bicycle', '2024-03-05'),
    ]);
    expect((await storage.getMessages(['m3', 'nope', 'm1'])).map((m) => m.id)).toEqual(['m3', 'm1']);
    expect(await storage.lastSeq()).toBe(2);
    expect((await storage.searchMessages('cello', 5)).map((m) => m.id)).toEqual(['m1']);
    // An emoji has no word for the full-text index: found by what the message holds.
    await storage.appendMessages([message('m4', 3, 'concert tonight 🎻', '2024-03-06')]);
    expect((await storage.searchMessages('🎻', 5)).map((m) => m.id)).toEqual(['m4']);
    const [call] = await storage.searchMessages('Bravo', 5);
    expect(call?.toolCalls?.[0]?.name).toBe('send_message');
    const start = new Date('2024-03-01T00:00:00Z');
    const end = new Date('2024-03-02T23:59:59Z');
    expect((await storage.messagesBetween(start, end, 1, 1)).map((m) => m.id)).toEqual(['m2']);
    expect(await storage.countMessagesBetween(start, end)).toBe(2);
    expect((await storage.getMessages(['m1']))[0]).toEqual(
      message('m1', 0, 'I started the cello', '2024-03-01'),
    );
  });

  it('keeps agents apart: recall and archival live in the agent namespace', async () => {
    const alice = await open('alice', 'assistant');
    const bob = await open('bob', 'assistant');
    expect(alice.agentNamespace).toBe('alice#assistant');
    await alice.appendMessages([message('m1', 0, 'vault code 4321', '2024-03-01')]);
    await alice.insertPassage('the vault code is 4321', new Date());
    expect(await bob.searchMessages('vault', 5)).toEqual([]);
    expect(await bob.searchPassages('vault code', 5)).toEqual([]);
    expect((await alice.searchPassages('vault code', 5))[0]?.text).toBe('the vault code is 4321');
  });
});
