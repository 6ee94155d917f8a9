import { describe, expect, it } from 'vitest';
import { thoughtsFromObservations } from './locomo-observations.js';

describe('LoCoMo observations as thoughts', () => {
  const sessions = [
    { id: 'session_1', at: new Date(Date.UTC(2023, 4, 8, 13, 56)) },
    { id: 'session_2', at: new Date(Date.UTC(2023, 4, 25)) },
  ];

  it('makes one thought per observation, sourced by its dia_id(s), as of its session', () => {
    const thoughts = thoughtsFromObservations(
      {
        speaker_a: 'Caroline',
        session_2_observation: { Jon: [['Jon is opening a dance studio tomorrow.', ['D2:3', 'D2:5']]] },
        session_1_observation: {
          Caroline: [['Caroline attended an LGBTQ support group.', 'D1:3']],
          Melanie: [
            ['  ', 'D1:4'],
            ['Melanie painted a lake sunrise.', 'D1:14; D1:15'],
          ],
        },
      },
      sessions,
    );
    expect(thoughts.map((thought) => [thought.subject, thought.sources, thought.at])).toEqual([
      ['Caroline', ['D1:3'], sessions[0]?.at],
      ['Melanie', ['D1:14', 'D1:15'], sessions[0]?.at],
      ['Jon', ['D2:3', 'D2:5'], sessions[1]?.at],
    ]);
  });

  it('names the field when observations are malformed or their session is unknown', () => {
    expect(() => thoughtsFromObservations({ session_1_observation: { Ana: [['text']] } }, sessions)).toThrow(
      /session_1_observation/,
    );
    expect(() => thoughtsFromObservations({ session_3_observation: {} }, sessions)).toThrow(/session_3/);
  });
});
