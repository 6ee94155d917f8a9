/**
 * The lexical answer scores LoCoMo papers report next to the LLM judge: token F1 (SQuAD-style,
 * as LoCoMo's own evaluation) and BLEU-1 (clipped unigram precision with the brevity penalty, as
 * nltk's `sentence_bleu(weights=(1, 0, 0, 0))` that mem0's evaluation calls). Both in 0..1.
 */

const articles = new Set(['a', 'an', 'the']);

/** Lower case, punctuation dropped, articles dropped, split on whitespace. */
export function answerTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .split(/\s+/)
    .filter((token) => token.length > 0 && !articles.has(token));
}

function counts(tokens: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const token of tokens) out.set(token, (out.get(token) ?? 0) + 1);
  return out;
}

/** Tokens the two share, each counted as often as it occurs in both (multiset intersection). */
function overlap(prediction: readonly string[], reference: readonly string[]): number {
  const available = counts(reference);
  let shared = 0;
  for (const token of prediction) {
    const left = available.get(token) ?? 0;
    if (left > 0) {
      shared++;
      available.set(token, left - 1);
    }
  }
  return shared;
}

/** Token F1 between an answer and the reference; 1 when both are empty, 0 when one is. */
export function tokenF1(prediction: string, reference: string): number {
  const predicted = answerTokens(prediction);
  const expected = answerTokens(reference);
  if (predicted.length === 0 || expected.length === 0) return predicted.length === expected.length ? 1 : 0;
  const shared = overlap(predicted, expected);
  if (shared === 0) return 0;
  const precision = shared / predicted.length;
  const recall = shared / expected.length;
  return (2 * precision * recall) / (precision + recall);
}

/**
 * BLEU-1 with one reference: clipped unigram precision × brevity penalty exp(1 − r/c) when the
 * answer is shorter than the reference. Tokens are lower-cased words (punctuation dropped, articles
 * kept, as BLEU does not drop them).
 */
export function bleu1(prediction: string, reference: string): number {
  const words = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s]/gu, ' ')
      .split(/\s+/)
      .filter((token) => token.length > 0);
  const predicted = words(prediction);
  const expected = words(reference);
  if (predicted.length === 0 || expected.length === 0) return 0;
  const precision = overlap(predicted, expected) / predicted.length;
  const brevity = predicted.length >= expected.length ? 1 : Math.exp(1 - expected.length / predicted.length);
  return precision * brevity;
}
