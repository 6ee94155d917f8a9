import type { EmbeddingModel, LanguageModel, Memory, MemoryStore } from '@loci/core';
import { ConfigError } from '@loci/core';
import { type AgentEvent, createEventHub } from './agent-events.js';
import { type ArchivalInsert, type CoreMemoryEdit, createAgentMemoryOps } from './agent-memory-ops.js';
import { newAgentState, type RestoredAgent, restoreAgent, saveNewAgent } from './agent-persistence.js';
import { type AgentState, cloneState } from './agent-state.js';
import { type AgentStorage, type ArchivalPassage, checkName } from './agent-storage.js';
import type { AgentTool } from './agent-tool.js';
import type { AgentConfigInput } from './config.js';
import { createContextManager } from './context-manager.js';
import type { Block, BlockInput } from './core-memory.js';
import type { RenderedContext } from './main-context.js';
import { runStep, type StepInput, type StepResult } from './run-step.js';
import { openAgentStorage } from './store-agent-storage.js';
import type { StoredMessage } from './stored-message.js';
import { createToolbox } from './tool-execution.js';

/** A MemGPT agent opened by `createAgent` or `loadAgent`; holds the store lease until `close()`. */
export interface Agent {
  readonly id: string;
  readonly namespace: string;
  /** Runs one user input through the agent: LLM calls, functions, heartbeats; saves the state at the end. */
  step(input: StepInput | string, options?: { signal?: AbortSignal }): Promise<StepResult>;
  /** Every event from now on; ends when the agent is closed or the signal aborts. */
  events(options?: { signal?: AbortSignal }): AsyncIterableIterator<AgentEvent>;
  /** A copy of the saved state (blocks, summary, queue ids, config). */
  state(): AgentState;
  /** A copy of the core memory blocks as saved. */
  blocks(): Block[];
  /** The recursive summary of messages evicted from the queue ('' for a new agent). */
  summary(): string;
  /** The FIFO queue as saved (without the summary). */
  queue(): StoredMessage[];
  /** The main context the next LLM call would start from. */
  context(): RenderedContext;
  /** Recall storage (every message of the agent) searched by text; `limit` defaults to 10. */
  searchRecall(query: string, limit?: number): Promise<StoredMessage[]>;
  /** Archival passages nearest the query; `limit` defaults to 10. */
  searchArchival(query: string, limit?: number): Promise<ArchivalPassage[]>;
  /**
   * Stores a passage in archival memory as `archival_memory_insert` does (`at` defaults to now).
   * Like the two edits below: runs after the steps already called, is saved as a new state version
   * (fenced by the lease: `agent_lease_lost` once another process took the agent over), and throws
   * the function's own errors (`ConfigError` for bad arguments) with nothing written.
   */
  insertArchival(text: string, options?: { at?: Date }): Promise<ArchivalInsert>;
  /** Appends to a core memory block as `core_memory_append` does (`CoreMemoryEditError`: no such block, over its limit). */
  appendCoreMemory(label: string, content: string): Promise<CoreMemoryEdit>;
  /** Replaces text in a core memory block as `core_memory_replace` does; an empty `newContent` deletes. */
  replaceCoreMemory(label: string, oldContent: string, newContent: string): Promise<CoreMemoryEdit>;
  /**
   * Flushes attached memories, ends event iterators and releases the agent's lease. The store stays
   * open (the caller owns it).
   */
  close(): Promise<void>;
}

interface SharedOptions {
  model: LanguageModel;
  embedder: EmbeddingModel;
  store: MemoryStore;
  /** Whose agent this is (a user or tenant). Default "default". */
  namespace?: string;
  /** Same as `namespace`. */
  userId?: string;
  /** Memory systems: every turn is observed, and `recall` fills the recalled-memory section. */
  memories?: Memory[];
  /** Extra functions the LLM can call, next to the built-in ones. */
  tools?: AgentTool[];
  /** Receives every event of every step, deltas included, synchronously as it happens. */
  onEvent?: (event: AgentEvent) => void;
  /**
   * One process at a time writes an agent: opening it takes a lease kept in the store, renewed in
   * the background and released by `close()`. How long it lasts unrenewed (default 30 s).
   */
  leaseMs?: number;
  /** Take over a lease whose holder let it expire (crashed, killed or paused); otherwise `agent_locked`. */
  takeOver?: boolean;
  /** Wait up to this long for the holder to release the lease or let it expire, then take it over. */
  waitForLeaseMs?: number;
  /** State versions kept in the store (default 20); older ones are pruned. */
  keepStates?: number;
  /**
   * Messages of recall storage kept in memory, so that `conversation_search` is a lookup in the
   * process (default 20,000; 0: always search the store). An agent with more is searched in the store.
   */
  recallIndexLimit?: number;
}

