import { describe, expect, it } from 'vitest';
import { mergedThought, planConsolidation } from './consolidate.js';
import type { Thought } from './thought.js';

function thought(id: string, subject: string, text: string, vector: number[], day: number): Thought {
  const at = new Date(Date.UTC(2023, 0, day));
  return {
    id,
    subject,
    relation: '',
    object: '',
    text,
    sources: [id],
    at,
    validFrom: at,
    bucket: 0,
    vector: Float32Array.from(vector),
  };
}

describe('consolidation plan', () => {
  it('merges same-subject thoughts that are similar and say the same words into the most recent', () => {
    const rows = 'Ana rows on the canal every Sunday morning';
    const plans = planConsolidation(
      [
        thought('old', 'Ana', `${rows}.`, [1, 0], 1),
        thought('new', 'ana ', `${rows} with friends.`, [0.99, 0.1], 5),
        thought('other-subject', 'Ben', `${rows}.`, [1, 0], 3),
        thought('unlike', 'Ana', `${rows}.`, [0, 1], 4),
        // Near in vector space, but a different fact: averaged word vectors do this.
        thought('other-fact', 'Ana', 'Ana paints lake sunrises to relax after work.', [1, 0.05], 2),
        { ...thought('closed', 'Ana', `${rows}.`, [1, 0], 2), validTo: new Date(Date.UTC(2023, 0, 3)) },
      ],
      0.9,
    );
    expect(plans.map((plan) => [plan.keep.id, plan.absorb.map((t) => t.id)])).toEqual([['new', ['old']]]);
    const merged = mergedThought(plans[0] as (typeof plans)[number]);
    expect(merged).toMatchObject({
      id: 'new',
      sources: ['new', 'old'],
      validFrom: new Date(Date.UTC(2023, 0, 1)),
      at: new Date(Date.UTC(2023, 0, 5)),
    });
  });
});
