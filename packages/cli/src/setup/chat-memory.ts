import type { EmbeddingModel, LanguageModel, Memory, MemoryStore } from '@loci/core';
import { createDefaultMemory } from '@loci/longmem';
import { createThoughtMemory, type ThoughtMemory } from '@loci/tim';

export const chatMemoryKinds = ['default', 'tim', 'none'] as const;
export type ChatMemoryKind = (typeof chatMemoryKinds)[number];

export interface ChatMemory {
  /** What the agent observes every turn with and recalls from (none for `none`). */
  memories: Memory[];
  /** The thought memory, when `tim` is attached (`/thoughts` lists it). */
  thoughts?: ThoughtMemory;
}

/**
 * The memory `loci chat` attaches next to MemGPT's own storage: `default` is Loci's default
 * memory (LongMem over turns, no LLM at recall), `tim` a Think-in-Memory thought memory that
 * post-thinks with the chat's own model, `none` only MemGPT's recall and archival storage.
 */
export function createChatMemory(
  kind: ChatMemoryKind,
  providers: { model: LanguageModel; embedder: EmbeddingModel; store: MemoryStore },
): ChatMemory {
  switch (kind) {
    case 'default':
      return { memories: [createDefaultMemory({ embedder: providers.embedder, store: providers.store })] };
    case 'tim': {
      const thoughts = createThoughtMemory(providers);
      return { memories: [thoughts], thoughts };
    }
    case 'none':
      return { memories: [] };
  }
}
