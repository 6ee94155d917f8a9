import type { Memory, MemoryEvent, Recalled } from '@loci/core';
import type { AgentEvent } from './agent-events.js';
import { renderRecalled } from './main-context.js';

/**
 * The agent's side of the attached memory systems: asks all of them for what they recall for the
 * latest user message, and feeds them the turns of the conversation. A memory system that fails is
 * reported as an event and skipped; only an abort stops the step.
 */
export interface MemoryFanOut {
  /** Whether any memory system is attached (none: no recall, no observe, no events). */
  readonly attached: boolean;
  /** The recalled-memory section for `query` ('' when nothing was recalled); emits a `recall` event. */
  recall(options: { query: string; at: Date; signal?: AbortSignal }): Promise<string>;
  /** Passes one event to every memory system, in order. */
  observe(event: MemoryEvent, signal?: AbortSignal): Promise<void>;
}

export function createMemoryFanOut(options: {
  memories: readonly Memory[];
  namespace: string;
  /** Items asked from each memory system. */
  k: number;
  /** Tokens the recalled-memory section may take. */
  tokenBudget: number;
  emit: (event: AgentEvent) => void;
  /** Tokens of the rendered section (the agent's cached counter). */
  count: (text: string) => number;
}): MemoryFanOut {
  const { memories, namespace, emit } = options;
  return {
    attached: memories.length > 0,
    async recall({ query, at, signal }) {
      const lists = await Promise.all(
        memories.map(async (memory) => {
          try {
            return await memory.recall({
              query,
              namespace,
              k: options.k,
              tokenBudget: options.tokenBudget,
              at,
              ...(signal === undefined ? {} : { signal }),
            });
          } catch (error) {
            if (signal?.aborted) throw error;
            emit({
              type: 'recall',
              items: 0,
              tokens: 0,
              failed: `${memory.name}: ${(error as Error).message}`,
            });
            return [];
          }
        }),
      );
      const items = mergeRecalled(lists, options.tokenBudget);
      const text = renderRecalled(items);
      emit({ type: 'recall', items: items.length, tokens: options.count(text) });
      return text;
    },
    async observe(event, signal) {
      for (const memory of memories) {
        try {
          await memory.observe({ namespace, event, ...(signal === undefined ? {} : { signal }) });
        } catch (error) {
          if (signal?.aborted) throw error;
          emit({ type: 'observe-failed', memory: memory.name, error: (error as Error).message });
        }
      }
    },
  };
}

/** Items from several memory systems, alternating by rank (scores are not comparable across systems), within a token budget. */
export function mergeRecalled(lists: readonly Recalled[][], budget: number): Recalled[] {
  const merged: Recalled[] = [];
  let tokens = 0;
  const longest = Math.max(0, ...lists.map((list) => list.length));
  for (let rank = 0; rank < longest; rank++) {
    for (const list of lists) {
      const item = list[rank];
      if (!item || item.tokens + tokens > budget) continue;
      merged.push(item);
      tokens += item.tokens;
    }
  }
  return merged;
}
