/** What a judge reply says: the label, or that it says neither (counted and reported, never guessed). */
export type Verdict = 'correct' | 'wrong' | 'unparseable';

/**
 * Reads a LoCoMo judge reply: the `"label"` of a JSON object when there is one, else the one
 * label word the text contains; both words or neither is unparseable.
 */
export function parseLocomoVerdict(reply: string | null): Verdict {
  if (!reply) return 'unparseable';
  const labelled = /"label"\s*:\s*"(CORRECT|WRONG)"/i.exec(reply);
  if (labelled) return (labelled[1] as string).toUpperCase() === 'CORRECT' ? 'correct' : 'wrong';
  return oneOf(reply, /\bCORRECT\b/g, /\bWRONG\b/g);
}

/** Reads a LongMemEval judge reply: yes or no, case-insensitive; both or neither is unparseable. */
export function parseYesNoVerdict(reply: string | null): Verdict {
  if (!reply) return 'unparseable';
  return oneOf(reply.toLowerCase(), /\byes\b/g, /\bno\b/g);
}

function oneOf(text: string, correct: RegExp, wrong: RegExp): Verdict {
  const saysCorrect = correct.test(text);
  const saysWrong = wrong.test(text);
  if (saysCorrect === saysWrong) return 'unparseable';
  return saysCorrect ? 'correct' : 'wrong';
}

/**
 * LoCoMo's own rule for adversarial questions (category 5): right when the answer says the
 * conversation does not tell. No judge call, as in the LoCoMo authors' evaluation.
 */
export function saysNotMentioned(answer: string): boolean {
  const text = answer.toLowerCase();
  return /not mentioned|no information|not (?:specified|stated|say|said)|does not (?:say|mention|tell)|unknown|cannot (?:be )?(?:answer|determine)/.test(
    text,
  );
}
