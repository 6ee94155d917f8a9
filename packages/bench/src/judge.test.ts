import { describe, expect, it } from 'vitest';
import { parseLocomoVerdict, parseYesNoVerdict, saysNotMentioned } from './judge.js';

describe('judge replies', () => {
  it('reads the JSON label first, then a lone label word', () => {
    expect(parseLocomoVerdict('Same city. {"label": "CORRECT"}')).toBe('correct');
    expect(parseLocomoVerdict('It is not CORRECT. {"label":"WRONG"}')).toBe('wrong');
    expect(parseLocomoVerdict('WRONG')).toBe('wrong');
    expect(parseLocomoVerdict('CORRECT.')).toBe('correct');
  });

  it('calls a reply with both labels, neither, or nothing unparseable', () => {
    expect(parseLocomoVerdict('CORRECT or WRONG, hard to say')).toBe('unparseable');
    expect(parseLocomoVerdict('I think the answer is fine')).toBe('unparseable');
    expect(parseLocomoVerdict('')).toBe('unparseable');
    expect(parseLocomoVerdict(null)).toBe('unparseable');
  });

  it('reads yes/no for LongMemEval', () => {
    expect(parseYesNoVerdict('Yes.')).toBe('correct');
    expect(parseYesNoVerdict('no')).toBe('wrong');
    expect(parseYesNoVerdict('yes and no')).toBe('unparseable');
    expect(parseYesNoVerdict('maybe')).toBe('unparseable');
  });

  it('scores adversarial answers as LoCoMo does', () => {
    expect(saysNotMentioned('Not mentioned in the conversation.')).toBe(true);
    expect(saysNotMentioned('He is a pilot')).toBe(false);
  });
});
