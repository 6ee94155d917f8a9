import { ProviderError } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './provider-error.js';
import { backoffDelay, type RetryPolicy, withRetries } from './retry.js';

const policy: RetryPolicy = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1000 };

describe('backoffDelay', () => {
  it('doubles per attempt, jitters within [half, full], and stops at the cap', () => {
    expect(backoffDelay(0, policy, () => 0)).toBe(50);
    expect(backoffDelay(0, policy, () => 1)).toBe(100);
    expect(backoffDelay(2, policy, () => 0.5)).toBe(300);
    expect(backoffDelay(10, policy, () => 1)).toBe(1000);
    expect(backoffDelay(10, policy, () => 0)).toBe(500);
  });
});

describe('parseRetryAfter', () => {
  it('reads retry-after-ms, retry-after seconds and HTTP dates', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250' }))).toBe(250);
    expect(parseRetryAfter(new Headers({ 'retry-after': '2' }))).toBe(2000);
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    const fromDate = parseRetryAfter(new Headers({ 'retry-after': inTenSeconds })) ?? -1;
    expect(fromDate).toBeGreaterThan(5_000);
    expect(fromDate).toBeLessThanOrEqual(10_000);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfter(new Headers())).toBeUndefined();
  });
});

describe('withRetries', () => {
  const fast: RetryPolicy = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 1 };

  it('retries retryable ProviderErrors and returns the first success', async () => {
    let calls = 0;
    const result = await withRetries('test call', fast, undefined, async () => {
      calls++;
      if (calls < 3) throw new ProviderError('flaky', { retryable: true });
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('stops at once on a non-retryable error and after maxRetries otherwise', async () => {
    let calls = 0;
    await expect(
      withRetries('test call', fast, undefined, async () => {
        calls++;
        throw new ProviderError('bad request', { retryable: false });
      }),
    ).rejects.toThrow('bad request');
    expect(calls).toBe(1);

    calls = 0;
    await expect(
      withRetries('test call', fast, undefined, async () => {
        calls++;
        throw new ProviderError('still down', { retryable: true });
      }),
    ).rejects.toThrow('still down (after 3 tries)');
    expect(calls).toBe(3);
  });

  it('wraps unknown failures in a ProviderError naming the call', async () => {
    const error = await withRetries('embeddings (m at http://x)', fast, undefined, async () => {
      throw new TypeError('terminated');
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toBe('embeddings (m at http://x) failed: terminated');
  });

  it('throws the abort reason without calling when already aborted', async () => {
    let calls = 0;
    const error = await withRetries('test call', fast, AbortSignal.abort(), async () => {
      calls++;
      return 'never';
    }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(calls).toBe(0);
  });
});
