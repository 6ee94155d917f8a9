import { createInMemoryStore, type MemoryStore, type RowOf, where } from '@loci/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFakeLanguageModel, say } from './__fixtures__/fake-language-model.js';
import { letterEmbedder } from './__fixtures__/letter-embedder.js';
import { agentNamespace } from './agent-storage.js';
import { AgentLeaseLostError, AgentLockedError, createAgent, loadAgent } from './index.js';
import { agentsTable, leasesTable, messagesTable } from './tables.js';

let store: MemoryStore;
beforeEach(() => {
  store = createInMemoryStore();
});
afterEach(async () => {
  await store.close();
});

const model = createFakeLanguageModel(() => say('ok'));
const providers = () => ({ model, embedder: letterEmbedder, store, namespace: 'u1' });
const namespace = agentNamespace('u1', 'ana');

/** A claim written as another process would: the next token, held by `other`. */
async function claimAsOther(expiresInMs: number): Promise<RowOf<typeof leasesTable>> {
  const leases = await store.openTable(leasesTable);
  const claims = await leases.query({ namespace });
  const token = Math.max(0, ...claims.map((claim) => claim.token)) + 1;
  const now = Date.now();
  const row = {
    id: `ana:${token}:other`,
    agentId: 'ana',
    token,
    owner: 'other',
    acquiredAt: new Date(now - 1000),
    expiresAt: new Date(now + expiresInMs),
    released: false,
    stateVersion: Math.max(-1, ...claims.map((claim) => claim.stateVersion)),
  };
  await leases.add({ namespace, rows: [row] });
  return row;
}

