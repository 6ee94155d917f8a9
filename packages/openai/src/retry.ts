import { classifyFailure, isAbort } from './provider-error.js';

export interface RetryPolicy {
  /** Tries after the first one. */
  maxRetries: number;
  /** First backoff; each retry doubles it. */
  baseDelayMs: number;
  /** Cap for one wait, also for a server's retry-after. */
  maxDelayMs: number;
}

/** Exponential backoff with jitter (half fixed, half random), so clients that failed together spread out. */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return exponential / 2 + (random() * exponential) / 2;
}

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, fails with something not worth retrying, or the retries run
 * out; failures come out as `ProviderError`. An abort is rethrown as the signal's reason, at once.
 */
export async function withRetries<T>(
  what: string,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  attempt: () => Promise<T>,
): Promise<T> {
  for (let tryIndex = 0; ; tryIndex++) {
    if (signal?.aborted) throw abortReason(signal);
    try {
      return await attempt();
    } catch (error) {
      if (isAbort(error, signal)) throw abortReason(signal ?? AbortSignal.abort());
      const failure = classifyFailure(error, what);
      if (!failure.retryable || tryIndex >= policy.maxRetries) {
        if (tryIndex > 0) failure.error.message += ` (after ${tryIndex + 1} tries)`;
        throw failure.error;
      }
      const delay =
        failure.retryAfterMs === undefined
          ? backoffDelay(tryIndex, policy)
          : Math.min(policy.maxDelayMs, failure.retryAfterMs);
      await sleep(delay, signal);
    }
  }
}
