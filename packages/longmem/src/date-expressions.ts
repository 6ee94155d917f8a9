const monthNames =
  'january|february|march|april|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec';
const dayNames = 'monday|tuesday|wednesday|thursday|friday|saturday|sunday';

const turnDatePattern = new RegExp(
  [
    '\\b(yesterday|today|tonight|tomorrow|recently|lately|ago|weekend|anniversary|birthday)\\b',
    `\\b(last|next|this|past|few|coming)\\s+(week|weeks|month|months|year|years|weekend|night|summer|winter|spring|fall|${dayNames})\\b`,
    `\\b(${monthNames}|${dayNames})\\b`,
    '\\b(19|20)\\d\\d\\b',
    '\\b(may)\\s+\\d{1,2}\\b',
  ].join('|'),
  'i',
);

const temporalQuestionPattern =
  /\b(when|what (year|month|day|date|time|week)|which (year|month|day|week)|how long|how many (days|weeks|months|years)|since when|what period)\b/i;

/** The text mentions a time: a relative expression ("last week", "yesterday"), a month, day or year. */
export function hasDateExpression(text: string): boolean {
  return turnDatePattern.test(text);
}

/** The question asks about time ("When did…", "How long…", "What year…"). */
export function isTemporalQuestion(text: string): boolean {
  return temporalQuestionPattern.test(text);
}
