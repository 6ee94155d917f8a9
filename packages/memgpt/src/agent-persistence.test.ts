import { ConfigError, LociError } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { createInMemoryAgentStorage, fakeEmbedder } from './__fixtures__/in-memory-agent-storage.js';
import { AgentExistsError, AgentNotFoundError } from './agent-errors.js';
import { newAgentState, restoreAgent, saveNewAgent } from './agent-persistence.js';
import { parseAgentState } from './agent-state.js';

const newState = (config = {}) =>
  newAgentState({ id: 'agent', namespace: 'user', embedder: fakeEmbedder, config });

describe('agent persistence', () => {
  it('gives a new agent its own namespace for memory systems unless one is given', () => {
    expect(newState().memoryNamespace).toBe('user#agent');
    expect(
      newAgentState({ id: 'a', namespace: 'u', embedder: fakeEmbedder, memoryNamespace: 'shared' })
        .memoryNamespace,
    ).toBe('shared');
  });

  it('refuses an id that is taken with agent_exists and its facts', async () => {
    const storage = createInMemoryAgentStorage();
    await saveNewAgent(storage, newState());
    const failure = await saveNewAgent(storage, newState()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AgentExistsError);
    expect(failure).toMatchObject({
      code: 'agent_exists',
      category: 'user',
      agentId: 'agent',
      namespace: 'user',
    });
    expect((failure as Error).message).not.toMatch(/loci /);
  });

  it('restores the queue and the next seq, and names what is missing', async () => {
    const storage = createInMemoryAgentStorage();
    const state = newState({ pageSize: 3 });
    const message = { id: 'm1', seq: 4, kind: 'user' as const, content: 'hi', at: new Date(), stepId: 's' };
    await storage.appendMessages([message]);
    await storage.saveState({ ...state, queue: ['m1'], nextSeq: 2 });
    const restored = await restoreAgent(storage, {
      id: 'agent',
      embedder: fakeEmbedder,
      storeUri: 'memory://',
      config: { pageSize: 7 },
    });
    expect(restored.queue).toEqual([message]);
    expect(restored.nextSeq).toBe(5);
    expect(restored.state.config.pageSize).toBe(7);

    const missing = await restoreAgent(storage, {
      id: 'other',
      embedder: fakeEmbedder,
      storeUri: 'memory://',
    }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(AgentNotFoundError);
    expect(missing).toMatchObject({
      code: 'agent_not_found',
      agentId: 'other',
      namespace: 'user',
      storeUri: 'memory://',
    });
    expect((missing as Error).message).not.toMatch(/loci|createAgent/);

    await expect(
      restoreAgent(storage, {
        id: 'agent',
        embedder: { ...fakeEmbedder, dimensions: 4 },
        storeUri: 'memory://',
      }),
    ).rejects.toBeInstanceOf(ConfigError);
    await storage.saveState({ ...state, queue: ['m1', 'gone'] });
    const damaged = await restoreAgent(storage, {
      id: 'agent',
      embedder: fakeEmbedder,
      storeUri: 'memory://',
    }).catch((error: unknown) => error);
    expect(LociError.isInstance(damaged) && damaged.code).toBe('agent_state_damaged');
  });

  it('loads a state saved with the retired maintenanceEverySteps key, and still accepts it as input', () => {
    const saved = { ...newState(), config: { ...newState().config, maintenanceEverySteps: 100 } };
    const parsed = parseAgentState(JSON.stringify(saved), 'agent');
    expect(parsed.config).toEqual(newState().config);
    expect('maintenanceEverySteps' in parsed.config).toBe(false);
    expect(newState({ maintenanceEverySteps: 5 }).config).toEqual(newState().config);
  });
});
