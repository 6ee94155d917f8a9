import { describe, expect, it } from 'vitest';
import { createGloveTokenizer } from './glove-tokenizer.js';

const words = [
  'the',
  'do',
  'not',
  'can',
  'will',
  'caroline',
  'went',
  'well-known',
  'mother',
  'law',
  'cafe',
  'mp3',
];
const vocabulary = new Map(words.map((word, index) => [word, index]));
const tokenizer = createGloveTokenizer(vocabulary);

describe('glove tokenizer', () => {
  it('lower-cases and drops punctuation', () => {
    expect(tokenizer.words('The CAT, sat!!! (on) the mat.')).toEqual([
      'the',
      'cat',
      'sat',
      'on',
      'the',
      'mat',
    ]);
  });

  it('expands contractions into the words they stand for', () => {
    expect(tokenizer.words("don't can't won't it's we're I'll they've I'm she'd")).toEqual([
      'do',
      'not',
      'can',
      'not',
      'will',
      'not',
      'it',
      'we',
      'are',
      'i',
      'will',
      'they',
      'have',
      'i',
      'am',
      'she',
      'would',
    ]);
  });

  it('drops possessive and trailing apostrophes', () => {
    expect(tokenizer.words("Caroline's dog and the students' books")).toEqual([
      'caroline',
      'dog',
      'and',
      'the',
      'students',
      'books',
    ]);
  });

  it('treats typographic apostrophes like ASCII ones and strips accents', () => {
    expect(tokenizer.words('Caroline\u2019s caf\u00e9 \u201cdon\u2019t\u201d na\u00efve')).toEqual([
      'caroline',
      'cafe',
      'do',
      'not',
      'naive',
    ]);
  });

  it('keeps hyphenated compounds and numbers as words', () => {
    expect(tokenizer.words('A well-known 3.5-hour trip in 2023 -- really')).toEqual([
      'a',
      'well-known',
      '3',
      '5-hour',
      'trip',
      'in',
      '2023',
      'really',
    ]);
  });

  it('maps known words to ids, splits unknown compounds and skips unknown words', () => {
    expect(tokenizer.encode("Caroline's well-known mother-law caf\u00e9 went zzzq 2023 MP3", 100)).toEqual([
      5, 7, 8, 9, 10, 6, 11,
    ]);
  });

  it('stops at maxLength known words', () => {
    expect(tokenizer.encode('the the the the the', 3)).toEqual([0, 0, 0]);
    expect(tokenizer.encode('', 3)).toEqual([]);
    expect(tokenizer.encode('!!! ???', 3)).toEqual([]);
  });
});
