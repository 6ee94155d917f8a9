import type { Usage } from '@loci/core';
import type { AgentEvent, TraceEntry } from './agent-events.js';
import { type AgentState, cloneState } from './agent-state.js';
import type { AgentStorage } from './agent-storage.js';
import type { StoredMessage } from './stored-message.js';

/**
 * What one step builds up before it commits: a draft of the state (dropped if the step fails), the
 * messages it recorded and has not written yet, its trace, usage and time spent waiting for the LLM.
 */
export interface StepJournal {
  readonly stepId: string;
  /** The time of the step; every message of the step carries it. */
  readonly at: Date;
  readonly draft: AgentState;
  readonly trace: TraceEntry[];
  readonly usage: Usage;
  /** What the agent said to the user through send_message, in order. */
  readonly said: string[];
  /** Milliseconds spent inside `timed` work (the LLM calls). */
  llmMs(): number;
  /** Adds the event to the trace (streaming deltas excepted) and passes it on. */
  emit(event: AgentEvent): void;
  /** Appends a message to the draft's queue; it is written to recall storage by the next `flush`. */
  record(fields: Omit<StoredMessage, 'id' | 'seq' | 'at' | 'stepId'>): StoredMessage;
  /** Writes the recorded messages not written yet, in one append, and waits for it. */
  flush(): Promise<void>;
  /**
   * Hands the recorded messages not written yet to recall storage without waiting (they are
   * appended behind, and the step's state row carries them until then).
   */
  handOver(): void;
  /** Hands the recorded messages not written yet to the caller, who writes them (with the state). */
  takeUnwritten(): StoredMessage[];
  /** Runs work whose time counts as LLM time. */
  timed<T>(work: () => Promise<T>): Promise<T>;
  addUsage(usage: Usage): void;
}

export function createStepJournal(options: {
  state: AgentState;
  at: Date;
  storage: Pick<AgentStorage, 'appendMessages' | 'handOverMessages'>;
  /** The next message seq of the agent; seqs stay used even when the step fails. */
  nextSeq: () => number;
  /** Called with every recorded message (the context manager keeps the queue's messages). */
  onRecord: (message: StoredMessage) => void;
  onEvent: (event: AgentEvent) => void;
  stepId?: string;
}): StepJournal {
  const { at, storage } = options;
  const stepId = options.stepId ?? crypto.randomUUID();
  const draft = cloneState(options.state);
  const trace: TraceEntry[] = [];
  const usage: Usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
  let pending: StoredMessage[] = [];
  let llmMs = 0;

  return {
    stepId,
    at,
    draft,
    trace,
    usage,
    said: [],
    llmMs: () => llmMs,
    emit(event) {
      if (event.type !== 'message-delta' && event.type !== 'monologue-delta') trace.push(event);
      options.onEvent(event);
    },
    record(fields) {
      const message: StoredMessage = {
        ...fields,
        id: crypto.randomUUID(),
        seq: options.nextSeq(),
        at,
        stepId,
      };
      options.onRecord(message);
      draft.queue.push(message.id);
      draft.recallCount++;
      pending.push(message);
      return message;
    },
    takeUnwritten() {
      const batch = pending;
      pending = [];
      return batch;
    },
    handOver() {
      const batch = pending;
      pending = [];
      if (batch.length > 0) storage.handOverMessages(batch);
    },
    async flush() {
      // Called with nothing pending too: the storage may hold messages a failed save handed it.
      const batch = pending;
      pending = [];
      try {
        await storage.appendMessages(batch);
      } catch (error) {
        // Kept for the next attempt (a failed step tries once more), never dropped.
        pending = [...batch, ...pending];
        throw error;
      }
    },
    async timed(work) {
      const begin = performance.now();
      try {
        return await work();
      } finally {
        llmMs += performance.now() - begin;
      }
    },
    addUsage(more) {
      usage.inputTokens += more.inputTokens;
      usage.outputTokens += more.outputTokens;
      usage.totalTokens += more.totalTokens;
    },
  };
}
