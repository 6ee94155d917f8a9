import { describe, expect, it } from 'vitest';
import { parseSessionDate } from './session-date.js';

describe('parseSessionDate', () => {
  it('parses LoCoMo session times', () => {
    expect(parseSessionDate('1:56 pm on 8 May, 2023')?.toISOString()).toBe('2023-05-08T13:56:00.000Z');
    expect(parseSessionDate('12:09 am on 13 September, 2023')?.toISOString()).toBe(
      '2023-09-13T00:09:00.000Z',
    );
    expect(parseSessionDate('12:30 pm on 1 Jan, 2024')?.toISOString()).toBe('2024-01-01T12:30:00.000Z');
  });

  it('rejects other shapes and impossible dates', () => {
    expect(parseSessionDate('yesterday')).toBeUndefined();
    expect(parseSessionDate('1:56 pm on 31 February, 2023')).toBeUndefined();
    expect(parseSessionDate('1:56 pm on 8 Smarch, 2023')).toBeUndefined();
  });
});
