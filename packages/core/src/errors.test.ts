import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, DimensionMismatchError, LociError, ProviderError } from './errors.js';
import { parseWith } from './parse.js';

describe('LociError', () => {
  it('is recognised through its marker, not only instanceof', () => {
    const error = new DimensionMismatchError({ expected: 100, actual: 3 });
    expect(LociError.isInstance(error)).toBe(true);
    expect(LociError.isInstance(new Error('x'))).toBe(false);
    expect(LociError.isInstance({ [Symbol.for('loci.error')]: true })).toBe(true);
    expect(error.message).toContain('3');
    expect(error.message).toContain('100');
    expect(error.category).toBe('user');
  });

  it('keeps status and body on provider errors', () => {
    const error = new ProviderError('boom', { status: 502, body: 'bad gateway' });
    expect(error.status).toBe(502);
    expect(error.category).toBe('provider');
  });
});

describe('parseWith', () => {
  it('names the failing field', () => {
    const schema = z.object({ store: z.object({ uri: z.string() }), k: z.number().int().positive() });
    try {
      parseWith(schema, { store: { uri: 3 }, k: -1 }, 'loci config');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(/invalid loci config: store\.uri: .*; k: /);
      expect((error as ConfigError).issues.map((issue) => issue.path)).toEqual(['store.uri', 'k']);
    }
  });
});
