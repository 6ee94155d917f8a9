import type { EmbeddingModel } from '@loci/core';
import { ConfigError, StoreError } from '@loci/core';
import { AgentExistsError, AgentNotFoundError } from './agent-errors.js';
import type { AgentState } from './agent-state.js';
import { type AgentStorage, agentNamespace } from './agent-storage.js';
import { type AgentConfigInput, parseAgentConfig } from './config.js';
import { type BlockInput, createBlocks } from './core-memory.js';
import type { StoredMessage } from './stored-message.js';
import { defaultSystemInstructions } from './system-instructions.js';

/** A saved agent ready to run: its state, the messages of its queue and the seq of its next message. */
export interface RestoredAgent {
  state: AgentState;
  queue: StoredMessage[];
  nextSeq: number;
}

type EmbedderFacts = Pick<EmbeddingModel, 'provider' | 'modelId' | 'dimensions'>;

/** The state of a new agent (config and blocks checked); nothing is saved yet. */
export function newAgentState(options: {
  id: string;
  namespace: string;
  embedder: EmbedderFacts;
  blocks?: Record<string, BlockInput> | undefined;
  config?: AgentConfigInput | undefined;
  memoryNamespace?: string | undefined;
  systemInstructions?: string | undefined;
}): AgentState {
  const { id, namespace } = options;
  const config = parseAgentConfig(options.config);
  return {
    formatVersion: 1,
    id,
    namespace,
    memoryNamespace: options.memoryNamespace ?? agentNamespace(namespace, id),
    createdAt: new Date().toISOString(),
    embedder: {
      provider: options.embedder.provider,
      modelId: options.embedder.modelId,
      dimensions: options.embedder.dimensions,
    },
    instructions: options.systemInstructions ?? defaultSystemInstructions,
    blocks: createBlocks(options.blocks, config.defaultBlockLimit),
    summary: '',
    summarizedCount: 0,
    queue: [],
    config,
    nextSeq: 0,
    recallCount: 0,
    archivalCount: 0,
    stepCount: 0,
    memoryPressureWarned: false,
    heartbeatsPausedUntil: null,
  };
}

/** Saves the first state of a new agent; fails with `agent_exists` when its id is taken. */
export async function saveNewAgent(storage: AgentStorage, state: AgentState): Promise<RestoredAgent> {
  if (await storage.loadState(state.id)) {
    throw new AgentExistsError({ agentId: state.id, namespace: state.namespace });
  }
  await storage.saveState(state);
  return { state, queue: [], nextSeq: 0 };
}

/**
 * Loads a saved agent with its queue. Fails with `agent_not_found`, when the embedder differs from
 * the one the agent was created with, or with `agent_state_damaged` when queued messages are gone.
 */
export async function restoreAgent(
  storage: AgentStorage,
  options: {
    id: string;
    embedder: EmbedderFacts;
    storeUri: string;
    config?: Partial<AgentConfigInput> | undefined;
  },
): Promise<RestoredAgent> {
  const { id, embedder } = options;
  const saved = await storage.loadState(id);
  if (!saved)
    throw new AgentNotFoundError({ agentId: id, namespace: storage.namespace, storeUri: options.storeUri });
  if (saved.embedder.modelId !== embedder.modelId || saved.embedder.dimensions !== embedder.dimensions) {
    // Vectors of two embedders are not comparable: archival search would return noise.
    throw new ConfigError(
      `agent "${id}" stores archival passages with embedder ${saved.embedder.modelId} (${saved.embedder.dimensions} dimensions), ` +
        `but ${embedder.modelId} (${embedder.dimensions} dimensions) was given; load it with the same embedder`,
      [{ path: 'embedder', message: 'differs from the one the agent was created with' }],
    );
  }
  const state = options.config
    ? { ...saved, config: parseAgentConfig({ ...saved.config, ...options.config }) }
    : saved;
  const queue = await storage.getMessages(state.queue);
  if (queue.length !== state.queue.length) {
    const found = new Set(queue.map((message) => message.id));
    const missing = state.queue.filter((messageId) => !found.has(messageId));
    throw new StoreError(
      `agent "${id}": ${missing.length} queued messages are missing from recall storage (${missing.slice(0, 3).join(', ')}); the store was changed outside Loci`,
      { code: 'agent_state_damaged' },
    );
  }
  const nextSeq = Math.max(state.nextSeq, (await storage.lastSeq()) + 1);
  return { state, queue, nextSeq };
}
