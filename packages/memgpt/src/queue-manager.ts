import type { MessageKind } from './stored-message.js';

/** The prompt limits the queue manager works to, in tokens. */
export interface QueueLimits {
  /** Above this a memory-pressure alert is inserted (once until the next flush). */
  warning: number;
  /** Above this the oldest part of the queue is evicted. */
  flush: number;
  /** Longest one message may be in the prompt; longer ones are truncated there. */
  maxMessage: number;
}

export function queueLimits(options: {
  contextWindow: number;
  replyTokens: number;
  warningThreshold: number;
  flushThreshold: number;
  maxMessageFraction: number;
}): QueueLimits {
  // The reply needs room too: the prompt never takes the whole window.
  const usable = Math.max(1, options.contextWindow - options.replyTokens);
  return {
    warning: Math.floor(usable * options.warningThreshold),
    flush: Math.floor(usable * options.flushThreshold),
    maxMessage: Math.max(1, Math.floor(usable * options.maxMessageFraction)),
  };
}

/**
 * How many messages to evict from the front of the queue: the shortest prefix holding at least
 * `fraction` of the queue's tokens, extended so that it never ends between an assistant's function
 * call and its results (a cut never lands on a tool message). Keeps the newest message when it can.
 * Returns 0 when the queue is empty.
 */
export function chooseEviction(
  queue: readonly { kind: MessageKind; tokens: number }[],
  fraction: number,
): number {
  if (queue.length === 0) return 0;
  const total = queue.reduce((sum, entry) => sum + entry.tokens, 0);
  const target = total * fraction;
  let cumulative = 0;
  let lastValid = 0;
  for (let cut = 1; cut < queue.length; cut++) {
    cumulative += (queue[cut - 1] as { tokens: number }).tokens;
    // Cutting before a tool message would separate it from the call that produced it.
    if (queue[cut]?.kind === 'tool') continue;
    lastValid = cut;
    if (cumulative >= target) return cut;
  }
  // No cut both valid and large enough that keeps a message: take the largest valid one, or all.
  return lastValid > 0 ? lastValid : queue.length;
}
