import { ConfigError } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { type AgentState, cloneState, parseAgentState } from './agent-state.js';
import { parseAgentConfig } from './config.js';

const state: AgentState = {
  formatVersion: 1,
  id: 'a1',
  namespace: 'u1',
  memoryNamespace: 'u1#a1',
  createdAt: '2024-05-07T10:00:00.000Z',
  embedder: { provider: 'onnx', modelId: 'glove-sif-100d', dimensions: 100 },
  instructions: 'You are an agent.',
  blocks: [{ label: 'human', value: 'Name: Ana', limit: 100 }],
  summary: '',
  summarizedCount: 0,
  queue: ['m1'],
  config: parseAgentConfig({}),
  nextSeq: 1,
  recallCount: 1,
  archivalCount: 0,
  stepCount: 1,
  memoryPressureWarned: false,
  heartbeatsPausedUntil: null,
};

describe('saved agent state', () => {
  it('round-trips through JSON', () => {
    expect(parseAgentState(JSON.stringify(state), 'a1')).toEqual(state);
  });

  it('names what is wrong in a damaged state', () => {
    expect(() => parseAgentState('{"formatVersion": 1', 'a1')).toThrow(
      /saved state of agent "a1": .*not JSON/,
    );
    const damaged = { ...state, blocks: [{ label: 'human', value: 7, limit: 100 }] };
    expect(() => parseAgentState(JSON.stringify(damaged), 'a1')).toThrow(ConfigError);
    expect(() => parseAgentState(JSON.stringify(damaged), 'a1')).toThrow(/blocks\.0\.value/);
  });

  it('copies deeply, so a step draft never changes the saved state', () => {
    const copy = cloneState(state);
    copy.queue.push('m2');
    (copy.blocks[0] as { value: string }).value = 'changed';
    expect(state.queue).toEqual(['m1']);
    expect(state.blocks[0]?.value).toBe('Name: Ana');
  });
});

describe('agent config', () => {
  it('fills defaults and rejects unknown or inconsistent settings, naming them', () => {
    expect(parseAgentConfig({}).warningThreshold).toBe(0.7);
    expect(() => parseAgentConfig({ warningTreshold: 0.5 })).toThrow(/warningTreshold/);
    expect(() => parseAgentConfig({ warningThreshold: 0.9, flushThreshold: 0.8 })).toThrow(
      /warningThreshold: must not be above flushThreshold/,
    );
    expect(() => parseAgentConfig({ maxChainLength: 0 })).toThrow(/maxChainLength/);
  });
});
