import {
  type EmbeddingModel,
  type LanguageModel,
  type MemoryStore,
  type MemoryTable,
  where,
} from '@loci/core';
import { createLsh, decodeMatrix, encodeMatrix, type Lsh } from './lsh.js';
import type { ThoughtEvent, ThoughtStats } from './thought-events.js';
import type { ResolvedSettings } from './thought-memory-options.js';
import { lshTable, type PendingRow, pendingTable, type ThoughtRow, thoughtsTable } from './thought-tables.js';
import { createTurnQueue, type QueuedTurn, type TurnQueue } from './turn-queue.js';

export interface NamespaceState {
  namespace: string;
  lsh: Lsh;
  /** Whether the LSH matrix is in the store yet (it is written with the namespace's first thought). */
  lshStored: boolean;
  queue: TurnQueue;
  /** Writes of one namespace run one after the other. */
  lock: Promise<void>;
  /** The post-think run in progress, if any. */
  thinking?: Promise<void> | undefined;
  /** Another run was asked for while one was in progress. */
  again: boolean;
  /** Failed attempts since the last success. */
  attempts: number;
  idle?: NodeJS.Timeout | undefined;
  /** Open thoughts per bucket at its last consolidation pass. */
  consolidated: Map<number, number>;
  /** Writes so far; a count of open thoughts taken at an older generation is stale. */
  generation: number;
  /** Open thoughts in the namespace, counted at `generation`. */
  openCount?: { count: number; generation: number } | undefined;
}

type LshRow = { id: string; seed: number; buckets: number; dimensions: number; matrix: string };

/** What the parts of a thought memory share: providers, settings, tables, per-namespace state, counters. */
export interface MemoryContext {
  model: LanguageModel | undefined;
  embedder: EmbeddingModel;
  settings: ResolvedSettings;
  stats: Omit<
    ThoughtStats,
    'every' | 'callsPerExchange' | 'tokensPerExchange' | 'inputTokensPerExchange' | 'outputTokensPerExchange'
  >;
  emit(event: ThoughtEvent): void;
  thoughts(): Promise<MemoryTable<ThoughtRow>>;
  lshRows(): Promise<MemoryTable<LshRow>>;
  /** The post-think queue as stored: what a restart resumes. */
  pendingRows(): Promise<MemoryTable<PendingRow>>;
  /** Stores the turn, then queues it; returns whether it completed an exchange. */
  enqueue(state: NamespaceState, turn: QueuedTurn): Promise<boolean>;
  /** Removes turns from the queue and from the store (after a post-think over them, or a forget). */
  dequeue(state: NamespaceState, ids: readonly string[]): Promise<void>;
  state(namespace: string): Promise<NamespaceState>;
  states: Map<string, Promise<NamespaceState>>;
  /** Stores the namespace's LSH matrix if it is not stored yet. */
  storeLsh(state: NamespaceState): Promise<void>;
  /** Buckets to probe: all of them while the namespace has at most `exactUpTo` open thoughts. */
  probes(state: NamespaceState): Promise<number>;
  /** Runs `task` after every earlier write of the namespace. */
  exclusive<T>(state: NamespaceState, task: () => Promise<T>): Promise<T>;
}

