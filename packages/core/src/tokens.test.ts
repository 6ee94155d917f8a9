import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { describe, expect, it } from 'vitest';
import { seededRandom } from './seeded-random.js';
import { countMessagesTokens, countTokens, truncateToTokens } from './tokens.js';

/** OpenAI's reference tokenizer (js-tiktoken), specials as plain text: what ordinary text must match. */
const reference = new Tiktoken(cl100k);
const referenceTokens = (text: string) => reference.encode(text, [], []);

const ordinaryTexts = [
  'hello world',
  "I'm sure we'LL meet; THEY'RE late. Don't worry — it's 3.14159 or 1234567 km away.",
  'Héllo wörld! Grüße aus Köln. Ça va? ¿Qué tal? Привет, мир. Γειά σου κόσμε.',
  '你好，世界。今天天气很好，我们去公园散步吧！こんにちは、元気ですか。안녕하세요.',
  'emoji 🎉🎉 family 👩‍👩‍👧 flags 🇫🇷🇯🇵 and a lone 🙂',
  'function add(a: number, b: number): number {\n\treturn a + b; // sum\n}\n\n\n    indented\r\n',
  'https://example.com/path/to/page?query=1&other=two#anchor and user@example.org',
  '   leading and trailing spaces   \n\n  \t ',
  'Antidisestablishmentarianism Donaudampfschifffahrtsgesellschaftskapitän pneumonoultramicroscopicsilicovolcanoconiosis',
];

describe('token counting', () => {
  it('counts cl100k tokens', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('hello world')).toBe(2);
  });

  it('gives exactly the reference tokenizer counts on ordinary text', () => {
    for (const text of ordinaryTexts) expect(countTokens(text), text).toBe(referenceTokens(text).length);
    // Random mixes of words, digits, punctuation, whitespace and multi-byte characters.
    const alphabet = Array.from("abc XYZ 123 ,.!?\n\t\r é你🎉's-_/");
    const random = seededRandom(7);
    for (let round = 0; round < 500; round++) {
      let text = '';
      const length = Math.floor(random() * 200);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      expect(countTokens(text), JSON.stringify(text)).toBe(referenceTokens(text).length);
    }
  });

  it('counts special-token text as plain text instead of throwing', () => {
    expect(() => reference.encode('<|endoftext|>')).toThrow();
    expect(countTokens('say <|endoftext|> now')).toBe(referenceTokens('say <|endoftext|> now').length);
    expect(countTokens('<|endoftext|>')).toBeGreaterThan(1);
  });

  it('counts long runs without spaces in linear time', { timeout: 10_000 }, () => {
    // One pre-tokenizer piece each; the reference tokenizer takes minutes on these.
    const random = seededRandom(11);
    const dna = Array.from({ length: 40_000 }, () => 'ACGT'[Math.floor(random() * 4)]).join('');
    const cjk = Array.from({ length: 50_000 }, () =>
      String.fromCharCode(0x4e00 + Math.floor(random() * 2000)),
    );
    for (const text of ['a'.repeat(100_000), dna, cjk.join(''), '!'.repeat(100_000), ' '.repeat(100_000)]) {
      expect(countTokens(text)).toBeGreaterThan(0);
    }
    // Linear: a run twice as long has twice the tokens (it is counted in equal chunks).
    expect(countTokens('a'.repeat(200_000))).toBe(2 * countTokens('a'.repeat(100_000)));
    // A run of astral characters is never cut inside a surrogate pair.
    const emoji = '🎉'.repeat(1_000);
    expect(countTokens(emoji)).toBe(countTokens('🎉'.repeat(500)) * 2);
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
    const marker = ' …[truncated]';
    const kept = referenceTokens(text).slice(0, 50 - referenceTokens(marker).length);
    expect(cut).toBe(reference.decode(kept) + marker);
  });

  it('truncates a huge run without spaces to its start', () => {
    const cut = truncateToTokens(`${'x'.repeat(1_000_000)}END`, 20, '…');
    expect(countTokens(cut)).toBeLessThanOrEqual(20);
    expect(cut).toMatch(/^x+…$/);
  });
});
