import type { Memory } from '@loci/core';
import type { BenchSession } from './locomo.js';

/** What `ingestConversation` writes, and where. */
export interface IngestOptions {
  memory: Memory;
  /** The conversation's sessions, in time order. */
  sessions: readonly BenchSession[];
  namespace: string;
  /** Called after each turn. */
  onTurn?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Turns written and the wall time it took. */
export interface IngestResult {
  turns: number;
  seconds: number;
  turnsPerSecond: number;
}

/**
 * Feeds a conversation to a memory as it happened: per session a start boundary, its turns one by
 * one and an end boundary; then a flush, so the time covers everything the memory wrote.
 */
export async function ingestConversation(options: IngestOptions): Promise<IngestResult> {
  const { memory, sessions, namespace, onTurn, signal } = options;
  const withSignal = signal ? { signal } : {};
  const total = sessions.reduce((sum, session) => sum + session.turns.length, 0);
  let done = 0;
  const started = performance.now();
  for (const session of sessions) {
    await memory.observe({
      namespace,
      event: { type: 'session', id: session.id, boundary: 'start', at: session.at },
      ...withSignal,
    });
    for (const turn of session.turns) {
      await memory.observe({ namespace, event: { type: 'turn', ...turn }, ...withSignal });
      done += 1;
      onTurn?.(done, total);
    }
    const end = session.turns.at(-1)?.at ?? session.at;
    await memory.observe({
      namespace,
      event: { type: 'session', id: session.id, boundary: 'end', at: end },
      ...withSignal,
    });
  }
  await memory.flush?.();
  const seconds = (performance.now() - started) / 1000;
  return { turns: total, seconds, turnsPerSecond: seconds > 0 ? total / seconds : total };
}
