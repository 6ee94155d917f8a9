import { describe, expect, it } from 'vitest';
import { createPartialFieldReader, readPartialStringField } from './partial-message.js';

describe('partial JSON string field', () => {
  it('reads a field before the object is complete', () => {
    expect(readPartialStringField('{"message": "Hel', 'message')).toBe('Hel');
    expect(readPartialStringField('{"message"', 'message')).toBeUndefined();
    expect(readPartialStringField('{"request_heartbeat": false, "message": "Hi', 'message')).toBe('Hi');
  });

  it('ignores the same name nested or as a value', () => {
    expect(
      readPartialStringField('{"meta": {"message": "no"}, "x": "message", "message": "yes"}', 'message'),
    ).toBe('yes');
  });

  it('decodes escapes and stops before an incomplete one', () => {
    expect(readPartialStringField('{"message": "a\\"b\\nc\\u00e9', 'message')).toBe('a"b\nc\u00e9');
    expect(readPartialStringField('{"message": "a\\', 'message')).toBe('a');
    expect(readPartialStringField('{"message": "a\\u00', 'message')).toBe('a');
  });

  it('streams each piece of text once, whatever the chunking', () => {
    const full = JSON.stringify({ message: 'Hello "world" 👋 ok\n', request_heartbeat: false });
    for (const size of [1, 2, 3, 7, 100]) {
      const reader = createPartialFieldReader('message');
      let text = '';
      for (let i = 0; i < full.length; i += size) text += reader.push(full.slice(i, i + size));
      expect(text).toBe('Hello "world" 👋 ok\n');
    }
  });

  it('streams escaped surrogate pairs whole', () => {
    const full = '{"message": "hi \\ud83d\\udc4b!"}';
    const reader = createPartialFieldReader('message');
    const pieces: string[] = [];
    for (const char of full) pieces.push(reader.push(char));
    expect(pieces.join('')).toBe('hi 👋!');
    expect(pieces.every((piece) => !/[\ud800-\udbff]$/.test(piece))).toBe(true);
  });
});
