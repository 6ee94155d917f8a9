import { describe, expect, it } from 'vitest';
import { stem, terms, words } from './text-tokens.js';

describe('text tokens', () => {
  it('lower-cases, drops possessives and stopwords', () => {
    expect(words("Caroline's dog didn't bark")).toEqual(['caroline', 'dog', 'didn', 'bark']);
    expect(terms('What did Caroline paint at the lake?')).toEqual(['carolin', 'paint', 'lake']);
  });

  it('stems inflections of one word to one term', () => {
    expect(new Set(['painted', 'painting', 'paints', 'paint'].map(stem))).toEqual(new Set(['paint']));
    expect(stem('hobbies')).toBe(stem('hobby'));
    expect(stem('running')).toBe('run');
    expect(stem('bus')).toBe('bus');
    expect(stem('class')).toBe('class');
    expect(stem('dancing')).toBe(stem('dance'));
  });
});
