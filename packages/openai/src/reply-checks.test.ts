import { ProviderError } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { providerFacts } from './provider-error.js';
import { checkFinished } from './reply-checks.js';

const call = (name: string, args: string) => ({ id: 'c1', name, arguments: args });

describe('checkFinished', () => {
  it('accepts well-formed text, emoji (surrogate pairs) included', () => {
    expect(() =>
      checkFinished('stop', 'fine 😀 text \u0000', [call('send_message', '{"message":"😀"}')], 'chat'),
    ).not.toThrow();
    expect(() => checkFinished('stop', null, [], 'chat')).not.toThrow();
  });

  it('refuses a lone surrogate in the content, a tool name or arguments with invalid_reply', () => {
    const cases = [
      { content: 'a\uD800b', calls: [], part: 'content', index: 1 },
      { content: 'x', calls: [call('send\uDC00', '{}')], part: 'the name of tool call 0', index: 4 },
      {
        content: null,
        calls: [call('send_message', '{}'), call('send_message', '{"m":"\uD83D"}')],
        part: 'the arguments of tool call 1',
        index: 6,
      },
    ];
    for (const { content, calls, part, index } of cases) {
      const error = (() => {
        try {
          checkFinished('stop', content, calls, 'chat');
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(ProviderError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code: 'invalid_reply', retryable: false });
      expect(String(error)).toContain(`the reply's ${part} has a lone UTF-16 surrogate at index ${index}`);
      expect(providerFacts(error)).toMatchObject({ part, index });
    }
  });
});
