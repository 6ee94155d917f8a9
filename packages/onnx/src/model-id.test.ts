import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelDirectory, modelIdSchema } from './model-id.js';

describe('model ids', () => {
  it('accepts hub ids with and without an owner', () => {
    for (const id of [
      'sentence-transformers/all-MiniLM-L6-v2',
      'BAAI/bge-small-en-v1.5',
      'e5_small',
      'a.b-c',
    ]) {
      expect(modelIdSchema.safeParse(id).success).toBe(true);
    }
  });

  it('refuses ids that could leave the models folder or confuse a shell', () => {
    for (const id of [
      '../etc',
      'a/../../b',
      '/abs/path',
      'a/b/c',
      'a\\b',
      '',
      '.hidden',
      'a/..',
      'x;rm -rf',
      'a b',
    ]) {
      expect(modelIdSchema.safeParse(id).success).toBe(false);
    }
  });

  it('maps an id to a folder under <home>/models', () => {
    expect(modelDirectory('/home/u/.loci', 'owner/name')).toBe(
      join('/home/u/.loci', 'models', 'owner', 'name'),
    );
  });
});
