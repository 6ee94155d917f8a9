import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitToBudget } from './fit-to-budget.js';

const items = (...tokens: number[]) => tokens.map((count, index) => ({ id: index, tokens: count }));

describe('fitToBudget', () => {
  it('takes the first k, then items in order while they fit, stopping at the first that does not', () => {
    expect(fitToBudget(items(3, 4, 5), {}).map((item) => item.id)).toEqual([0, 1, 2]);
    expect(fitToBudget(items(3, 4, 5), { k: 2 }).map((item) => item.id)).toEqual([0, 1]);
    expect(fitToBudget(items(3, 4, 5), { tokenBudget: 7 }).map((item) => item.id)).toEqual([0, 1]);
    // The third item (1 token) would fit, but the second did not: the cut keeps the ranking's order.
    expect(fitToBudget(items(3, 9, 1), { tokenBudget: 5 }).map((item) => item.id)).toEqual([0]);
    expect(fitToBudget(items(8), { tokenBudget: 5 })).toEqual([]);
    expect(fitToBudget(items(1, 1, 1), { k: 2, tokenBudget: 100 }).map((item) => item.id)).toEqual([0, 1]);
  });

  it('returns a prefix within both limits (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(50)),
        fc.option(fc.nat(20), { nil: undefined }),
        fc.option(fc.nat(200), { nil: undefined }),
        (tokens, k, tokenBudget) => {
          const list = items(...tokens);
          const fitted = fitToBudget(list, {
            ...(k === undefined ? {} : { k }),
            ...(tokenBudget === undefined ? {} : { tokenBudget }),
          });
          expect(fitted).toEqual(list.slice(0, fitted.length));
          if (k !== undefined) expect(fitted.length).toBeLessThanOrEqual(k);
          const used = fitted.reduce((sum, item) => sum + item.tokens, 0);
          if (tokenBudget !== undefined) expect(used).toBeLessThanOrEqual(tokenBudget);
          const next = list[fitted.length];
          if (next && (k === undefined || fitted.length < k)) {
            expect(tokenBudget !== undefined && used + next.tokens > tokenBudget).toBe(true);
          }
        },
      ),
    );
  });
});
