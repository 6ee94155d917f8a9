import { describe, expect, it } from 'vitest';
import { maySameStem, textMayMatch } from './text-may-match.js';

describe('the tail pre-check of a text search', () => {
  it('lets through every word form a stemmer could fold together', () => {
    for (const [a, b] of [
      ['run', 'running'],
      ['dogs', 'dog'],
      ['walked', 'walking'],
      ['study', 'studies'],
      ['pony', 'ponies'],
      ['happy', 'happiness'],
      ['go', 'goes'],
      ['5', '5'],
    ] as const) {
      expect(maySameStem(a, b), `${a} / ${b}`).toBe(true);
      expect(maySameStem(b, a), `${b} / ${a}`).toBe(true);
    }
    expect(maySameStem('dog', 'cat')).toBe(false);
    expect(maySameStem('kestrel', 'kettle')).toBe(false);
  });

  it('matches case- and accent-insensitively and skips stop words', () => {
    const matches = textMayMatch('The Café in Zürich');
    expect(matches('we met at the cafe')).toBe(true);
    expect(matches('ZURICH was cold')).toBe(true);
    // "the" and "in" are stop words: sharing only them is no match.
    expect(matches('in the morning')).toBe(false);
    expect(textMayMatch('the of and')('the of and')).toBe(false);
  });

  it('finds a word said a moment ago, in any script', () => {
    expect(textMayMatch('zorblax')('My dog is named Zorblax.')).toBe(true);
    expect(textMayMatch('東京')('昨日 東京 に 行った')).toBe(true);
    expect(textMayMatch('Zorblax')('a quiet evening with a book')).toBe(false);
  });
});
