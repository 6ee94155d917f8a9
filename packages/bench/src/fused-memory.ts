import {
  ConfigError,
  fitToBudget,
  type Memory,
  parseRecallOptions,
  type Recalled,
  type RecallOptions,
} from '@loci/core';

/** Options of `createFusedMemory`. */
export interface FusedMemoryOptions {
  /** Reported as `Memory.name`. Default: the members' names joined by `+`. */
  name?: string;
  /**
   * The reciprocal-rank-fusion constant: an item at rank r (from 1) in a member's list scores
   * 1 / (rrfK + r). Default 60, the value of Cormack et al. 2009, also LanceDB's and most hybrid
   * searches'; it is not tuned on any benchmark.
   */
  rrfK?: number;
}

/**
 * One ranked, token-budgeted list from several memories (e.g. the default memory's turns and
 * TiM's thoughts): every event goes to every member; a recall asks each member for `k` items and
 * fuses the lists by reciprocal rank. An item whose source turns are all already named by a
 * better-ranked item is dropped, since it spends tokens without bringing another turn; every
 * item keeps its own sources.
 */
export function createFusedMemory(members: readonly Memory[], options: FusedMemoryOptions = {}): Memory {
  if (members.length === 0) {
    throw new ConfigError('a fused memory needs at least one member', [
      { path: 'members', message: 'empty' },
    ]);
  }
  const rrfK = options.rrfK ?? 60;
  return {
    name: options.name ?? members.map((member) => member.name).join('+'),
    async observe(observeOptions) {
      for (const member of members) await member.observe(observeOptions);
    },
    async recall(recallOptions: RecallOptions) {
      const parsed = parseRecallOptions(recallOptions);
      const k = parsed.k ?? 10;
      const { tokenBudget: _budget, ...perMember } = recallOptions;
      const lists = await Promise.all(members.map((member) => member.recall({ ...perMember, k })));
      return fitToBudget(fuseRanked(lists, rrfK).slice(0, k), {
        ...(parsed.tokenBudget === undefined ? {} : { tokenBudget: parsed.tokenBudget }),
      });
    },
    async flush() {
      for (const member of members) await member.flush?.();
    },
    async close() {
      for (const member of members) await member.close?.();
    },
  };
}

/**
 * Reciprocal-rank fusion of ranked lists; ties keep the earlier member's item first. An item
 * adding no source turn beyond the better-ranked ones is left out. Scores are the fused ones.
 */
export function fuseRanked(lists: readonly (readonly Recalled[])[], rrfK = 60): Recalled[] {
  const scored: { item: Recalled; score: number; member: number; rank: number }[] = [];
  const byText = new Map<string, (typeof scored)[number]>();
  for (const [member, list] of lists.entries()) {
    for (const [rank, item] of list.entries()) {
      const key = `${item.kind}\u0000${item.text}`;
      const contribution = 1 / (rrfK + rank + 1);
      const same = byText.get(key);
      if (same) {
        // The same item from two members (e.g. one turn in both) counts once, with both votes.
        same.score += contribution;
        continue;
      }
      const entry = { item, score: contribution, member, rank };
      byText.set(key, entry);
      scored.push(entry);
    }
  }
  scored.sort((a, b) => b.score - a.score || a.rank - b.rank || a.member - b.member);
  const covered = new Set<string>();
  const out: Recalled[] = [];
  for (const { item, score } of scored) {
    if (item.sources.every((source) => covered.has(source))) continue;
    for (const source of item.sources) covered.add(source);
    out.push({ ...item, score });
  }
  return out;
}
