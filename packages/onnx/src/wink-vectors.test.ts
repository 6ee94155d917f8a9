import { LociError } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { GLOVE_VECTORS_PACKAGE, GLOVE_VECTORS_VERSION, readWinkVectors } from './wink-vectors.js';

describe('readWinkVectors', () => {
  it('names the package to install when the optional GloVe vectors are absent', async () => {
    const notInstalled = (specifier: string): string => {
      throw Object.assign(new Error(`Cannot find module '${specifier}'`), { code: 'MODULE_NOT_FOUND' });
    };
    const failure = await readWinkVectors(notInstalled).catch((error: unknown) => error);
    expect(LociError.isInstance(failure)).toBe(true);
    const error = failure as LociError;
    expect(error.code).toBe('glove_vectors_missing');
    expect(error.category).toBe('user');
    expect(error.message).toContain(`${GLOVE_VECTORS_PACKAGE}@${GLOVE_VECTORS_VERSION}`);
    expect((error.cause as { code?: string }).code).toBe('MODULE_NOT_FOUND');
  });

  it('declares the same vectors version as the package manifest', async () => {
    const manifest = await import('../package.json', { with: { type: 'json' } });
    expect(manifest.default.peerDependencies[GLOVE_VECTORS_PACKAGE]).toBe(GLOVE_VECTORS_VERSION);
  });
});