/** Options of `createAgent`; throws `AgentExistsError` when the id is taken. */
export interface CreateAgentOptions extends SharedOptions {
  /** Agent id (default a random UUID): letters, digits, "_", ".", "@", "-". */
  id?: string;
  /** Core memory blocks: `persona`, `human` and custom ones, as text or `{ value, limit, description }`. */
  blocks?: Record<string, BlockInput>;
  config?: AgentConfigInput;
  /** Namespace passed to the memory systems (default: the agent's own, so nothing is shared). */
  memoryNamespace?: string;
  systemInstructions?: string;
}

/** Options of `loadAgent`; throws `AgentNotFoundError` for an unknown id. */
export interface LoadAgentOptions extends SharedOptions {
  id: string;
  /** Overrides of the saved config for this session (saved with the next step). */
  config?: Partial<AgentConfigInput>;
}

function resolveNamespace(options: SharedOptions): string {
  const { namespace, userId } = options;
  if (namespace !== undefined && userId !== undefined && namespace !== userId) {
    throw new ConfigError(`namespace "${namespace}" and userId "${userId}" differ; give one of them`, [
      { path: 'namespace', message: 'conflicts with userId' },
    ]);
  }
  return checkName(namespace ?? userId ?? 'default', 'namespace');
}

/**
 * Creates and saves a new agent. Fails with `agent_exists` if the id is taken (use `loadAgent` to
 * resume), `agent_locked` if another process has it open.
 */
export async function createAgent(options: CreateAgentOptions): Promise<Agent> {
  const namespace = resolveNamespace(options);
  const id = checkName(options.id ?? crypto.randomUUID(), 'agent id');
  const state = newAgentState({ ...options, id, namespace });
  const storage = await openAgentStorage({ ...options, namespace, agentId: id, lease: options });
  const saved = await saveNewAgent(storage, state).catch(async (error: unknown) => {
    await storage.close();
    throw error;
  });
  return startAgent(options, storage, saved);
}

/**
 * Resumes a saved agent with the same core memory, summary, queue and config. Fails with
 * `agent_not_found`, `agent_locked` (another process has it open) or `agent_state_damaged`.
 */
export async function loadAgent(options: LoadAgentOptions): Promise<Agent> {
  const namespace = resolveNamespace(options);
  const id = checkName(options.id, 'agent id');
  const storage = await openAgentStorage({ ...options, namespace, agentId: id, lease: options });
  const restored = await restoreAgent(storage, { ...options, id, storeUri: options.store.uri }).catch(
    async (error: unknown) => {
      await storage.close();
      throw error;
    },
  );
  return startAgent(options, storage, restored);
}

/** The agent object over its storage: steps run one at a time, each on a draft of the saved state. */
export function startAgent(
  options: Omit<SharedOptions, 'embedder' | 'store'>,
  storage: AgentStorage,
  restored: RestoredAgent,
): Agent {
  const { model, memories = [] } = options;
  let state = restored.state;
  const toolbox = createToolbox(options.tools);
  const hub = createEventHub();
  const context = createContextManager({ model, toolTokens: toolbox.tokens, queue: restored.queue });
  const runtime = {
    model,
    storage,
    toolbox,
    context,
    memories,
    sequence: { next: restored.nextSeq },
    emit(event: AgentEvent) {
      hub.emit(event);
      options.onEvent?.(event);
    },
    commit(saved: AgentState) {
      state = saved;
      context.prune(state);
    },
  };
  const memoryOps = createAgentMemoryOps({ storage, state: () => state, commit: runtime.commit });
  let tail: Promise<unknown> = Promise.resolve();
  // Steps and memory edits run one at a time, in call order.
  function serial<T>(run: () => Promise<T>): Promise<T> {
    const done = tail.then(run);
    tail = done.catch(() => undefined);
    return done;
  }

  async function step(input: StepInput | string, signal: AbortSignal | undefined): Promise<StepResult> {
    try {
      return await runStep(runtime, state, input, signal);
    } catch (error) {
      // Messages of the dropped step leave the cache with it (they stay in recall storage).
      context.prune(state);
      throw error;
    }
  }

  return {
    id: state.id,
    namespace: state.namespace,
    step: (input, stepOptions) => serial(() => step(input, stepOptions?.signal)),
    events: (eventOptions) => hub.subscribe(eventOptions?.signal),
    state: () => cloneState(state),
    blocks: () => state.blocks.map((block) => ({ ...block })),
    summary: () => state.summary,
    queue: () => context.queued(state),
    context: () => context.render(state, ''),
    searchRecall: (query, limit = 10) => storage.searchMessages(query, limit),
    searchArchival: (query, limit = 10) => storage.searchPassages(query, limit),
    insertArchival: (text, insertOptions) => serial(() => memoryOps.insertArchival(text, insertOptions?.at)),
    appendCoreMemory: (label, content) => serial(() => memoryOps.appendCoreMemory(label, content)),
    replaceCoreMemory: (label, oldContent, newContent) =>
      serial(() => memoryOps.replaceCoreMemory(label, oldContent, newContent)),
    async close() {
      await tail;
      try {
        for (const memory of memories) await memory.flush?.();
      } finally {
        hub.close();
        await storage.close();
      }
    },
  };
}
