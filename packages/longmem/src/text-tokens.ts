/**
 * Lexical analysis for BM25 and the SideNet's match features: lower-case word tokens, English
 * stopwords removed, a light suffix stemmer so "painted" / "painting" / "paints" meet.
 */

const stopwords = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below ' +
    'between both but by can could did do does doing down during each few for from further had has have ' +
    'having he her here hers herself him himself his how i if in into is it its itself just me more most my ' +
    'myself no nor not now of off on once only or other our ours ourselves out over own same she should so ' +
    'some such than that the their theirs them themselves then there these they this those through to too ' +
    'under until up very was we were what when where which while who whom why will with would you your ' +
    'yours yourself yourselves s t ll re ve d m don didn doesn isn wasn weren won wouldn couldn shouldn ' +
    'also get got really oh yeah hey hi wow lot lots thanks thank much well like one'
  ).split(' '),
);

/** Stopword check on an already lower-cased word. */
export function isStopword(word: string): boolean {
  return stopwords.has(word);
}

/**
 * A light English stemmer (plural, -ing, -ed, -ly, -ies). Deliberately conservative: a wrong merge
 * costs more precision than a missed one costs recall.
 */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  if (w.endsWith('ing') && w.length > 5) w = undouble(w.slice(0, -3));
  else if (w.endsWith('ed') && w.length > 4) w = undouble(w.slice(0, -2));
  else if (w.endsWith('ly') && w.length > 4) w = w.slice(0, -2);
  if (w.endsWith('e') && w.length > 4) w = w.slice(0, -1);
  return w;
}

function undouble(w: string): string {
  const last = w[w.length - 1];
  if (w.length > 3 && last === w[w.length - 2] && last !== 'l' && last !== 's' && last !== 'z') {
    return w.slice(0, -1);
  }
  return w;
}

const wordPattern = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

/** Lower-cased words, possessives dropped ("Caroline's" → "caroline"). Stopwords kept. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const match of text.toLowerCase().matchAll(wordPattern)) {
    const word = match[0].replace(/['’](s|t|ll|re|ve|d|m)$/u, '');
    if (word.length > 0) out.push(word);
  }
  return out;
}

/** Index terms: words without stopwords, stemmed. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const word of words(text)) {
    if (isStopword(word)) continue;
    out.push(stem(word));
  }
  return out;
}
