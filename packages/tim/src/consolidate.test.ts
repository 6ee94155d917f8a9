import { describe, expect, it } from 'vitest';
import { mergedThought, planConsolidation } from './consolidate.js';
import type { Thought } from './thought.js';

function thought(id: string, subject: string, vector: number[], day: number, sources = [id]): Thought {
  const at = new Date(Date.UTC(2023, 0, day));
  return {
    id,
    subject,
    relation: '',
    object: '',
    text: id,
    sources,
    at,
    validFrom: at,
    bucket: 0,
    vector: Float32Array.from(vector),
  };
}

describe('consolidation plan', () => {
  it('merges similar open thoughts of one subject into the most recent, keeping every source', () => {
    const plans = planConsolidation(
      [
        thought('old', 'Ana', [1, 0], 1),
        thought('new', 'ana ', [0.99, 0.1], 5),
        thought('other-subject', 'Ben', [1, 0], 3),
        thought('unlike', 'Ana', [0, 1], 4),
        { ...thought('closed', 'Ana', [1, 0], 2), validTo: new Date(Date.UTC(2023, 0, 3)) },
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
