import { describe, expect, it } from 'vitest';
import { excerpt, formatDay, formatDuration } from './format.js';

describe('format helpers', () => {
  it('formats days in UTC and durations', () => {
    expect(formatDay(new Date('2024-02-07T23:59:00Z'))).toBe('7 Feb 2024');
    expect(formatDuration(12.4)).toBe('12 ms');
    expect(formatDuration(2450)).toBe('2.5 s');
  });

  it('cuts text at a word boundary and flattens whitespace', () => {
    expect(excerpt('short', 10)).toBe('short');
    expect(excerpt('one two\nthree four five', 14)).toBe('one two three…');
    expect(excerpt('abcdefghijklmnop', 6)).toBe('abcde…');
  });
});
