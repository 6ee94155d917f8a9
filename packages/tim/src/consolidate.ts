import { cosine } from '@loci/core';
import { containment, mergeWordContainment, termsOf } from './text-terms.js';
import { subjectKey, type Thought } from './thought.js';

/** One merge: `keep` gains the sources of `absorb`, which are removed. */
export interface MergePlan {
  keep: Thought;
  absorb: Thought[];
}

/**
 * The consolidation pass of one bucket, by rule: open thoughts with the same subject whose vectors
 * are at least `threshold` similar and whose words one nearly contains (see text-terms.ts) become one (the most recent statement is kept, with the union
 * of sources and the earliest `validFrom`). Greedy and in time order, so the result is stable.
 */
export function planConsolidation(thoughts: readonly Thought[], threshold: number): MergePlan[] {
  const open = thoughts
    .filter((thought) => thought.validTo === undefined)
    .sort((a, b) => b.at.getTime() - a.at.getTime() || a.id.localeCompare(b.id));
  const bySubject = new Map<string, Thought[]>();
  for (const thought of open) {
    const key = subjectKey(thought.subject);
    const group = bySubject.get(key);
    if (group) group.push(thought);
    else bySubject.set(key, [thought]);
  }
  const plans: MergePlan[] = [];
  for (const group of bySubject.values()) {
    const taken = new Set<string>();
    for (const keep of group) {
      if (taken.has(keep.id)) continue;
      taken.add(keep.id);
      const words = termsOf(keep);
      const absorb = group.filter(
        (other) =>
          !taken.has(other.id) &&
          cosine(keep.vector, other.vector) >= threshold &&
          containment(words, termsOf(other)) >= mergeWordContainment,
      );
      for (const other of absorb) taken.add(other.id);
      if (absorb.length > 0) plans.push({ keep, absorb });
    }
  }
  return plans;
}

/** `keep` after absorbing: union of sources, earliest validFrom, latest `at`. */
export function mergedThought(plan: MergePlan): Thought {
  const all = [plan.keep, ...plan.absorb];
  return {
    ...plan.keep,
    sources: [...new Set(all.flatMap((thought) => thought.sources))],
    validFrom: new Date(Math.min(...all.map((thought) => thought.validFrom.getTime()))),
    at: new Date(Math.max(...all.map((thought) => thought.at.getTime()))),
  };
}
