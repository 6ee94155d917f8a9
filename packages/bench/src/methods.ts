import { ConfigError, type EmbeddingModel, type Memory, type MemoryStore } from '@loci/core';
import { createDefaultMemory, createLongMemMemory } from '@loci/longmem';
import { createStoreSearchMemory } from './store-search-memory.js';

export const methodNames = ['bm25', 'dense', 'hybrid', 'longmem', 'best'] as const;
export type MethodName = (typeof methodNames)[number];

export interface MethodOptions {
  embedder: EmbeddingModel;
  store: MemoryStore;
  /** SideNet weights learned from `--train` conversations, for the methods that learn. */
  sideNetWeights?: unknown;
}

export function isMethodName(name: string): name is MethodName {
  return (methodNames as readonly string[]).includes(name);
}

/** Whether a method can use labelled training conversations (`--train`). */
export function methodLearns(name: MethodName): boolean {
  return name === 'longmem' || name === 'best';
}

/**
 * The memories the harness compares. Baselines search the `MemoryStore` directly; `longmem` is
 * the LongMem bank (chunks out, self-supervised SideNet from zero); `best` is exactly
 * `createDefaultMemory`, the pipeline the agent uses.
 */
export function createMethod(name: string, options: MethodOptions): Memory {
  const { embedder, store } = options;
  switch (name) {
    case 'bm25':
      return createStoreSearchMemory({ embedder, store, mode: 'text', name });
    case 'dense':
      return createStoreSearchMemory({ embedder, store, mode: 'vector', name });
    case 'hybrid':
      return createStoreSearchMemory({ embedder, store, mode: 'hybrid', name });
    case 'longmem':
      return createLongMemMemory({
        embedder,
        store,
        name,
        output: 'chunk',
        sideNet: {
          selfSupervised: true,
          ...(options.sideNetWeights !== undefined ? { weights: options.sideNetWeights } : {}),
        },
      });
    case 'best':
      return createDefaultMemory({
        embedder,
        store,
        name,
        ...(options.sideNetWeights !== undefined ? { sideNetWeights: options.sideNetWeights } : {}),
      });
    default:
      throw new ConfigError(`unknown method "${name}": use one of ${methodNames.join(', ')}`, [
        { path: 'method', message: 'unknown method' },
      ]);
  }
}
