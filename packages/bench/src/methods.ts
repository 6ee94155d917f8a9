import {
  ConfigError,
  type EmbeddingModel,
  type LanguageModel,
  type Memory,
  type MemoryStore,
} from '@loci/core';
import { createFocusedMemory, type NegativePool } from '@loci/fot';
import { createDefaultMemory, createLongMemMemory } from '@loci/longmem';
import { createThoughtMemory, type ThoughtMemory, thoughtsFromObservations } from '@loci/tim';
import type { Distractor } from './distractors.js';
import { createFusedMemory } from './fused-memory.js';
import type { BenchConversation } from './locomo.js';
import { createStoreSearchMemory, type StoreSearchMemory } from './store-search-memory.js';

/** The methods `createMethod` builds, as `loci bench --method` takes them. */
export const methodNames = ['bm25', 'dense', 'hybrid', 'longmem', 'best', 'tim', 'fot', 'best-fot'] as const;
/** One of `methodNames`. */
export type MethodName = (typeof methodNames)[number];

/**
 * Where thoughts come from: `none`; `from-data`, LoCoMo's generated `session_N_observation`
 * entries added as thoughts (no model); `llm`, TiM's post-thinking with `model`.
 */
export const thoughtSources = ['none', 'from-data', 'llm'] as const;
/** One of `thoughtSources`. */
export type ThoughtSource = (typeof thoughtSources)[number];

/** What `createMethod` builds a method from. */
export interface MethodOptions {
  embedder: EmbeddingModel;
  store: MemoryStore;
  /** SideNet weights learned from `--train` conversations, for the methods that learn. */
  sideNetWeights?: unknown;
  /** Thoughts for `tim` (default `from-data` there) and `best` (default `none`). */
  thoughts?: ThoughtSource;
  /** The LLM that post-thinks for `--thoughts llm`. */
  model?: LanguageModel;
  /** Exchanges per post-think call for `--thoughts llm` (TiM's `postThink.every`); TiM's default when unset. */
  thinkEvery?: number;
  /** Other contexts' text that `fot` trains its projection against. */
  negativePool?: NegativePool;
}

/** A method as the harness runs it: the memory, and what it adds to a namespace before questions. */
export interface BenchMethod {
  memory: Memory;
  /** Called once per evaluated namespace after its conversation was observed (and flushed). */
  beforeQuestions?: (namespace: string, conversation: BenchConversation) => Promise<void>;
  /** Writes entries from other contexts into a namespace through the memory's bulk path. */
  addDistractors: (namespace: string, entries: readonly Distractor[]) => Promise<void>;
  /** What post-thinking cost so far (`--thoughts llm` only): LLM calls and tokens, per exchange. */
  postThinkCost?: () => PostThinkCost;
}

/** LLM calls and tokens spent post-thinking, in all and per completed exchange (a turn and the reply). */
export interface PostThinkCost {
  /** Exchanges per call the memory was set to (`postThink.every`). */
  every: number;
  exchanges: number;
  calls: number;
  failedCalls: number;
  inputTokens: number;
  outputTokens: number;
  callsPerExchange: number;
  inputTokensPerExchange: number;
  outputTokensPerExchange: number;
}

/** Narrows a flag value to a `MethodName`. */
export function isMethodName(name: string): name is MethodName {
  return (methodNames as readonly string[]).includes(name);
}

/** Whether a method can use labelled training conversations (`--train`). */
export function methodLearns(name: MethodName): boolean {
  return name === 'longmem' || name === 'best' || name === 'best-fot';
}

/**
 * The memories the harness compares. Baselines search the `MemoryStore` directly; `longmem` is
 * the LongMem bank (chunks out, self-supervised SideNet from zero); `best` is exactly
 * `createDefaultMemory`, the pipeline the agent uses; `fot` the focused kNN memory (trained in
 * the background from flush on; its `beforeQuestions` waits for the training); `tim` a thought memory. Thoughts given with the data are added by
 * `createBenchMethod(...).beforeQuestions`, which this bare memory does not run.
 */
export function createMethod(name: string, options: MethodOptions): Memory {
  return createBenchMethod(name, options).memory;
}

/**
 * A method with its per-namespace preparation: `tim` and `best` with thoughts add the
 * conversation's thoughts (`from-data`) after it was observed; `best` with thoughts is the default
 * memory and TiM fused by reciprocal rank into one token-budgeted list.
 */
export function createBenchMethod(name: string, options: MethodOptions): BenchMethod {
  if (name === 'tim') return thoughtMethod(name, options, options.thoughts ?? 'from-data');
  if (name === 'best-fot') return bestWithFocusedKeys(name, options);
  if (name === 'best' && (options.thoughts ?? 'none') !== 'none') {
    const best = createTurnMethod('best', options);
    const thoughts = thoughtMethod('tim', options, options.thoughts ?? 'none');
    return {
      memory: createFusedMemory([best.memory, thoughts.memory], { name }),
      ...(thoughts.beforeQuestions ? { beforeQuestions: thoughts.beforeQuestions } : {}),
      ...(thoughts.postThinkCost ? { postThinkCost: thoughts.postThinkCost } : {}),
      async addDistractors(namespace, entries) {
        await best.addDistractors(namespace, entries);
        await thoughts.addDistractors(namespace, entries);
      },
    };
  }
  return createTurnMethod(name, options);
}

/**
 * `best` and `fot` fused by reciprocal rank into one token-budgeted list, as `best` with thoughts
 * fuses TiM: measures whether the focused keys add to the default memory (docs/fot.md).
 */
