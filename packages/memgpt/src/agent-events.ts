import type { Usage } from '@loci/core';
import type { ContextTokens } from './main-context.js';

/**
 * What happens inside a step, in order. The same entries make up the step's trace (except the
 * streaming deltas) and are streamed to `onEvent` and `agent.events()` as they happen.
 */
export type AgentEvent =
  | { type: 'step-start'; stepId: string; input: string; at: Date }
  | { type: 'recall'; items: number; tokens: number; failed?: string }
  | { type: 'memory-pressure'; tokens: number; limit: number }
  | { type: 'eviction'; messages: number; tokens: number; remaining: number }
  | { type: 'summary'; ok: boolean; tokens: number; evicted: number; error?: string }
  | { type: 'llm-call'; call: number; context: ContextTokens; streamed: boolean }
  | { type: 'llm-result'; call: number; usage: Usage; finishReason: string; ms: number }
  | { type: 'inner-monologue'; text: string }
  | { type: 'monologue-delta'; text: string }
  | { type: 'message-delta'; toolCallId: string; text: string }
  | { type: 'message'; text: string }
  | { type: 'tool-call'; id: string; name: string; arguments: string }
  | { type: 'tool-result'; id: string; name: string; ok: boolean; content: string }
  | { type: 'heartbeat'; reason: 'requested' | 'function-failed' }
  | { type: 'chain-limit'; calls: number }
  | { type: 'observe-failed'; memory: string; error: string }
  | { type: 'step-end'; stepId: string; messages: number; usage: Usage };

/** An event as kept in `StepResult.trace`: every event but the streaming deltas. */
export type TraceEntry = Exclude<AgentEvent, { type: 'message-delta' | 'monologue-delta' }>;

/** Fan-out of events to any number of async iterators; each gets every event after it subscribed. */
export function createEventHub() {
  const listeners = new Set<(event: AgentEvent | undefined) => void>();
  return {
    emit(event: AgentEvent) {
      for (const listener of listeners) listener(event);
    },
    close() {
      for (const listener of listeners) listener(undefined);
      listeners.clear();
    },
    subscribe(signal?: AbortSignal): AsyncIterableIterator<AgentEvent> {
      const buffer: AgentEvent[] = [];
      let done = false;
      let wake: (() => void) | undefined;
      const listener = (event: AgentEvent | undefined) => {
        if (event === undefined) done = true;
        else buffer.push(event);
        wake?.();
      };
      listeners.add(listener);
      const stop = () => {
        done = true;
        listeners.delete(listener);
        wake?.();
      };
      signal?.addEventListener('abort', stop, { once: true });
      const iterator: AsyncIterableIterator<AgentEvent> = {
        async next() {
          while (buffer.length === 0 && !done) await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          const event = buffer.shift();
          return event === undefined ? { done: true, value: undefined } : { done: false, value: event };
        },
        async return() {
          stop();
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },
  };
}
