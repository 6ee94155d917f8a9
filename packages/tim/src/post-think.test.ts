import { describe, expect, it } from 'vitest';
import { checkProposals } from './post-think.js';
import { postThinkMessages } from './post-think-prompt.js';

const turns = [
  {
    id: 'D1:1',
    speaker: 'Ana',
    text: 'I moved to Lisbon yesterday.',
    at: new Date(Date.UTC(2023, 4, 8, 10)),
  },
  { id: 'D1:2', speaker: 'Ben', text: 'Welcome!', at: new Date(Date.UTC(2023, 4, 8, 11)) },
];

const base = {
  subject: 'Ana',
  relation: 'lives in',
  object: 'Lisbon',
  text: 'Ana moved to Lisbon on 7 May 2023.',
};

describe('post-think proposals', () => {
  it('keeps thoughts citing shown turns and shown thoughts; drops the rest with a reason', () => {
    const { proposals, dropped } = checkProposals(
      {
        thoughts: [
          {
            ...base,
            sources: ['D1:1', 'D1:2', 'D1:1'],
            label: 'update',
            target: 'T1',
            validFrom: '2023-05-07',
          },
          { ...base, sources: ['D9:9'], label: 'new' },
          { ...base, sources: ['D1:1'], label: 'same', target: 'T4' },
          { ...base, sources: ['D1:1'], label: 'contradicts', target: null },
          { ...base, sources: ['D1:1'], label: 'new', validFrom: 'last week' },
        ],
      },
      turns,
      new Map([['T1', 'th_real']]),
    );
    expect(proposals).toEqual([
      {
        ...base,
        sources: ['D1:1', 'D1:2'],
        label: 'update',
        target: 'th_real',
        validFrom: new Date(Date.UTC(2023, 4, 7)),
        at: turns[1]?.at,
      },
      { ...base, sources: ['D1:1'], label: 'new', at: turns[0]?.at },
    ]);
    expect(dropped.map((entry) => entry.reason)).toEqual([
      'unknown-source',
      'unknown-target',
      'missing-target',
    ]);
    expect(dropped[0]?.detail).toContain('"D9:9"');
  });

  it('shows turns and candidates as JSON lines, with each turn time for resolving relative dates', () => {
    const [system, user] = postThinkMessages(turns, [
      { alias: 'T1', ...base, validFrom: new Date(Date.UTC(2023, 0, 1)) },
    ]);
    expect(system?.content).toMatch(/Resolve relative dates/);
    expect(user?.content).toContain('{"id":"T1","subject":"Ana"');
    expect(user?.content).toContain(
      '{"id":"D1:1","time":"2023-05-08 10:00","speaker":"Ana","text":"I moved to Lisbon yesterday."}',
    );
  });
});