export function createMemoryContext(options: {
  model: LanguageModel | undefined;
  embedder: EmbeddingModel;
  store: MemoryStore;
  settings: ResolvedSettings;
  onEvent: ((event: ThoughtEvent) => void) | undefined;
}): MemoryContext {
  const { embedder, store, settings, onEvent } = options;
  let thoughtTable: Promise<MemoryTable<ThoughtRow>> | undefined;
  let lshTableOpen: Promise<MemoryTable<LshRow>> | undefined;
  let pendingOpen: Promise<MemoryTable<PendingRow>> | undefined;
  // Increasing across restarts (a clock reading times a thousand, plus a counter), so stored turns keep their order.
  let sequence = Date.now() * 1000;
  const states = new Map<string, Promise<NamespaceState>>();

  const context: MemoryContext = {
    model: options.model,
    embedder,
    settings,
    states,
    stats: {
      turns: 0,
      exchanges: 0,
      postThinkCalls: 0,
      failedCalls: 0,
      inputTokens: 0,
      outputTokens: 0,
      created: 0,
      folded: 0,
      superseded: 0,
      dropped: 0,
      consolidated: 0,
    },
    emit(event) {
      try {
        onEvent?.(event);
      } catch {
        // A listener's failure must not break the memory.
      }
    },
    thoughts() {
      thoughtTable ??= store
        .openTable(thoughtsTable(embedder.modelId, embedder.dimensions))
        .then((table) => table as MemoryTable<ThoughtRow>);
      thoughtTable.catch(() => {
        thoughtTable = undefined;
      });
      return thoughtTable;
    },
    lshRows() {
      lshTableOpen ??= store.openTable(lshTable(embedder.modelId));
      lshTableOpen.catch(() => {
        lshTableOpen = undefined;
      });
      return lshTableOpen;
    },
    pendingRows() {
      pendingOpen ??= store
        .openTable(pendingTable(embedder.modelId))
        .then((table) => table as MemoryTable<PendingRow>);
      pendingOpen.catch(() => {
        pendingOpen = undefined;
      });
      return pendingOpen;
    },
    async enqueue(state, turn) {
      sequence = Math.max(sequence + 1, Date.now() * 1000);
      const table = await context.pendingRows();
      await table.upsert({
        namespace: state.namespace,
        rows: [{ id: turn.id, speaker: turn.speaker, text: turn.text, at: turn.at, seq: sequence }],
      });
      return state.queue.push(turn);
    },
    async dequeue(state, ids) {
      state.queue.remove(ids);
      // Without a model nothing was ever queued, and no table is opened for it.
      if (ids.length === 0 || !context.model) return;
      const table = await context.pendingRows();
      await table.delete({ namespace: state.namespace, ids });
    },
    state(namespace) {
      let existing = states.get(namespace);
      if (!existing) {
        existing = load(namespace);
        states.set(namespace, existing);
        existing.catch(() => states.delete(namespace));
      }
      return existing;
    },
    async storeLsh(state) {
      if (state.lshStored) return;
      const { lsh } = state;
      const table = await context.lshRows();
      await table.upsert({
        namespace: state.namespace,
        rows: [
          {
            id: 'lsh',
            seed: lsh.seed,
            buckets: lsh.buckets,
            dimensions: lsh.dimensions,
            matrix: encodeMatrix(lsh.matrix),
          },
        ],
      });
      state.lshStored = true;
    },
    async probes(state) {
      const { exactUpTo, probes } = settings;
      if (exactUpTo === 0 || probes >= state.lsh.buckets) return probes;
      const generation = state.generation;
      if (state.openCount?.generation !== generation) {
        const table = await context.thoughts();
        const count = await table.count({ namespace: state.namespace, filter: where.isNull('valid_to') });
        if (state.generation === generation) state.openCount = { count, generation };
        return count <= exactUpTo ? state.lsh.buckets : probes;
      }
      return state.openCount.count <= exactUpTo ? state.lsh.buckets : probes;
    },
    exclusive(state, task) {
      // Whatever the task writes makes the namespace's count of open thoughts stale: a count taken
      // while it runs, too, so the generation moves when it starts and when it ends.
      state.generation++;
      const run = state.lock.then(task);
      const ended = () => {
        state.generation++;
      };
      state.lock = run.then(ended, ended);
      return run;
    },
  };

  /** The namespace's state, with its LSH matrix: the stored one, else a new one from the seed. */
  async function load(namespace: string): Promise<NamespaceState> {
    const table = await context.lshRows();
    const [saved] = await table.get({ namespace, ids: ['lsh'] });
    // A new namespace's matrix is made from the seed now and stored with its first thought, so a
    // recall of an empty namespace writes nothing.
    const lsh =
      saved && saved.dimensions === embedder.dimensions
        ? createLsh({
            dimensions: saved.dimensions,
            buckets: saved.buckets,
            seed: saved.seed,
            matrix: decodeMatrix(saved.matrix),
          })
        : createLsh({ dimensions: embedder.dimensions, buckets: settings.buckets, seed: settings.seed });
    // Turns a previous process queued and did not post-think: queued again, in observed order.
    const queue = createTurnQueue();
    if (options.model) {
      const pending = await (await context.pendingRows()).query({
        namespace,
        orderBy: { field: 'seq', direction: 'asc' },
      });
      for (const row of pending) queue.push({ id: row.id, speaker: row.speaker, text: row.text, at: row.at });
    }
    return {
      namespace,
      lsh,
      lshStored: saved !== undefined && saved.dimensions === embedder.dimensions,
      queue,
      lock: Promise.resolve(),
      again: false,
      attempts: 0,
      consolidated: new Map(),
      generation: 0,
    };
  }

  return context;
}