function bestWithFocusedKeys(name: string, options: MethodOptions): BenchMethod {
  const best = createTurnMethod('best', options);
  const fot = createTurnMethod('fot', options);
  return {
    memory: createFusedMemory([best.memory, fot.memory], { name }),
    async beforeQuestions(namespace, conversation) {
      await fot.beforeQuestions?.(namespace, conversation);
    },
    async addDistractors(namespace, entries) {
      await best.addDistractors(namespace, entries);
      await fot.addDistractors(namespace, entries);
    },
  };
}

function thoughtMethod(name: string, options: MethodOptions, source: ThoughtSource): BenchMethod {
  if (source === 'none') {
    throw new ConfigError('method tim needs thoughts: use --thoughts from-data or --thoughts llm', [
      { path: 'thoughts', message: 'tim without thoughts' },
    ]);
  }
  if (source === 'llm' && !options.model) {
    throw new ConfigError('--thoughts llm needs an LLM: configure LOCI_MODEL and OPENAI_BASE_URL', [
      { path: 'model', message: 'no model' },
    ]);
  }
  const memory: ThoughtMemory = createThoughtMemory({
    embedder: options.embedder,
    store: options.store,
    name,
    ...(source === 'llm' && options.model ? { model: options.model } : {}),
    // Awaited inside observe: each call gets the batch `every` says, not what the LLM's latency lets queue up.
    postThink: {
      background: false,
      ...(options.thinkEvery !== undefined ? { every: options.thinkEvery } : {}),
    },
  });
  // Distractors are thoughts about other people: one per entry, its speaker the subject.
  const addDistractors = async (namespace: string, entries: readonly Distractor[]) => {
    await memory.addThoughts({
      namespace,
      thoughts: entries.map((entry) => ({
        subject: entry.speaker,
        relation: 'observation',
        object: '',
        text: entry.text,
        sources: [entry.id],
        at: entry.at,
        validFrom: entry.at,
      })),
    });
  };
  if (source !== 'from-data') return { memory, addDistractors, postThinkCost: () => postThinkCost(memory) };
  return {
    memory,
    addDistractors,
    async beforeQuestions(namespace, conversation) {
      const thoughts = thoughtsFromObservations(conversation.observations ?? {}, conversation.sessions);
      if (thoughts.length === 0) {
        throw new ConfigError(
          `--thoughts from-data: ${conversation.id} has no session_N_observation entries`,
          [{ path: 'thoughts', message: 'no observations in the data' }],
        );
      }
      await memory.addThoughts({ namespace, thoughts });
    },
  };
}

function postThinkCost(memory: ThoughtMemory): PostThinkCost {
  const stats = memory.stats();
  return {
    every: stats.every,
    exchanges: stats.exchanges,
    calls: stats.postThinkCalls,
    failedCalls: stats.failedCalls,
    inputTokens: stats.inputTokens,
    outputTokens: stats.outputTokens,
    callsPerExchange: stats.callsPerExchange,
    inputTokensPerExchange: stats.inputTokensPerExchange,
    outputTokensPerExchange: stats.outputTokensPerExchange,
  };
}

function storeSearch(memory: StoreSearchMemory): BenchMethod {
  return { memory, addDistractors: (namespace, entries) => memory.addTurns(namespace, entries) };
}

/** LongMem offers no bulk write but buffers observed turns and embeds them per batch; then a flush. */
function observed(memory: Memory): BenchMethod {
  return {
    memory,
    async addDistractors(namespace, entries) {
      for (const entry of entries) {
        await memory.observe({
          namespace,
          event: {
            type: 'turn',
            id: entry.id,
            speaker: entry.speaker,
            text: entry.text,
            at: entry.at,
            sessionId: entry.context,
          },
        });
      }
      await memory.flush?.();
    },
  };
}

function createTurnMethod(name: string, options: MethodOptions): BenchMethod {
  const { embedder, store } = options;
  switch (name) {
    case 'bm25':
      return storeSearch(createStoreSearchMemory({ embedder, store, mode: 'text', name }));
    case 'dense':
      return storeSearch(createStoreSearchMemory({ embedder, store, mode: 'vector', name }));
    case 'hybrid':
      return storeSearch(createStoreSearchMemory({ embedder, store, mode: 'hybrid', name }));
    case 'longmem':
      return observed(
        createLongMemMemory({
          embedder,
          store,
          name,
          output: 'chunk',
          sideNet: {
            selfSupervised: true,
            ...(options.sideNetWeights !== undefined ? { weights: options.sideNetWeights } : {}),
          },
        }),
      );
    case 'best':
      return observed(
        createDefaultMemory({
          embedder,
          store,
          name,
          ...(options.sideNetWeights !== undefined ? { sideNetWeights: options.sideNetWeights } : {}),
        }),
      );
    case 'fot': {
      const memory = createFocusedMemory({
        embedder,
        store,
        name,
        // Trains while the distractors are written; the questions wait for it (beforeQuestions).
        // Stopped by its 300 steps only, not by the 50 s wall-clock bound: on a loaded machine that
        // bound cut training short at a different step in each run, so a figure depended on the
        // load (two N = 0 runs differed by 1.4 points). Unloaded, 300 steps take 20–30 s on 2 cores.
        training: { auto: 'background', maxSeconds: 600 },
        ...(options.negativePool ? { negativePool: options.negativePool } : {}),
      });
      return {
        memory,
        async beforeQuestions() {
          await memory.flush?.();
          await memory.idle();
        },
        async addDistractors(namespace, entries) {
          await memory.addDistractors(
            namespace,
            entries.map((entry) => ({
              id: entry.id,
              text: entry.text,
              sources: [entry.id],
              speaker: entry.speaker,
              at: entry.at,
              context: entry.context,
            })),
          );
          await memory.flush?.();
        },
      };
    }
    default:
      throw new ConfigError(`unknown method "${name}": use one of ${methodNames.join(', ')}`, [
        { path: 'method', message: 'unknown method' },
      ]);
  }
}
