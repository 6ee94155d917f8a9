import { ConfigError } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { batches, checkEmbedInput } from './embed-input.js';

describe('checkEmbedInput', () => {
  it('accepts a list of strings with a kind', () => {
    expect(() => checkEmbedInput(['a', ''], { kind: 'query' })).not.toThrow();
    expect(() => checkEmbedInput([], { kind: 'document' })).not.toThrow();
  });

  it('names the bad element or option', () => {
    expect(() => checkEmbedInput('text', { kind: 'query' })).toThrow(/texts: expected an array of strings/);
    expect(() => checkEmbedInput(['a', null], { kind: 'query' })).toThrow(
      /texts\.1: expected a string, got null/,
    );
    expect(() => checkEmbedInput(['a'], { kind: 'passage' } as never)).toThrow(
      /kind: expected 'query' or 'document'/,
    );
    expect(() => checkEmbedInput(['a'], undefined)).toThrow(ConfigError);
  });
});

describe('batches', () => {
  it('splits into consecutive slices of at most the given size', () => {
    expect(batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(batches([], 3)).toEqual([]);
  });
});
