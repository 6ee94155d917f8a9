import { describe, expect, it } from 'vitest';
import { answerTokens, bleu1, tokenF1 } from './qa-metrics.js';

describe('token F1', () => {
  it('drops case, punctuation and articles', () => {
    expect(answerTokens('The Cat, a dog!')).toEqual(['cat', 'dog']);
  });

  it('matches hand-computed values', () => {
    // prediction: [went, to, paris, in, may] (5), reference: [paris, may, 2023] (3); shared 2.
    // precision 2/5, recall 2/3, F1 = 2·0.4·0.6667/(1.0667) = 0.5
    expect(tokenF1('Went to Paris in May.', 'Paris, May 2023')).toBeCloseTo(0.5, 10);
    expect(tokenF1('the lake', 'Lake')).toBe(1);
    expect(tokenF1('blue', 'red')).toBe(0);
    expect(tokenF1('', 'red')).toBe(0);
    expect(tokenF1('', '')).toBe(1);
  });

  it('counts a repeated word only as often as the reference has it', () => {
    // prediction [yes, yes, yes] vs [yes, no]: shared 1, P 1/3, R 1/2 → F1 0.4
    expect(tokenF1('yes yes yes', 'yes no')).toBeCloseTo(0.4, 10);
  });
});

describe('BLEU-1', () => {
  it('is clipped unigram precision when the answer is not shorter', () => {
    // [the, the, cat] vs [the, cat]: clipped matches 2 of 3, no brevity penalty
    expect(bleu1('the the cat', 'the cat')).toBeCloseTo(2 / 3, 10);
  });

  it('applies the brevity penalty to a short answer', () => {
    // [paris] vs [she, went, to, paris]: precision 1, BP exp(1 - 4/1) = exp(-3)
    expect(bleu1('Paris', 'She went to Paris')).toBeCloseTo(Math.exp(-3), 10);
  });

  it('is 0 for no overlap or an empty answer', () => {
    expect(bleu1('red', 'blue')).toBe(0);
    expect(bleu1('', 'blue')).toBe(0);
  });
});
