import { addFacts, classifyFailure, isAbort, timeoutError } from './provider-error.js';
import { notify, type ProgressHooks, startWaitClock } from './wait-clock.js';

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
 * Runs `attempt` (given its 1-based number) until it succeeds, fails with something not worth
 * retrying, or the retries run out; failures come out as `ProviderError` with an `attempts` fact.
 * An abort is rethrown as the signal's reason, at once. `hooks.onRetry` hears of every retry.
 */
export async function withRetries<T>(
  what: string,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  attempt: (attempt: number) => Promise<T>,
  hooks?: ProgressHooks,
): Promise<T> {
  for (let tryIndex = 0; ; tryIndex++) {
    if (signal?.aborted) throw abortReason(signal);
    try {
      return await attempt(tryIndex + 1);
    } catch (error) {
      if (isAbort(error, signal)) throw abortReason(signal ?? AbortSignal.abort());
      const failure = classifyFailure(error, what);
      if (!failure.retryable || tryIndex >= policy.maxRetries) {
        if (tryIndex > 0) failure.error.message += ` (after ${tryIndex + 1} tries)`;
        throw addFacts(failure.error, { attempts: tryIndex + 1 });
      }
      const delay =
        failure.retryAfterMs === undefined
          ? backoffDelay(tryIndex, policy)
          : Math.min(policy.maxDelayMs, failure.retryAfterMs);
      if (hooks !== undefined) {
        notify(hooks.onRetry, {
          operation: hooks.operation,
          retry: tryIndex + 1,
          maxRetries: policy.maxRetries,
          delayMs: Math.round(delay),
          error: failure.error,
        });
      }
      await sleep(delay, signal);
    }
  }
}

/**
 * One try of a request whose whole reply is awaited (a non-streamed completion, embeddings): the
 * wait clock covers the reply's body too, which the SDK's own timeout (headers only) does not, so
 * a server that sends headers and then nothing cannot hang the caller.
 */
export async function timedAttempt<T>(
  what: string,
  settings: { timeoutMs: number; signal: AbortSignal | undefined; hooks: ProgressHooks; maxAttempts: number },
  attempt: number,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const clock = startWaitClock({ ...settings, attempt });
  clock.start('response');
  try {
    return await run(clock.signal);
  } catch (error) {
    if (clock.timedOut) throw timeoutError(what, settings.timeoutMs, 'response', error);
    throw error;
  } finally {
    clock.dispose();
  }
}
