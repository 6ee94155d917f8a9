/** Which keys a value gets when its caller does not name them. */
export interface KeyOptions {
  /** One key per sentence of a value with two or more sentences. Default true. */
  sentences?: boolean;
  /** A key of the value together with its predecessor in the same context. Default false. */
  withPrevious?: boolean;
}

/** A key to embed: its text and what it is. */
export interface KeyText {
  kind: 'turn' | 'sentence' | 'previous' | (string & {});
  text: string;
}

// A sentence ends at . ! or ? followed by space (or the end); abbreviations are rare in chat.
const sentenceEnd = /(?<=[.!?])\s+(?=\S)/;

/** The sentences of a text, trimmed, empty ones dropped. */
export function splitSentences(text: string): string[] {
  return text
    .split(sentenceEnd)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length > 0);
}

/**
 * The keys of a turn-like value: the whole `speaker: text`, each sentence as `speaker: sentence`
 * (the speaker stays: questions name who said what), and optionally the predecessor and the turn
 * together. Duplicate texts are dropped, so a one-sentence turn has a single key.
 */
export function valueKeys(
  value: { speaker?: string; text: string },
  options: KeyOptions = {},
  previous?: { speaker?: string; text: string },
): KeyText[] {
  const prefix = value.speaker ? `${value.speaker}: ` : '';
  const whole = `${prefix}${value.text}`;
  const keys: KeyText[] = [{ kind: 'turn', text: whole }];
  if (options.sentences ?? true) {
    const sentences = splitSentences(value.text);
    if (sentences.length > 1)
      for (const sentence of sentences) keys.push({ kind: 'sentence', text: `${prefix}${sentence}` });
  }
  if (options.withPrevious && previous) {
    const before = previous.speaker ? `${previous.speaker}: ${previous.text}` : previous.text;
    keys.push({ kind: 'previous', text: `${before}\n${whole}` });
  }
  const seen = new Set<string>();
  return keys.filter((key) => !seen.has(key.text) && seen.add(key.text) !== undefined);
}
