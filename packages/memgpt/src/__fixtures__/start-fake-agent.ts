import type { LanguageModel, Memory } from '@loci/core';
import { startAgent } from '../agent.js';
import type { AgentEvent } from '../agent-events.js';
import { newAgentState, saveNewAgent } from '../agent-persistence.js';
import type { AgentTool } from '../agent-tool.js';
import type { AgentConfigInput } from '../config.js';
import type { BlockInput } from '../core-memory.js';
import { createInMemoryAgentStorage, fakeEmbedder } from './in-memory-agent-storage.js';

/** A new agent on in-memory storage and the given (fake) model: no store, no embedder, no HTTP. */
export async function startFakeAgent(options: {
  model: LanguageModel;
  config?: AgentConfigInput;
  blocks?: Record<string, BlockInput>;
  memories?: Memory[];
  tools?: AgentTool[];
  onEvent?: (event: AgentEvent) => void;
}) {
  const storage = createInMemoryAgentStorage('user', 'agent');
  const state = newAgentState({
    id: 'agent',
    namespace: 'user',
    embedder: fakeEmbedder,
    blocks: options.blocks ?? { persona: 'I am Sam.', human: { value: 'Name: unknown', limit: 120 } },
    config: options.config,
  });
  const agent = startAgent(options, storage, await saveNewAgent(storage, state));
  return { agent, storage };
}
