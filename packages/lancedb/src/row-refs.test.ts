import { describe, expect, it } from 'vitest';
import { idInClause, idSlices, rowsClause } from './row-refs.js';

describe('idSlices', () => {
  it('cuts ids into consecutive slices of at most the size, none empty', () => {
    expect(idSlices(['a', 'b', 'c', 'd', 'e'], 2)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(idSlices(['a', 'b'], 2)).toEqual([['a', 'b']]);
    expect(idSlices([], 2)).toEqual([]);
  });

  it('slices 500 ids at a time by default', () => {
    const ids = Array.from({ length: 1201 }, (_, index) => `id${index}`);
    expect(idSlices(ids).map((slice) => slice.length)).toEqual([500, 500, 201]);
    expect(idSlices(ids).flat()).toEqual(ids);
  });
});

describe('row clauses', () => {
  it('escapes ids', () => {
    expect(idInClause(["it's", 'b'])).toBe("`id` IN ('it''s', 'b')");
  });

  it('groups rows by namespace', () => {
    expect(
      rowsClause([
        { namespace: 'a', id: '1' },
        { namespace: "o'b", id: '2' },
        { namespace: 'a', id: '3' },
      ]),
    ).toBe("(`namespace` = 'a' AND `id` IN ('1', '3')) OR (`namespace` = 'o''b' AND `id` IN ('2'))");
  });
});
