import { expect, it } from 'vitest';
import { parameterCount, sideNetParameters } from './sidenet-parameters.js';

it('lays the named views end to end over one array: gate, linear, w1, b1, w2', () => {
  const params = sideNetParameters(3, 2);
  expect(params.all.length).toBe(parameterCount(3, 2));
  expect(params.all.length).toBe(1 + 3 + 6 + 2 + 2);
  params.gate[0] = 1;
  params.linear.set([2, 3, 4]);
  params.w1.set([5, 6, 7, 8, 9, 10]);
  params.b1.set([11, 12]);
  params.w2.set([13, 14]);
  expect([...params.all]).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
  expect(() => sideNetParameters(3, 2, new Float64Array(5))).toThrow(RangeError);
});
