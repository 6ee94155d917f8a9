import { ProviderError } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseModelJson, readResponseObject } from './response-object.js';

describe('parseModelJson', () => {
  it('reads plain, fenced and embedded JSON', () => {
    expect(parseModelJson(' {"a":1} ')).toEqual({ value: { a: 1 } });
    expect(parseModelJson('```json\n{"a":2}\n```')).toEqual({ value: { a: 2 } });
    expect(parseModelJson('Sure! {"a":3} Hope that helps.')).toEqual({ value: { a: 3 } });
    expect(parseModelJson('no json here')).toBeUndefined();
    expect(parseModelJson('{"a": ')).toBeUndefined();
  });
});

describe('readResponseObject', () => {
  const schema = z.object({ name: z.string(), age: z.number().int() });

  it('returns the validated value', () => {
    expect(readResponseObject('{"name":"Ada","age":36}', schema, false)).toEqual({ name: 'Ada', age: 36 });
  });

  it('names the failing field, quotes the reply, and says when maxTokens cut it', () => {
    const error = (() => {
      try {
        readResponseObject('{"name":"Ada","age":"old"}', schema, true);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toContain('age');
    expect((error as Error).message).toContain('"old"');
    expect((error as Error).message).toContain('maxTokens');
    expect(() => readResponseObject(null, schema, false)).toThrow('no content');
    expect(() => readResponseObject('{"name": "Ad', schema, true)).toThrow(
      /not JSON \(cut off at maxTokens\)/,
    );
  });
});
