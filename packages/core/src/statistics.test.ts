import { describe, expect, it } from 'vitest';
import { formatFigure, percentile, summarizeLatencies } from './statistics.js';

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 95)).toBe(10);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 100)).toBe(10);
    expect(percentile([7], 95)).toBe(7);
  });

  it('has no percentile for no values, and refuses p outside 0..100', () => {
    expect(percentile([], 50)).toBeNull();
    expect(() => percentile([1], 101)).toThrow(/0\.\.100/);
    expect(() => percentile([1], Number.NaN)).toThrow(/0\.\.100/);
  });
});

describe('summarizeLatencies', () => {
  it('summarises timings and says null when there are none', () => {
    expect(summarizeLatencies([3, 1, 2])).toEqual({ count: 3, p50: 2, p95: 3, max: 3 });
    expect(summarizeLatencies([])).toEqual({ count: 0, p50: null, p95: null, max: null });
    expect(JSON.stringify(summarizeLatencies([]))).toBe('{"count":0,"p50":null,"p95":null,"max":null}');
  });

  it('formats a missing figure as n/a', () => {
    expect(formatFigure(null)).toBe('n/a');
    expect(formatFigure(2.345, 2)).toBe('2.35');
  });
});
