import type { EmbeddingModel, Memory, MemoryStore } from '@loci/core';
import { defaultSideNetWeights } from './default-sidenet-weights.js';
import { createLongMemMemory } from './longmem-memory.js';

/** Options of `createDefaultMemory`: LongMem with the packaged SideNet unless weights are given. */
export interface DefaultMemoryOptions {
  embedder: EmbeddingModel;
  store: MemoryStore;
  /** SideNet weights to start from (e.g. from `loci train sidenet`); the packaged default otherwise. */
  sideNetWeights?: unknown;
  /**
   * Train the SideNet on each namespace's own memory (inverse cloze) as it grows. Default: on,
   * unless `sideNetWeights` are given (labels a user trained on are trusted as they are).
   */
  selfSupervised?: boolean;
  /** FIFO capacity per namespace, in turns. */
  capacity?: number;
  name?: string;
}

/**
 * Loci's default memory (`loci bench recall --method best`): single turns scored with their
 * neighbours as context, lexical (BM25 over turn, window and session) and dense first stages, and
 * the LongMem SideNet reranker: packaged weights (trained only on the project's own demo
 * conversation) while a namespace is small, then a SideNet trained self-supervised on the
 * namespace's own memory (a few seconds' worth of CPU, at flush). No LLM at recall time.
 */
export function createDefaultMemory(options: DefaultMemoryOptions): Memory {
  return createLongMemMemory({
    embedder: options.embedder,
    store: options.store,
    name: options.name ?? 'loci-default',
    output: 'turn',
    ...(options.capacity !== undefined ? { capacity: options.capacity } : {}),
    sideNet:
      options.sideNetWeights !== undefined
        ? { weights: options.sideNetWeights, selfSupervised: options.selfSupervised ?? false }
        : {
            // The packaged weights rank small memories; from `minTurns` turns on, a SideNet
            // trained on the namespace's own memory replaces them.
            weights: defaultSideNetWeights,
            selfSupervised: options.selfSupervised ?? true,
            resetOnTrain: true,
          },
  });
}
