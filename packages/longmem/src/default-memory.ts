import type { EmbeddingModel, Memory, MemoryStore } from '@loci/core';
import { defaultSideNetWeights } from './default-sidenet-weights.js';
import { createLongMemMemory } from './longmem-memory.js';

export interface DefaultMemoryOptions {
  embedder: EmbeddingModel;
  store: MemoryStore;
  /** SideNet weights to start from (e.g. from `loci train sidenet`); the packaged default otherwise. */
  sideNetWeights?: unknown;
  /**
   * Also fine-tune the SideNet on each namespace's own memory (inverse cloze) as it grows. Off by
   * default: on the LoCoMo development split it lowered recall@10 (docs/benchmarks/recall.md).
   */
  selfSupervised?: boolean;
  /** FIFO capacity per namespace, in turns. */
  capacity?: number;
  name?: string;
}

/**
 * Loci's default memory (`loci bench recall --method best`): single turns scored with their
 * neighbours as context, lexical (BM25 over turn, window and session) and dense first stages, and
 * the LongMem SideNet reranker with packaged weights (trained only on the project's own demo
 * conversation). No LLM at recall time.
 */
export function createDefaultMemory(options: DefaultMemoryOptions): Memory {
  return createLongMemMemory({
    embedder: options.embedder,
    store: options.store,
    name: options.name ?? 'loci-default',
    output: 'turn',
    ...(options.capacity !== undefined ? { capacity: options.capacity } : {}),
    sideNet: {
      weights: options.sideNetWeights ?? defaultSideNetWeights,
      selfSupervised: options.selfSupervised ?? false,
    },
  });
}
