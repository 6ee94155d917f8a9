import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, DimensionMismatchError, LociError, ProviderError, StoreError } from './errors.js';
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

  it('isInstance on a subclass matches that class and its subclasses only', () => {
    const config = new ConfigError('bad k');
    const dimension = new DimensionMismatchError({ expected: 3, actual: 2 });
    expect(ConfigError.isInstance(config)).toBe(true);
    expect(ConfigError.isInstance(dimension)).toBe(false);
    expect(ConfigError.isInstance(new LociError('x', { code: 'invalid_config', category: 'user' }))).toBe(
      false,
    );
    expect(ProviderError.isInstance(config)).toBe(false);
    expect(LociError.isInstance(config)).toBe(true);
    class NarrowStoreError extends StoreError {}
    expect(StoreError.isInstance(new NarrowStoreError('x'))).toBe(true);
    expect(NarrowStoreError.isInstance(new StoreError('x'))).toBe(false);
    // Unbound, it matches any Loci error, as LociError.isInstance does.
    const check = ConfigError.isInstance;
    expect(
      [config, dimension, new Error('x')].map((error) => Reflect.apply(check, undefined, [error])),
    ).toEqual([true, true, false]);
  });

  it('isInstance on a subclass recognises the same class from another copy of the package', () => {
    // A second copy's ConfigError: another class object with the same name, the same marker.
    const marker = Symbol.for('loci.error');
    const OtherCopy = { ConfigError: class ConfigError extends Error {} }.ConfigError;
    const foreign = Object.assign(new OtherCopy('bad k'), { [marker]: true, code: 'invalid_config' });
    expect(ConfigError.isInstance(foreign)).toBe(true);
    expect(ProviderError.isInstance(foreign)).toBe(false);
    expect(LociError.isInstance(foreign)).toBe(true);
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
