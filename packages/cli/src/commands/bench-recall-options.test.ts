import { describe, expect, it } from 'vitest';
import { parseBenchRecallOptions } from './bench-recall.js';

describe('loci bench recall options', () => {
  it('bounds k at parse time, before any ingest', () => {
    const base = { data: ['x.json'], method: 'bm25' };
    expect(parseBenchRecallOptions({ ...base, k: '1,1000' }).k).toEqual([1, 1000]);
    expect(() => parseBenchRecallOptions({ ...base, k: '1000000000' })).toThrow(/at most 1000/);
    expect(() => parseBenchRecallOptions({ ...base, k: '5,2.5' })).toThrow(/whole number/);
  });
});
