import type { ProviderError } from '@loci/core';
import type { WaitPhase } from './provider-error.js';

/** Reported while the adapter waits for the server, so a UI can show "waiting for the model… 30 s". */
export interface OpenAIWaitEvent {
  operation: 'chat' | 'embeddings';
  /** 'response': the reply has not started; 'stream': a started stream has gone quiet. */
  phase: WaitPhase;
  /** Since the request went out, or since the stream last sent something. */
  waitedMs: number;
  /** When the wait becomes a `timeout` error. */
  timeoutMs: number;
  /** 1 for the first try. */
  attempt: number;
  maxAttempts: number;
}

/** Reported after a failed try, before the pause ahead of the next: "retrying (2/3) after HTTP 429". */
export interface OpenAIRetryEvent {
  operation: 'chat' | 'embeddings';
  /** 1 for the first retry. */
  retry: number;
  maxRetries: number;
  /** The pause before the retry (backoff, or the server's retry-after, capped). */
  delayMs: number;
  /** Why the try failed: `code` (e.g. 'http_429', 'timeout', 'connection_failed', 'incomplete_reply'), `status`. */
  error: ProviderError;
}

/** How the adapter reports waiting and retrying; both hooks optional, their errors ignored. */
export interface ProgressHooks {
  operation: 'chat' | 'embeddings';
  onWait?: ((event: OpenAIWaitEvent) => void) | undefined;
  onRetry?: ((event: OpenAIRetryEvent) => void) | undefined;
  /** How often `onWait` is called while waiting. */
  waitNoticeMs: number;
}

/** A progress hook is the caller's UI; a bug there must not fail the request. */
export function notify<E>(hook: ((event: E) => void) | undefined, event: E): void {
  try {
    hook?.(event);
  } catch {
    // ignored on purpose
  }
}

/**
 * The clock of one try: it runs only while the adapter waits for the server (not while the caller
 * handles a streamed part) and aborts the request when the server has sent nothing for `timeoutMs`.
 * `signal` aborts on that or on the caller's own signal; `timedOut` tells the two apart.
 */
export interface WaitClock {
  readonly signal: AbortSignal;
  readonly timedOut: boolean;
  /** The phase of the last wait, for the timeout error. */
  readonly phase: WaitPhase;
  /** Starts (or restarts) the wait: the server has `timeoutMs` from now. */
  start(phase: WaitPhase): void;
  /** Stops the wait while the caller, not the server, has the turn. */
  pause(): void;
  /** Stops the clock and forgets the caller's signal. */
  dispose(): void;
}

export function startWaitClock(options: {
  timeoutMs: number;
  signal: AbortSignal | undefined;
  hooks: ProgressHooks;
  attempt: number;
  maxAttempts: number;
}): WaitClock {
  const { timeoutMs, signal, hooks, attempt, maxAttempts } = options;
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort(signal?.reason);
  if (signal?.aborted) onCallerAbort();
  else signal?.addEventListener('abort', onCallerAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let timedOut = false;
  let phase: WaitPhase = 'response';
  const stopTimers = () => {
    clearTimeout(timer);
    clearInterval(ticker);
    timer = undefined;
    ticker = undefined;
  };
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    get phase() {
      return phase;
    },
    start(next) {
      stopTimers();
      phase = next;
      const startedAt = Date.now();
      timer = setTimeout(() => {
        timedOut = true;
        stopTimers();
        controller.abort();
      }, timeoutMs);
      if (hooks.onWait !== undefined) {
        ticker = setInterval(() => {
          notify(hooks.onWait, {
            operation: hooks.operation,
            phase: next,
            waitedMs: Date.now() - startedAt,
            timeoutMs,
            attempt,
            maxAttempts,
          });
        }, hooks.waitNoticeMs);
      }
    },
    pause: stopTimers,
    dispose() {
      stopTimers();
      signal?.removeEventListener('abort', onCallerAbort);
    },
  };
}
