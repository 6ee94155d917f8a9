import { createInMemoryStore, type MemoryStore } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { forgetAgent } from './forget-agent.js';
import { agentsTable, archivalTable, leasesTable, messagesTable } from './tables.js';

const at = new Date('2026-01-01T00:00:00Z');

async function plant(store: MemoryStore, user: string, agentId: string): Promise<void> {
  const own = `${user}#${agentId}`;
  await (await store.openTable(agentsTable)).add({
    namespace: user,
    rows: [{ id: `${agentId}@1`, agentId, version: 1, state: '{}', updatedAt: at }],
  });
  await (await store.openTable(leasesTable)).add({
    namespace: own,
    rows: [
      {
        id: `${agentId}:1:me`,
        agentId,
        token: 1,
        owner: 'me',
        acquiredAt: at,
        expiresAt: at,
        released: true,
        stateVersion: 1,
      },
    ],
  });
  await (await store.openTable(messagesTable)).add({
    namespace: own,
    rows: [0, 1].map((seq) => ({
      id: `m${seq}`,
      seq,
      kind: 'user',
      content: `secret of ${own}`,
      search: `secret of ${own}`,
      data: '{}',
      stepId: 's',
      at,
    })),
  });
  await (await store.openTable(archivalTable(3))).add({
    namespace: own,
    rows: [{ id: 'p1', text: `passage of ${own}`, at, vector: Float32Array.from([1, 0, 0]) }],
  });
}

async function counts(store: MemoryStore, user: string, agentId: string): Promise<number[]> {
  const own = `${user}#${agentId}`;
  return [
    await (await store.openTable(agentsTable)).count({ namespace: user }),
    await (await store.openTable(leasesTable)).count({ namespace: own }),
    await (await store.openTable(messagesTable)).count({ namespace: own }),
    await (await store.openTable(archivalTable(3))).count({ namespace: own }),
  ];
}

describe('forgetAgent', () => {
  it("deletes one agent's state, leases, messages and passages, and nothing of other agents or users", async () => {
    const store = createInMemoryStore();
    await plant(store, 'alice', 'a1');
    await plant(store, 'alice', 'a2');
    await plant(store, 'bob', 'a1');
    const result = await forgetAgent({ store, namespace: 'alice', agentId: 'a1' });
    expect(result.agentIds).toEqual(['a1']);
    expect(result.removed).toEqual({
      memgpt_agents: 1,
      memgpt_agent_leases: 1,
      memgpt_messages: 2,
      memgpt_archival_3: 1,
    });
    expect(await counts(store, 'alice', 'a1')).toEqual([1, 0, 0, 0]);
    expect((await counts(store, 'alice', 'a2')).slice(1)).toEqual([1, 2, 1]);
    expect(await counts(store, 'bob', 'a1')).toEqual([1, 1, 2, 1]);
  });

  it('deletes every agent of a user when no agent is named', async () => {
    const store = createInMemoryStore();
    await plant(store, 'alice', 'a1');
    await plant(store, 'alice', 'a2');
    await plant(store, 'bob', 'a1');
    const result = await forgetAgent({ store, namespace: 'alice' });
    expect(result.agentIds).toEqual(['a1', 'a2']);
    expect(result.removed['memgpt_messages']).toBe(4);
    expect(await counts(store, 'alice', 'a2')).toEqual([0, 0, 0, 0]);
    expect(await counts(store, 'bob', 'a1')).toEqual([1, 1, 2, 1]);
  });
});
