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

const pattern = /^\s*(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})\s*$/i;

/**
 * Parses LoCoMo session times such as "1:56 pm on 8 May, 2023" (taken as UTC: the data set names
 * no time zone). Returns undefined for text in any other shape, so the caller can name the field.
 */
export function parseSessionDate(text: string): Date | undefined {
  const match = pattern.exec(text);
  if (!match) return undefined;
  const [, hourText, minuteText, meridiem, dayText, monthText, yearText] = match;
  const month = months.findIndex((name) => name.startsWith((monthText ?? '').toLowerCase().slice(0, 3)));
  if (month < 0) return undefined;
  let hour = Number(hourText) % 12;
  if ((meridiem ?? '').toLowerCase() === 'pm') hour += 12;
  const minute = Number(minuteText);
  const day = Number(dayText);
  const year = Number(yearText);
  if (minute > 59 || day < 1 || day > 31) return undefined;
  const date = new Date(Date.UTC(year, month, day, hour, minute));
  // Reject dates that rolled over (31 February becomes 3 March).
  if (date.getUTCDate() !== day) return undefined;
  return date;
}
