import { seededRandom } from '@loci/core';

const vocabulary =
  'the and a dog cat house music concert cello bicycle lisbon travel work meeting friend family dinner movie book park river mountain coffee rain sun weekend project deadline birthday gift'.split(
    ' ',
  );

/** Texts of `words` words drawn (seeded) from a small everyday vocabulary, stop words included. */
export function sampleTexts(words: number, seed = 7): () => string {
  const random = seededRandom(seed);
  return () =>
    Array.from({ length: words }, () => vocabulary[Math.floor(random() * vocabulary.length)]).join(' ');
}
