import type { EmbeddingModel, LanguageModel, MemoryStore } from '@loci/core';
import { z } from 'zod';
import type { ThoughtEvent } from './thought-events.js';

/** When and how queued turns are turned into thoughts by the model. */
export interface PostThinkSettings {
  /**
   * Post-think once this many exchanges (a turn and the reply) are queued. Default 4: one call per
   * four exchanges spends a quarter of the calls of the paper's per-exchange schedule, the fixed
   * part of the prompt (instructions, candidate thoughts) is paid once for all four, and the model
   * sees an update and its context together; queued turns are recalled as turns meanwhile.
   */
  every?: number;
  /** A session boundary post-thinks whatever is queued. Default true. */
  onSession?: boolean;
  /** Post-think what is queued after this long without a new turn (the agent is idle). Default off. */
  idleMs?: number;
  /** Run post-thinking in the background (`flush()` awaits it). Default true. */
  background?: boolean;
  /** Existing thoughts shown to the model to compare against. Default 12. */
  candidates?: number;
  /** Turns per call at most; a longer queue takes several calls. Default 32. */
  maxBatchTurns?: number;
  /** A longer turn is cut in the prompt (an event says so); the turn itself is kept. Default 1000. */
  maxTurnTokens?: number;
  /** Per call. Default 120 000. */
  timeoutMs?: number;
  /** Reply tokens per call. Default 4000. */
  maxTokens?: number;
}

/** Options of `createThoughtMemory`; validated with zod, a bad value throws `ConfigError`. */
export interface ThoughtMemoryOptions {
  /** Without a model, thoughts come only from `addThoughts`; observed turns are not kept. */
  model?: LanguageModel;
  embedder: EmbeddingModel;
  store: MemoryStore;
  /** Reported as `Memory.name`. Default 'tim'. */
  name?: string;
  /** LSH buckets b (even). Default 16. */
  buckets?: number;
  /** Buckets a recall probes in a namespace larger than `exactUpTo`. Default 6 (see docs/tim.md for the measurement). */
  probes?: number;
  /**
   * A namespace with at most this many open thoughts is searched exactly (every bucket probed):
   * the buckets save time only at scale, and below it they only lose neighbours across a border.
   * Default 20 000 (docs/tim.md: recall latency by size); 0 always probes `probes` buckets.
   */
  exactUpTo?: number;
  /** Seed of the LSH matrix; same seed, same buckets. Default 0. */
  seed?: number;
  postThink?: PostThinkSettings;
  /** A new thought this similar to an open one in its bucket is not stored twice. Default 0.95. */
  duplicateThreshold?: number;
  /** A new thought this similar to an open one with the same subject in its bucket merges into it. Default 0.9. */
  mergeThreshold?: number;
  /** A bucket with more open thoughts than this gets a consolidation pass. Default 100. */
  consolidateAt?: number;
  /** Recall returns queued (not yet post-thought) turns as `kind: 'turn'` items. Default true. */
  recallPending?: boolean;
  /** Receives each `ThoughtEvent` as the memory works; a throwing listener is ignored. */
  onEvent?: (event: ThoughtEvent) => void;
}

const unit = z.number().min(0).max(1);

export const optionsSchema = z.object({
  name: z.string().min(1).optional(),
  buckets: z
    .number()
    .int()
    .min(2)
    .max(4096)
    .refine((value) => value % 2 === 0, 'buckets must be even')
    .optional(),
  probes: z.number().int().min(1).max(4096).optional(),
  exactUpTo: z.number().int().min(0).optional(),
  seed: z.number().int().optional(),
  postThink: z
    .object({
      every: z.number().int().min(1).max(10_000).optional(),
      onSession: z.boolean().optional(),
      idleMs: z.number().int().min(1).optional(),
      background: z.boolean().optional(),
      candidates: z.number().int().min(0).max(200).optional(),
      maxBatchTurns: z.number().int().min(1).max(1000).optional(),
      maxTurnTokens: z.number().int().min(16).max(100_000).optional(),
      timeoutMs: z.number().int().min(1).optional(),
      maxTokens: z.number().int().min(64).optional(),
    })
    .optional(),
  duplicateThreshold: unit.optional(),
  mergeThreshold: unit.optional(),
  consolidateAt: z.number().int().min(2).optional(),
  recallPending: z.boolean().optional(),
});

export type ResolvedSettings = ReturnType<typeof resolveSettings>;

export function resolveSettings(config: z.output<typeof optionsSchema>) {
  const postThink = config.postThink ?? {};
  return {
    name: config.name ?? 'tim',
    buckets: config.buckets ?? 16,
    probes: config.probes ?? 6,
    exactUpTo: config.exactUpTo ?? 20_000,
    seed: config.seed ?? 0,
    every: postThink.every ?? 4,
    onSession: postThink.onSession ?? true,
    idleMs: postThink.idleMs,
    background: postThink.background ?? true,
    candidates: postThink.candidates ?? 12,
    maxBatchTurns: postThink.maxBatchTurns ?? 32,
    maxTurnTokens: postThink.maxTurnTokens ?? 1000,
    timeoutMs: postThink.timeoutMs ?? 120_000,
    maxTokens: postThink.maxTokens ?? 4000,
    duplicateThreshold: config.duplicateThreshold ?? 0.95,
    mergeThreshold: config.mergeThreshold ?? 0.9,
    consolidateAt: config.consolidateAt ?? 100,
    recallPending: config.recallPending ?? true,
  };
}
