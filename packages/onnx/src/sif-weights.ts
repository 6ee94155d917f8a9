/** SIF's smoothing constant a (Arora et al. 2017 use 1e-3 to 1e-4 with word frequencies). */
export const DEFAULT_SIF_A = 1e-3;

/**
 * SIF weights a / (a + p(w)) for a vocabulary sorted by descending frequency. GloVe ships no counts,
 * only frequency order, so p(w) is estimated with Zipf's law: p(rank r) = 1 / (r · H_N), where H_N
 * is the N-th harmonic number (so the probabilities sum to 1).
 */
export function zipfSifWeights(vocabularySize: number, a: number = DEFAULT_SIF_A): Float32Array {
  let harmonic = 0;
  for (let rank = 1; rank <= vocabularySize; rank++) harmonic += 1 / rank;
  const weights = new Float32Array(vocabularySize);
  for (let index = 0; index < vocabularySize; index++) {
    const probability = 1 / ((index + 1) * harmonic);
    weights[index] = a / (a + probability);
  }
  return weights;
}
