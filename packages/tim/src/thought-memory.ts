import {
  ConfigError,
  cosine,
  embedInBatches,
  fitToBudget,
  type Memory,
  namespaceSchema,
  type ObserveOptions,
  parseObserveOptions,
  parseRecallOptions,
  parseWith,
  type Recalled,
  type RecallOptions,
  turnKeyText,
} from '@loci/core';
import { z } from 'zod';
import { createMemoryContext, type NamespaceState } from './memory-context.js';
import { applyWrites, countOutcomes, schedulePostThink } from './post-think-runner.js';
import { rankRecall } from './recall-ranking.js';
import { type Thought, type ThoughtInput, thoughtInputSchema } from './thought.js';
import type { ThoughtStats } from './thought-events.js';
import {
  type ForgetOptions,
  forgetThoughts,
  type ListThoughtsOptions,
  listThoughts,
} from './thought-listing.js';
import { optionsSchema, resolveSettings, type ThoughtMemoryOptions } from './thought-memory-options.js';
import { searchThoughts } from './thought-search.js';
import type { ThoughtWrite, WriteOutcome } from './thought-writer.js';

/** `Memory.recall` options plus a switch for closed thoughts. */
export interface ThoughtRecallOptions extends RecallOptions {
  /** Also closed (superseded, contradicted) thoughts. Default false. */
  history?: boolean;
}

/** A TiM `Memory` plus the thought API for apps that only want thoughts. */
export interface ThoughtMemory extends Memory {
  /** Thoughts (and queued turns) nearest the query, valid ones only unless `history`. */
  recall(options: ThoughtRecallOptions): Promise<Recalled[]>;
  /** Supplied thoughts (no model needed); returns what became of each, in order. */
  addThoughts(options: { namespace: string; thoughts: readonly ThoughtInput[] }): Promise<WriteOutcome[]>;
  /** Stored thoughts, without a query; for inspection and export. */
  listThoughts(options: ListThoughtsOptions): Promise<Thought[]>;
  /** Every thought about `subject`, closed ones too, oldest first. */
  history(options: { namespace: string; subject: string }): Promise<Thought[]>;
  /** Hard deletion: the thoughts (and queued turns) go, and nothing of them stays searchable. */
  forget(options: ForgetOptions): Promise<{ thoughts: number; turns: number }>;
  /** `Memory.forget`: all of the namespace (thoughts, queued turns, LSH matrix); returns the thoughts removed. */
  forget(options: { namespace: string }): Promise<number>;
  /** Awaits post-thinking of everything queued; rejects (turns kept) when a call fails. */
  flush(): Promise<void>;
  /** Counters since creation: post-think calls, tokens, thoughts written and dropped. */
  stats(): ThoughtStats;
  /** Flushes queued turns, then stops idle timers; rejects like `flush` when post-thinking fails. */
  close(): Promise<void>;
}

const addSchema = z.object({
  namespace: namespaceSchema,
  thoughts: z.array(thoughtInputSchema).max(100_000),
});

/**
 * Think-in-Memory (Liu et al. 2023) as a Loci `Memory`: observed turns are post-thought in batches
 * into thoughts (triple + sentence + source turn ids) that live in LSH buckets; recall probes the
 * query's best buckets, fuses that vector search with text search, and returns the thoughts valid
 * at `at` (the present by default). See docs/tim.md.
 */
