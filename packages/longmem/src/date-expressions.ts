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

/** A span of time a question names, as UTC milliseconds, both ends inclusive. */
export interface DateRange {
  start: number;
  end: number;
}

const months = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const monthPattern =
  '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
const ordinal = '(?:st|nd|rd|th)?';
const dayMonthYear = new RegExp(
  `\\b(\\d{1,2})${ordinal}\\s+(?:of\\s+)?${monthPattern},?\\s+(\\d{4})\\b`,
  'gi',
);
const monthDayYear = new RegExp(`\\b${monthPattern}\\s+(\\d{1,2})${ordinal},?\\s+(\\d{4})\\b`, 'gi');
const monthYear = new RegExp(`\\b${monthPattern},?\\s+(\\d{4})\\b`, 'gi');
const day = 24 * 60 * 60 * 1000;

function monthIndex(name: string): number {
  const lower = name.toLowerCase().replace('.', '');
  return months.findIndex((month) => month.startsWith(lower.slice(0, 3)));
}

function dayRange(year: number, month: number, date: number): DateRange | undefined {
  const start = Date.UTC(year, month, date);
  if (month < 0 || date < 1 || new Date(start).getUTCDate() !== date) return undefined;
  // A day either side: a session's time zone is unknown, and "on May 3" may mean the evening before.
  return { start: start - day, end: start + 2 * day - 1 };
}

/**
 * The calendar dates a question names ("on 3 June, 2023", "on October 13, 2023", "in May 2023"),
 * as ranges to match against when turns were said. Relative expressions ("last week") name no
 * range without a reference date and are left to the temporal features.
 */
export function queryDateRanges(text: string): DateRange[] {
  const out: DateRange[] = [];
  const taken: [number, number][] = [];
  const overlaps = (index: number, length: number) =>
    taken.some(([from, to]) => index < to && index + length > from);
  for (const match of text.matchAll(dayMonthYear)) {
    const range = dayRange(Number(match[3]), monthIndex(match[2] ?? ''), Number(match[1]));
    if (range) out.push(range);
    taken.push([match.index, match.index + match[0].length]);
  }
  for (const match of text.matchAll(monthDayYear)) {
    if (overlaps(match.index, match[0].length)) continue;
    const range = dayRange(Number(match[3]), monthIndex(match[1] ?? ''), Number(match[2]));
    if (range) out.push(range);
    taken.push([match.index, match.index + match[0].length]);
  }
  for (const match of text.matchAll(monthYear)) {
    if (overlaps(match.index, match[0].length)) continue;
    const year = Number(match[2]);
    const month = monthIndex(match[1] ?? '');
    if (month < 0) continue;
    out.push({ start: Date.UTC(year, month, 1) - day, end: Date.UTC(year, month + 1, 1) + day - 1 });
  }
  return out;
}

/** Formats a date the ways people name one in a question (for self-supervised pseudo-queries). */
export function spokenDate(at: Date, style: number): string {
  const month = months[at.getUTCMonth()] as string;
  const name = `${month[0]?.toUpperCase()}${month.slice(1)}`;
  const year = at.getUTCFullYear();
  const date = at.getUTCDate();
  if (style % 3 === 0) return `on ${date} ${name}, ${year}`;
  if (style % 3 === 1) return `on ${name} ${date}, ${year}`;
  return `in ${name} ${year}`;
}
