import { ConfigError } from '@loci/core';
import { expect, it } from 'vitest';
import { parseMarkdownTranscript } from './markdown-transcript.js';

it('reads dated sessions of "Name: text" lines, with continuation lines and LoCoMo-style ids', () => {
  const sessions = parseMarkdownTranscript(
    [
      '# A title',
      '',
      '## 2024-03-14 18:30',
      'Ada: Hello there',
      'and more',
      'Bo: Hi',
      '## 2024-03-15',
      'Ada: Again',
    ].join('\n'),
    'chat.md',
  );
  expect(sessions.map((session) => session.at.toISOString())).toEqual([
    '2024-03-14T18:30:00.000Z',
    '2024-03-15T00:00:00.000Z',
  ]);
  expect(sessions[0]?.turns.map(({ id, speaker, text }) => ({ id, speaker, text }))).toEqual([
    { id: 'D1:1', speaker: 'Ada', text: 'Hello there\nand more' },
    { id: 'D1:2', speaker: 'Bo', text: 'Hi' },
  ]);
  expect(sessions[1]?.turns[0]?.id).toBe('D2:1');
  expect(sessions[0]?.turns[1]?.at.getTime()).toBeGreaterThan(
    sessions[0]?.turns[0]?.at.getTime() ?? Infinity,
  );
});

it.each([
  ['Ada: hello', /chat\.md:1: a turn before the first session header/],
  ['## 2024-02-30\nAda: hi', /chat\.md:1: "## 2024-02-30" is not a real date/],
  ['## March 3rd\nAda: hi', /chat\.md:1: "## March 3rd": a session header is/],
  ['## 2024-03-01\njust words', /chat\.md:2: expected "Name: text"/],
  ['## 2024-03-01\nAda: hi\n## 2024-03-02', /session_2 \(2024-03-02\) has no turns/],
  ['# only a title', /no session header/],
])('refuses %j, naming the line', (text, message) => {
  expect(() => parseMarkdownTranscript(text, 'chat.md')).toThrow(message);
  expect(() => parseMarkdownTranscript(text, 'chat.md')).toThrow(ConfigError);
});
