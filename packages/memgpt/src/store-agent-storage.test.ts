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

// Ids of the messages appended to recall storage through `refusingAppends`, in order: the
// in-memory store replaces a row added twice, so a second write would not show in the table.
const appended: string[] = [];

/** Agent storage whose next `count` appends to recall storage fail. */
function openRefusingAppends(count = 1) {
  appended.length = 0;
  return openAgentStorage({
    store: refusingAppends(count),
    embedder: letterEmbedder,
    namespace: 'user',
    agentId: 'agent',
  });
}

type MessagesTable = Awaited<ReturnType<MemoryStore['openTable']>>;

/** The store, with every append to recall storage waiting for `before` first. */
function wrapMessageAdds(
  before: (rows: Parameters<MessagesTable['add']>[0]['rows']) => Promise<void>,
): MemoryStore {
  return {
    ...store,
    uri: store.uri,
    async openTable(definition) {
      const table = await store.openTable(definition);
      if (definition.name !== 'memgpt_messages') return table;
      return Object.assign(Object.create(table), {
        add: async (...args: Parameters<typeof table.add>) => {
          await before(args[0].rows);
          return table.add(...args);
        },
      }) as typeof table;
    },
  };
}

/** Agent storage whose appends to recall storage wait until `land()` is called. */
async function openHeldAppends(options: { recallIndexLimit?: number } = {}) {
  let land: () => void = () => undefined;
  const landed = new Promise<void>((resolve) => {
    land = resolve;
  });
  const storage = await openAgentStorage({
    store: wrapMessageAdds(() => landed),
    embedder: letterEmbedder,
    namespace: 'user',
    agentId: 'agent',
    ...options,
  });
  return { storage, land };
}

/** The store, except that the next `count` appends to recall storage fail. */
function refusingAppends(count: number): MemoryStore {
  let refuse = count;
  return wrapMessageAdds(async (rows) => {
    if (refuse-- > 0) throw new Error('disk full');
    appended.push(...rows.map((row) => String(row.id)));
  });
}

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

  it("writes the step's last messages with the state, and a load stores those a failed append lost", async () => {
    // Recall storage refuses every append of this process; its state saves succeed.
    const writer = await openRefusingAppends(Number.POSITIVE_INFINITY);
    const state = newAgentState({ id: 'agent', namespace: 'user', embedder: letterEmbedder });
    const said = message('m1', 0, 'I adopted a cat', '2024-03-01');
    await writer.saveState({ ...state, stepCount: 1, queue: ['m1'], nextSeq: 1 }, [said]);
    // A read waits for the messages handed over, and says so when they cannot be written.
    await expect(writer.getMessages(['m1'])).rejects.toThrow('disk full');
    // The process ends here without writing them; its lease goes all the same.
    await expect(writer.close()).rejects.toThrow('disk full');

    const reader = await open('user', 'agent');
    const loaded = await reader.loadState('agent');
    expect(loaded?.queue).toEqual(['m1']);
    expect(await reader.getMessages(['m1'])).toEqual([said]);
    // Written once, however often it is loaded.
    await reader.loadState('agent');
    expect(await reader.searchMessages('cat', 5)).toHaveLength(1);
  });

  it('returns from a save before its messages land; reads of the store wait for them', async () => {
    // Searches go to the store, as for an agent past the limit.
    const { storage, land } = await openHeldAppends({ recallIndexLimit: 0 });
    const state = newAgentState({ id: 'agent', namespace: 'user', embedder: letterEmbedder });
    await storage.saveState({ ...state, stepCount: 1, queue: ['m1'], nextSeq: 1 }, [
      message('m1', 0, 'the heron came back', '2024-03-01'),
    ]);
    storage.handOverMessages([message('m2', 1, 'a second heron', '2024-03-02')]);
    // A search none of them could match does not wait for them.
    expect(await storage.searchMessages('walrus', 5)).toEqual([]);
    const search = storage.searchMessages('heron', 5);
    let searched = false;
    void search.then(() => {
      searched = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(searched).toBe(false);
    land();
    expect((await search).map((found) => found.id).sort()).toEqual(['m1', 'm2']);
    await storage.close();
  });

  it('searches recall storage in the process: earlier sessions once loaded, hand-overs at once', async () => {
    const earlier = await open('user', 'agent');
    await earlier.appendMessages([message('m0', 0, 'a heron by the river', '2024-02-01')]);
    await earlier.close();

    const { storage, land } = await openHeldAppends();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const state = newAgentState({ id: 'agent', namespace: 'user', embedder: letterEmbedder });
    await storage.saveState({ ...state, stepCount: 1, queue: ['m1'], nextSeq: 2 }, [
      message('m1', 1, 'the heron came back', '2024-03-01'),
    ]);
    storage.handOverMessages([message('m2', 2, 'herons nest here', '2024-03-02')]);
    // Answered without waiting for the appends, which have not landed.
    const found = await Promise.race([
      storage.searchMessages('heron', 5),
      new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 1_000)),
    ]);
    expect(found === 'waited' ? found : found.map((m) => m.id).sort()).toEqual(['m0', 'm1', 'm2']);
    land();
    await storage.close();
  });

  it('searches the store for an agent with more messages than it keeps in memory', async () => {
    const earlier = await open('user', 'agent');
    await earlier.appendMessages([
      message('m0', 0, 'a heron by the river', '2024-02-01'),
      message('m1', 1, 'a heron again', '2024-02-02'),
    ]);
    await earlier.close();
    await expect(
      openAgentStorage({
        store,
        embedder: letterEmbedder,
        namespace: 'user',
        agentId: 'agent',
        recallIndexLimit: -1,
      }),
    ).rejects.toThrow('recallIndexLimit must be a whole number ≥ 0, got -1');

    const { storage, land } = await openHeldAppends({ recallIndexLimit: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    storage.handOverMessages([message('m2', 2, 'a heron nest here', '2024-03-02')]);
    // The store's search waits for the append of a message that may match.
    let searched = false;
    const search = storage.searchMessages('heron', 5).then((found) => {
      searched = true;
      return found;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(searched).toBe(false);
    land();
    expect((await search).map((m) => m.id).sort()).toEqual(['m0', 'm1', 'm2']);
    await storage.close();
  });

  it('carries the messages of a failed append into the next write, never writing one twice', async () => {
    const storage = await openRefusingAppends(1);
    const state = newAgentState({ id: 'agent', namespace: 'user', embedder: letterEmbedder });
    await storage.saveState({ ...state, stepCount: 1, queue: ['m1'], nextSeq: 1 }, [
      message('m1', 0, 'first', '2024-03-01'),
    ]);
    // A read writes what is handed over first: here it fails, and says so.
    await expect(storage.getMessages(['m1'])).rejects.toThrow('disk full');
    // A load in between: the handle still carries m1, and the next save writes it, once.
    await storage.loadState('agent');
    await storage.saveState({ ...state, stepCount: 2, queue: ['m1', 'm2'], nextSeq: 2 }, [
      message('m2', 1, 'second', '2024-03-02'),
    ]);
    expect((await storage.messagesBetween(new Date(0), new Date(), 10, 0)).map((m) => m.id)).toEqual([
      'm1',
      'm2',
    ]);
    await storage.close();
    const reader = await open('user', 'agent');
    await reader.loadState('agent');
    expect(appended).toEqual(['m1', 'm2']);
  });
});
