const stopwords = new Set(
  'the and for are was were with what when where who whom which why how did does has have had his her its our their this that from into about you your they them she him not but'.split(
    ' ',
  ),
);

/** Content words: lower-case letters and digits, longer than two characters, no stopwords. */
export function contentTerms(text: string): Set<string> {
  return new Set(
    (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter(
      (word) => word.length > 2 && !stopwords.has(word),
    ),
  );
}

const termsCache = new WeakMap<object, { text: string; terms: Set<string> }>();

/**
 * `contentTerms(item.text)`, remembered per object while its text stays the same: a bulk write
 * compares each new thought with many stored ones, and would otherwise split the same texts again.
 */
export function termsOf(item: { readonly text: string }): ReadonlySet<string> {
  const cached = termsCache.get(item);
  if (cached && cached.text === item.text) return cached.terms;
  const terms = contentTerms(item.text);
  termsCache.set(item, { text: item.text, terms });
  return terms;
}

/** |a ∩ b| / |a ∪ b|: 1 for the same words, whatever the order. */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const term of a) if (b.has(term)) shared++;
  return shared / (a.size + b.size - shared);
}

/** |a ∩ b| / min(|a|, |b|): 1 when one says every content word of the other. */
export function containment(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  const smaller = Math.min(a.size, b.size);
  if (smaller === 0) return 0;
  let shared = 0;
  for (const term of a) if (b.has(term)) shared++;
  return shared / smaller;
}

/**
 * Whether two thoughts say the same thing, by rule. Vector similarity alone is not enough: with
 * averaged word vectors, two different facts about one person are often 0.9 similar (measured on
 * LoCoMo's observations, many folded into unrelated ones; see docs/tim.md). So a duplicate must also
 * share most of its words (Jaccard ≥ 0.8), and a same-subject merge must say nearly everything
 * the shorter thought says (containment ≥ 0.8).
 */
export const duplicateWordOverlap = 0.8;
export const mergeWordContainment = 0.8;
