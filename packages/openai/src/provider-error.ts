import { ProviderError } from '@loci/core';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';

/** The most of a provider's body that goes into an error: enough to diagnose, not a dump. */
export const bodyExcerptLength = 500;

export function excerpt(text: string, length = bodyExcerptLength): string {
  return text.length <= length ? text : `${text.slice(0, length)}…`;
}

/** What a provider error knows, for a caller to act on (the CLI turns codes and facts into advice). */
export type ProviderFacts = Readonly<Record<string, string | number | boolean>>;

/**
 * Adds facts to a `ProviderError` as its `facts` property, next to `code`, `status` and `body`
 * (`ProviderError` in `@loci/core` has no field for them yet).
 */
export function addFacts<E extends ProviderError>(error: E, facts: ProviderFacts): E {
  const previous = providerFacts(error);
  Object.defineProperty(error, 'facts', {
    value: { ...previous, ...facts },
    enumerable: true,
    configurable: true,
  });
  return error;
}

/** The facts of an error from `@loci/openai`: `{}` for anything else. */
export function providerFacts(error: unknown): ProviderFacts {
  const facts =
    typeof error === 'object' && error !== null ? (error as { facts?: unknown }).facts : undefined;
  return typeof facts === 'object' && facts !== null ? (facts as ProviderFacts) : {};
}

/** Where a wait ran out: before the reply started, or while a started stream was quiet. */
export type WaitPhase = 'response' | 'stream';

/** The server sent nothing for `timeoutMs`; retried, as a busy server may answer the next try. */
export function timeoutError(
  what: string,
  timeoutMs: number,
  phase: WaitPhase,
  cause?: unknown,
): ProviderError {
  const message =
    phase === 'response'
      ? `${what} timed out: no reply within ${timeoutMs} ms`
      : `${what} timed out: the stream sent nothing for ${timeoutMs} ms`;
  return addFacts(new ProviderError(message, { code: 'timeout', retryable: true, cause }), {
    timeoutMs,
    phase,
  });
}

/** 408, 409, 429 and 5xx are worth another try; other 4xx mean the request itself is wrong. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * Error bodies, captured by the client's fetch (see `client.ts`) and keyed by the response's
 * `Headers` object, which the SDK hands to the `APIError` it builds. The SDK itself keeps only the
 * `error` field of a JSON body, so bodies in any other shape would otherwise be lost.
 */
export const errorBodies = new WeakMap<object, string>();

/** Whatever failed once the caller aborted (connection error, body read), the abort is the cause. */
export function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return error instanceof APIUserAbortError || signal?.aborted === true;
}

/** What the retry loop needs to know about a failure. */
export interface ClassifiedFailure {
  error: ProviderError;
  retryable: boolean;
  /** The server's retry-after, in milliseconds, when it sent one. */
  retryAfterMs?: number;
}

/** Turns an SDK (or network) failure into a `ProviderError` carrying status and body excerpt. */
export function classifyFailure(error: unknown, what: string): ClassifiedFailure {
  if (error instanceof ProviderError) return { error, retryable: error.retryable };
  if (error instanceof APIConnectionTimeoutError) {
    // The SDK's own timer, a backstop behind the wait clock (wait-clock.ts), which names the figure.
    return {
      error: new ProviderError(`${what} timed out`, { code: 'timeout', retryable: true, cause: error }),
      retryable: true,
    };
  }
  if (error instanceof APIConnectionError) {
    const reason = error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
    return {
      error: new ProviderError(`${what} could not reach the server: ${reason}`, {
        code: 'connection_failed',
        retryable: true,
        cause: error,
      }),
      retryable: true,
    };
  }
  if (error instanceof APIError && error.status !== undefined) {
    const status = error.status;
    const captured = error.headers ? errorBodies.get(error.headers) : undefined;
    const body = excerpt(
      captured ?? (error.error === undefined ? '' : JSON.stringify({ error: error.error })),
    );
    const retryable = isRetryableStatus(status);
    const hint =
      status === 401 || status === 403
        ? ' (check the API key)'
        : status === 404
          ? ' (check the model id and baseURL)'
          : status === 429
            ? ' (rate limited; retry later or lower the request rate)'
            : '';
    const retryAfterMs = error.headers ? parseRetryAfter(error.headers) : undefined;
    return {
      error: new ProviderError(`${what} failed with HTTP ${status}${hint}: ${body || '(empty body)'}`, {
        status,
        body,
        retryable,
        code: `http_${status}`,
        cause: error,
      }),
      retryable,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  const reason = error instanceof Error ? error.message : String(error);
  return {
    error: new ProviderError(`${what} failed: ${reason}`, { cause: error }),
    retryable: false,
  };
}

/** `retry-after-ms`, or `retry-after` as seconds or an HTTP date. */
export function parseRetryAfter(headers: Headers): number | undefined {
  const milliseconds = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