export function createThoughtMemory(options: ThoughtMemoryOptions): ThoughtMemory {
  const config = parseWith(
    optionsSchema,
    { ...options, model: undefined, embedder: undefined, store: undefined, onEvent: undefined },
    'TiM options',
  );
  const settings = resolveSettings(config);
  if (!options.embedder || !options.store) {
    throw new ConfigError('TiM needs an embedder and a store', [
      { path: options.embedder ? 'store' : 'embedder', message: 'required' },
    ]);
  }
  const context = createMemoryContext({
    model: options.model,
    embedder: options.embedder,
    store: options.store,
    settings,
    onEvent: options.onEvent,
  });
  const { embedder } = context;

  function trigger(state: NamespaceState, force: boolean): Promise<void> {
    const run = schedulePostThink(context, state, force);
    if (settings.background) {
      run.catch(() => undefined); // reported as an event; the turns stay queued
      return Promise.resolve();
    }
    return run.catch(() => undefined);
  }

  function armIdle(state: NamespaceState): void {
    if (settings.idleMs === undefined) return;
    if (state.idle) clearTimeout(state.idle);
    state.idle = setTimeout(() => {
      state.idle = undefined;
      if (state.queue.size > 0) schedulePostThink(context, state, true).catch(() => undefined);
    }, settings.idleMs);
    state.idle.unref?.();
  }

  async function observe(observeOptions: ObserveOptions): Promise<void> {
    const { namespace, event } = parseObserveOptions(observeOptions);
    if (!context.model) return;
    const state = await context.state(namespace);
    if (event.type === 'session') {
      if (settings.onSession && state.queue.size > 0) await trigger(state, true);
      return;
    }
    const speaker = event.type === 'turn' ? event.speaker : `tool ${event.toolName}`;
    if (event.text.trim().length === 0) {
      context.emit({ type: 'turn-skipped', namespace, turn: event.id, reason: 'empty' });
      return;
    }
    context.stats.turns++;
    // Stored before it counts as queued: a process that ends now leaves it for the next one.
    const completed = await context.enqueue(state, { id: event.id, speaker, text: event.text, at: event.at });
    if (completed) context.stats.exchanges++;
    armIdle(state);
    if (state.queue.exchanges >= settings.every || state.queue.size >= settings.maxBatchTurns)
      await trigger(state, false);
  }

  async function pendingItems(state: NamespaceState, query: Float32Array, at: Date | undefined) {
    const pending = state.queue.all().filter((turn) => at === undefined || turn.at.getTime() <= at.getTime());
    const missing = pending.filter((turn) => turn.vector === undefined);
    const vectors = await embedInBatches(embedder, missing.map(turnKeyText), { kind: 'document' });
    missing.forEach((turn, index) => {
      turn.vector = vectors[index];
    });
    return pending
      .map((turn) => ({ turn, similarity: cosine(query, turn.vector as Float32Array) }))
      .sort((a, b) => b.similarity - a.similarity);
  }

  async function recall(recallOptions: ThoughtRecallOptions): Promise<Recalled[]> {
    const parsed = parseRecallOptions(recallOptions);
    const history = recallOptions.history === true;
    const state = await context.state(parsed.namespace);
    const k = parsed.k ?? 10;
    const depth = Math.max(30, k * 3);
    const [query] = await embedder.embed([parsed.query], { kind: 'query' });
    if (!query) return [];
    // Queued turns are read before the thoughts: a post-think finishing in between shows both, never neither.
    const pending = settings.recallPending && !history ? await pendingItems(state, query, parsed.at) : [];
    const { byVector, byText } = await searchThoughts(await context.thoughts(), state.lsh, {
      namespace: parsed.namespace,
      text: parsed.query,
      vector: query,
      probes: await context.probes(state),
      depth,
      ...(parsed.at ? { at: parsed.at } : {}),
      history,
    });
    const items = rankRecall({ query: parsed.query, byVector, byText, pending: pending.slice(0, depth) });
    return fitToBudget(items, {
      k,
      ...(parsed.tokenBudget !== undefined ? { tokenBudget: parsed.tokenBudget } : {}),
    });
  }

  async function addThoughts(input: {
    namespace: string;
    thoughts: readonly ThoughtInput[];
  }): Promise<WriteOutcome[]> {
    const { namespace, thoughts } = parseWith(addSchema, input, 'addThoughts options');
    const state = await context.state(namespace);
    const now = new Date();
    const writes: ThoughtWrite[] = thoughts.map((thought) => {
      const at = thought.at ?? now;
      const write: ThoughtWrite = {
        subject: thought.subject.trim(),
        relation: thought.relation?.trim() ?? '',
        object: thought.object?.trim() ?? '',
        text: thought.text.trim(),
        sources: thought.sources,
        at,
        validFrom: thought.validFrom ?? at,
        label: thought.supersedes ? (thought.reason === 'contradicted' ? 'contradicts' : 'update') : 'new',
      };
      if (thought.id) write.id = thought.id;
      if (thought.supersedes) write.target = thought.supersedes;
      return write;
    });
    const outcomes = await applyWrites(context, state, writes);
    countOutcomes(context, outcomes);
    return outcomes;
  }

  async function flush(): Promise<void> {
    for (const pending of [...context.states.values()]) {
      const state = await pending;
      await state.thinking?.catch(() => undefined);
      while (context.model && state.queue.size > 0) await schedulePostThink(context, state, true);
      await state.lock;
    }
  }

  // A bare `{ namespace }` is `Memory.forget`: everything of the namespace, counted in rows.
  function forgetThoughtsOrNamespace(options: ForgetOptions): Promise<{ thoughts: number; turns: number }>;
  function forgetThoughtsOrNamespace(options: { namespace: string }): Promise<number>;
  async function forgetThoughtsOrNamespace(
    options: ForgetOptions | { namespace: string },
  ): Promise<{ thoughts: number; turns: number } | number> {
    if ('sources' in options || 'subject' in options || 'all' in options)
      return forgetThoughts(context, options);
    const removed = await forgetThoughts(context, { ...options, all: true });
    return removed.thoughts;
  }

  const memory: ThoughtMemory = {
    name: settings.name,
    observe,
    recall,
    addThoughts,
    listThoughts: (listOptions) => listThoughts(context, listOptions),
    history: async ({ namespace, subject }) => listThoughts(context, { namespace, subject, history: true }),
    forget: forgetThoughtsOrNamespace,
    flush,
    stats() {
      const { stats } = context;
      const perExchange = (value: number) => (stats.exchanges === 0 ? 0 : value / stats.exchanges);
      return {
        ...stats,
        every: settings.every,
        callsPerExchange: perExchange(stats.postThinkCalls),
        tokensPerExchange: perExchange(stats.inputTokens + stats.outputTokens),
        inputTokensPerExchange: perExchange(stats.inputTokens),
        outputTokensPerExchange: perExchange(stats.outputTokens),
      };
    },
    async close() {
      try {
        await flush();
      } finally {
        for (const pending of context.states.values()) {
          const state = await pending.catch(() => undefined);
          if (state?.idle) clearTimeout(state.idle);
        }
        context.states.clear();
      }
    },
  };
  return memory;
}
