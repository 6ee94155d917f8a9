import { describe, expect, it } from 'vitest';
import { countMessagesTokens, countTokens, truncateToTokens } from './tokens.js';

describe('token counting', () => {
  it('counts cl100k tokens', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('hello world')).toBe(2);
  });

  it('counts messages with framing and tool calls', () => {
    const plain = countMessagesTokens([{ role: 'user', content: 'hello world' }]);
    const withCall = countMessagesTokens([
      {
        role: 'assistant',
        content: null,
        toolCalls: [{ id: 'c1', name: 'send_message', arguments: '{"message":"hi"}' }],
      },
    ]);
    expect(plain).toBe(3 + 4 + 2);
    expect(withCall).toBeGreaterThan(7);
  });

  it('truncates to a token budget and marks the cut', () => {
    const text = 'word '.repeat(500);
    const cut = truncateToTokens(text, 50);
    expect(countTokens(cut)).toBeLessThanOrEqual(50);
    expect(cut.endsWith('[truncated]')).toBe(true);
    expect(truncateToTokens('short', 50)).toBe('short');
  });
});