describe('the single-writer lease', () => {
  it('refuses a second opener with the holder, since when and until when', async () => {
    const agent = await createAgent({ ...providers(), id: 'ana' });
    const refused = await loadAgent({ ...providers(), id: 'ana' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AgentLockedError);
    const locked = refused as AgentLockedError;
    expect(locked).toMatchObject({ code: 'agent_locked', agentId: 'ana', namespace: 'u1', expired: false });
    expect(locked.owner).toMatch(new RegExp(`^${process.pid}-`));
    expect(locked.expiresAt.getTime()).toBeGreaterThan(Date.now());
    expect(locked.since.getTime()).toBeLessThanOrEqual(Date.now());
    await agent.close();
    // Released by close(): the next opener needs no take-over.
    await (await loadAgent({ ...providers(), id: 'ana' })).close();
  });

  it('takes over an expired lease only when asked to', async () => {
    await (await createAgent({ ...providers(), id: 'ana' })).close();
    await claimAsOther(-1);
    const refused = await loadAgent({ ...providers(), id: 'ana' }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'agent_locked', owner: 'other', expired: true });
    const agent = await loadAgent({ ...providers(), id: 'ana', takeOver: true });
    expect((await agent.step('hello')).messages).toEqual(['ok']);
    await agent.close();
  });

  it('waits for a lease to expire, then takes it', async () => {
    await (await createAgent({ ...providers(), id: 'ana' })).close();
    await claimAsOther(300);
    const started = Date.now();
    const agent = await loadAgent({ ...providers(), id: 'ana', waitForLeaseMs: 5000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await agent.close();
    await claimAsOther(60_000);
    await expect(loadAgent({ ...providers(), id: 'ana', waitForLeaseMs: 300 })).rejects.toMatchObject({
      code: 'agent_locked',
      expired: false,
    });
  });

  it('fences off a holder whose lease was taken over: its save fails and writes nothing', async () => {
    const agent = await createAgent({ ...providers(), id: 'ana' });
    await agent.step('first');
    const before = agent.state();
    await claimAsOther(60_000);
    // As after a pause past its lease (the only way another opener gets it): the holder's clock is
    // beyond its lease, so its save looks at the store before writing.
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now + 60_000);
    const failure = await agent.step('second').catch((error: unknown) => error);
    clock.mockRestore();
    expect(failure).toBeInstanceOf(AgentLeaseLostError);
    expect(failure).toMatchObject({ code: 'agent_lease_lost', holder: 'other' });
    expect(agent.state()).toEqual(before);
    const agents = await store.openTable(agentsTable);
    const versions = (await agents.query({ namespace: 'u1' })).map((row) => row.version);
    expect(Math.max(...versions)).toBe(before.stepCount);
    await agent.close();
  });

  it('fences the messages written behind a step: they do not land after a take-over', async () => {
    // Searches go to the store (and so wait for the messages written behind).
    const agent = await createAgent({ ...providers(), id: 'ana', recallIndexLimit: 0 });
    await agent.step('first');
    // The step's messages wait to be appended; the lease is taken over before they are.
    await claimAsOther(60_000);
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now + 60_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(agent.searchRecall('first', 5)).rejects.toBeInstanceOf(AgentLeaseLostError);
    clock.mockRestore();
    const messages = await store.openTable(messagesTable);
    expect(await messages.query({ namespace })).toEqual([]);
    // They are in the saved state's row, for the next holder's open to write.
    const agents = await store.openTable(agentsTable);
    const [row] = await agents.query({ namespace: 'u1', filter: where.eq('version', 1) });
    expect(row?.state).toContain('"content":"first"');
    await agent.close().catch(() => undefined);
  });

  it('never reads a state row written under an older token after a take-over', async () => {
    const agent = await createAgent({ ...providers(), id: 'ana' });
    await agent.step('first');
    const saved = agent.state();
    await claimAsOther(-1);
    const next = await loadAgent({ ...providers(), id: 'ana', takeOver: true });
    // A stale writer's row, as if its save slipped in between its check and the take-over.
    const agents = await store.openTable(agentsTable);
    const stale = { ...saved, stepCount: saved.stepCount + 5, summary: 'stale' };
    await agents.add({
      namespace: 'u1',
      rows: [
        {
          id: `ana@${stale.stepCount}.t1`,
          agentId: 'ana',
          version: stale.stepCount,
          state: JSON.stringify(stale),
          updatedAt: new Date(),
        },
      ],
    });
    expect(next.state()).toEqual(saved);
    await next.close();
    // Nor later: the stale row is above the accepted version, not a gap in its history.
    const loaded = await loadAgent({ ...providers(), id: 'ana' });
    expect(loaded.state()).toEqual(saved);
    await loaded.close();
  });
});

describe('state versions', () => {
  it('keeps the last few versions', async () => {
    const agent = await createAgent({ ...providers(), id: 'ana', keepStates: 4 });
    for (let index = 0; index < 12; index++) await agent.step(`message ${index}`);
    const agents = await store.openTable(agentsTable);
    const versions = (await agents.query({ namespace: 'u1' }))
      .map((row) => row.version)
      .sort((a, b) => a - b);
    expect(versions.length).toBeLessThanOrEqual(4 + 5);
    expect(versions.at(-1)).toBe(12);
    expect(versions[0]).toBeGreaterThan(0);
    await agent.close();
    expect((await loadAgent({ ...providers(), id: 'ana' })).state().stepCount).toBe(12);
  });

  it('reports a lost newest version instead of rewinding', async () => {
    const agent = await createAgent({ ...providers(), id: 'ana' });
    for (let index = 0; index < 3; index++) await agent.step(`message ${index}`);
    await agent.close();
    const agents = await store.openTable(agentsTable);
    const newest = (await agents.query({ namespace: 'u1' })).filter((row) => row.version === 3);
    await agents.delete({ namespace: 'u1', ids: newest.map((row) => row.id) });
    await expect(loadAgent({ ...providers(), id: 'ana' })).rejects.toMatchObject({
      code: 'agent_state_damaged',
      versionsFound: [2, 1, 0],
      expectedVersion: 3,
    });
  });

  it('reports a missing version in the middle', async () => {
    const agent = await createAgent({ ...providers(), id: 'ana' });
    for (let index = 0; index < 3; index++) await agent.step(`message ${index}`);
    await agent.close();
    const agents = await store.openTable(agentsTable);
    const middle = (await agents.query({ namespace: 'u1' })).filter((row) => row.version === 1);
    await agents.delete({ namespace: 'u1', ids: middle.map((row) => row.id) });
    await expect(loadAgent({ ...providers(), id: 'ana' })).rejects.toMatchObject({
      code: 'agent_state_damaged',
      versionsFound: [3, 2, 0],
    });
  });
});
