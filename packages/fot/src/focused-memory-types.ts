import type { EmbeddingModel, Memory, MemoryStore } from '@loci/core';
import type { Aggregate, KeyHit } from './aggregate-hits.js';
import type { NegativePool } from './negative-pool.js';
import type { Projection } from './projection.js';
import type { SerializedProjection } from './projection-format.js';
import type { TrainProjectionOptions, TrainProjectionReport } from './train-projection.js';
import type { KeyOptions } from './value-keys.js';

/** What recall returns: a turn's text (or any text) with the turn ids it came from. */
export interface FocusedValue {
  id: string;
  text: string;
  /** Turn ids this value came from; `[id]` when absent. */
  sources?: readonly string[];
  speaker?: string;
  at?: Date;
  /** The thread or document the value belongs to; training contrasts contexts. Default `main`. */
  context?: string;
  metadata?: Record<string, string | number | boolean>;
}

/** A key given by the caller: a text to embed, or a vector already embedded by the same encoder. */
export type KeyInput = string | { text: string; kind?: string } | { vector: Float32Array; kind?: string };

/** A value and, optionally, its keys, as `putMany` takes it. */
export interface FocusedEntry {
  value: FocusedValue;
  /** The value's keys; by default the turn, each sentence, and (option) the turn with its predecessor. */
  keys?: readonly KeyInput[];
}

/** A search result: the value with defaults filled in, its score and the keys that found it. */
export interface FocusedHit {
  value: Required<Omit<FocusedValue, 'metadata'>> & { metadata: Record<string, string | number | boolean> };
  score: number;
  /** The keys that reached the value, best first. */
  keys: KeyHit[];
}

/** Options of `FocusedMemory.search`. */
export interface FocusedSearchOptions {
  namespace: string;
  /** A text (embedded as a query) or a query vector from the same encoder. */
  query: string | Float32Array;
  k?: number;
  aggregate?: Aggregate;
  /** Only values at or before this time. */
  at?: Date;
  signal?: AbortSignal;
}

/** A namespace's serving projection and sizes. */
export interface FocusedStatus {
  /** The projection version that serves (0 = identity: the frozen keys). */
  activeVersion: number;
  /** A re-projection written in part (resumed by `reproject`), if any. */
  pendingVersion: number | undefined;
  values: number;
  keys: number;
  /** Why a stored projection could not be loaded; the frozen keys serve meanwhile. */
  fault?: { code: string; message: string };
  /** True while an automatic training of the namespace runs (the serving projection still answers). */
  training?: boolean;
  /** Why the last automatic training failed; the previous projection kept serving. */
  trainingError?: { code: string; message: string };
}

/** What one re-projection of the stored keys wrote. */
export interface ReprojectReport {
  version: number;
  /** Focused keys written by this call (a resumed run writes only the rest). */
  written: number;
  resumed: boolean;
  seconds: number;
}

/** The training report, the trained projection, and the re-projection when it was applied. */
export interface FocusedTrainReport extends TrainProjectionReport {
  projection: SerializedProjection;
  reprojected?: ReprojectReport;
}

/** Options of `FocusedMemory.train`: the projection's hyperparameters plus what to train on. */
export interface FocusedTrainOptions extends Omit<TrainProjectionOptions, 'initial' | 'signal'> {
  namespace: string;
  /** Labelled pairs: a question and the value ids that answer it. */
  pairs?: readonly { query: string; valueIds: readonly string[] }[];
  /** Re-project the stored keys and serve the new P when training ends. Default true. */
  apply?: boolean;
  signal?: AbortSignal;
}

/** Options of `createFocusedMemory`. */
export interface FocusedMemoryOptions {
  embedder: EmbeddingModel;
  store: MemoryStore;
  /** Reported as `Memory.name`. Default `fot`. */
  name?: string;
  keys?: KeyOptions;
  /** How a value reached by several keys is scored. Default `max` (see docs/fot.md). */
  aggregate?: Aggregate;
  /** Key hits fetched per value asked for, before deduplication. Default 4. */
  overfetch?: number;
  /** Context of observed turns: one per namespace, or one per session. Default `namespace`. */
  observeContext?: 'namespace' | 'session';
  /** Other contexts' text for training (e.g. `readNegativePool(...)` of the project's sample text). */
  negativePool?: NegativePool;
  /**
   * Namespaces whose keys may serve as negatives when training another namespace. Off unless the
   * deployment lists them: weights are per namespace and trained on its own data by default.
   */
  crossNamespaceNegatives?: readonly string[];
  training?: Omit<TrainProjectionOptions, 'initial' | 'signal'> & {
    /**
     * Train on `flush()` and `recall()` once the namespace has `minKeys` keys and twice as many
     * as at the last training: `background` (the old keys serve meanwhile), `blocking` (the call
     * waits), or `off`. Default `off`.
     */
    auto?: 'off' | 'background' | 'blocking';
    minKeys?: number;
    /** Keys read for one training at most (the namespace's own first). Default 20,000. */
    maxKeys?: number;
  };
  /** Observed turns are written in batches of this size. Default 256. */
  batchSize?: number;
  /**
   * Keys per write when re-projecting. Default 10,000: each page reads the namespace's keys in
   * sequence order past the last one written, a scan over the namespace, so fewer pages cost less.
   */
  pageSize?: number;
  /** Resume an interrupted re-projection when a namespace is first used. Default true. */
  resumeOnLoad?: boolean;
}

/** Focused-transformer memory: values reached through keys, with a learnt per-namespace projection. */
export interface FocusedMemory extends Memory {
  /** Stores one value under its keys (derived from its text when absent). */
  put(options: {
    namespace: string;
    value: FocusedValue;
    keys?: readonly KeyInput[];
    signal?: AbortSignal;
  }): Promise<void>;
  /** `put` for many values, written in batches. */
  putMany(options: {
    namespace: string;
    entries: readonly FocusedEntry[];
    signal?: AbortSignal;
  }): Promise<void>;
  /**
   * Bulk path for entries from other contexts (the distraction benchmark): keys derived as for
   * any value, written in large batches, never through `observe`. Each entry's `context` names
   * the conversation it came from.
   */
  addDistractors(
    namespace: string,
    entries: readonly (FocusedValue & { context: string; keys?: readonly KeyInput[] })[],
  ): Promise<void>;
  /** Values nearest the query through their keys, best first, each with its key hits. */
  search(options: FocusedSearchOptions): Promise<FocusedHit[]>;
  /** Trains the namespace's projection; throws `LociError` `fot_nothing_to_train` when it has no keys. */
  train(options: FocusedTrainOptions): Promise<FocusedTrainReport>;
  /** Applies a projection (or resumes the pending one) to every stored key; the old one serves until done. */
  reproject(options: {
    namespace: string;
    projection?: Projection | unknown;
    signal?: AbortSignal;
  }): Promise<ReprojectReport | undefined>;
  /** The namespace's projection versions and key and value counts. */
  status(namespace: string): Promise<FocusedStatus>;
  /** The serving projection's weights (undefined while the identity serves). */
  exportProjection(namespace: string): Promise<SerializedProjection | undefined>;
  /**
   * Resolves when background training and re-projection have finished, including trainings that
   * start while it waits (keys that arrived during a training). `flush()` then `idle()` leaves a
   * namespace with every buffered turn written and the newest automatic training serving.
   */
  idle(): Promise<void>;
}
