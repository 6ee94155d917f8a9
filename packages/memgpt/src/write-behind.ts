import type { StoredMessage } from './stored-message.js';

/**
 * How long the messages of a saved step wait before their append starts, so that the steps of a
 * quick exchange share one commit; a read, a failed step or `close` writes them at once.
 */
const writeBehindMs = 100;

/**
 * Recall storage written behind: messages handed over wait in a queue, one append at a time takes
 * all of them, and until it lands they are `unconfirmed` (every state row carries them). A failed
 * append puts them back; the next write or read tries again.
 */
export interface WriteBehind {
  /** Queues messages and starts their append at once (mid-step: while the next LLM call runs). */
  now(messages: readonly StoredMessage[]): void;
  /** Queues messages and starts their append after `writeBehindMs` (a saved step's). */
  soon(messages: readonly StoredMessage[]): void;
  /** Appends what is queued and waits until every message handed over is written. */
  settled(): Promise<void>;
  /** The messages handed over whose append has not landed, oldest first. */
  unconfirmed(): StoredMessage[];
}

/** `append` writes one batch; it is never called twice at once. */
export function createWriteBehind(
  append: (messages: readonly StoredMessage[]) => Promise<void>,
): WriteBehind {
  let queued: StoredMessage[] = [];
  let inflight: StoredMessage[] = [];
  let draining: Promise<void> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function drain(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (draining) return draining;
    if (queued.length === 0) return Promise.resolve();
    draining = (async () => {
      try {
        while (queued.length > 0) {
          inflight = queued;
          queued = [];
          try {
            await append(inflight);
          } catch (error) {
            queued = [...inflight, ...queued];
            throw error;
          } finally {
            inflight = [];
          }
        }
      } finally {
        draining = undefined;
      }
    })();
    return draining;
  }

  // A failure in the background is met by the next write or read.
  const drainInBackground = () => {
    drain().catch(() => undefined);
  };

  return {
    now(messages) {
      queued.push(...messages);
      drainInBackground();
    },
    soon(messages) {
      queued.push(...messages);
      if (timer || draining) return;
      timer = setTimeout(() => {
        timer = undefined;
        drainInBackground();
      }, writeBehindMs);
      timer.unref();
    },
    settled: drain,
    unconfirmed: () => [...inflight, ...queued],
  };
}
