import { ConfigError, LociError, StoreError } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { describeError } from './describe-error.js';

describe('describeError', () => {
  it('prints a user error as its message alone', () => {
    const text = describeError(new ConfigError('invalid loci demo options: k: too big'), { debug: false });
    expect(text).toBe('loci: invalid loci demo options: k: too big\n');
  });

  it('points system errors and unknown errors at LOCI_DEBUG', () => {
    expect(describeError(new StoreError('disk full'), { debug: false })).toMatch(
      /^loci: disk full\n.*LOCI_DEBUG=1/,
    );
    const text = describeError(new TypeError('x is undefined'), { debug: false });
    expect(text).toMatch(/^loci: unexpected error: x is undefined\n/);
    expect(text).toContain('LOCI_DEBUG=1');
    expect(text).not.toContain('    at ');
  });

  it('prints stacks and causes in debug mode', () => {
    const error = new LociError('outer', { code: 'x', category: 'system', cause: new Error('inner reason') });
    const text = describeError(error, { debug: true });
    expect(text).toContain('code x, category system');
    expect(text).toContain('    at ');
    expect(text).toContain('caused by: Error: inner reason');
  });

  it('describes thrown non-errors', () => {
    expect(describeError('just a string', { debug: false })).toMatch(
      /^loci: unexpected error: just a string/,
    );
  });
});
