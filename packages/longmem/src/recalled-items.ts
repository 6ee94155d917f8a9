import { countTokens, type Recalled } from '@loci/core';
import type { BankEntry, TurnBank } from './turn-bank.js';

/** A ranked bank position and its final score. */
export interface RankedPosition {
  position: number;
  score: number;
}

/** A turn as a recalled item shows it: its day, speaker and text. */
function render(entry: BankEntry): string {
  return `[${entry.at.toISOString().slice(0, 10)}] ${entry.speaker}: ${entry.text}`;
}

export function turnItems(bank: TurnBank, ranked: readonly RankedPosition[]): Recalled[] {
  return ranked.map(({ position, score }) => {
    const entry = bank.entry(position);
    const text = render(entry);
    return { text, score, kind: 'turn', sources: [entry.id], tokens: countTokens(text), at: entry.at };
  });
}

/** Chunks of consecutive turns of one session up to `chunkTokens`, scored by their best turn. */
export function chunkItems(
  bank: TurnBank,
  ranked: readonly RankedPosition[],
  k: number,
  chunkTokens: number,
): Recalled[] {
  const out: Recalled[] = [];
  const covered = new Set<number>();
  for (const { position, score } of ranked) {
    if (out.length >= k) break;
    if (covered.has(position)) continue;
    const session = bank.entry(position).sessionId;
    let start = position;
    let end = position;
    let tokens = bank.stats(position).tokens;
    // Grow around the hit, alternating sides, while the chunk has room.
    for (let grew = true; grew; ) {
      grew = false;
      const before = start - 1;
      if (before >= 0 && bank.entry(before).sessionId === session && !covered.has(before)) {
        const t = bank.stats(before).tokens;
        if (tokens + t <= chunkTokens) {
          start = before;
          tokens += t;
          grew = true;
        }
      }
      const after = end + 1;
      if (after < bank.size && bank.entry(after).sessionId === session && !covered.has(after)) {
        const t = bank.stats(after).tokens;
        if (tokens + t <= chunkTokens) {
          end = after;
          tokens += t;
          grew = true;
        }
      }
    }
    const members: BankEntry[] = [];
    for (let i = start; i <= end; i++) {
      covered.add(i);
      members.push(bank.entry(i));
    }
    const text = members.map(render).join('\n');
    out.push({
      text,
      score,
      kind: 'chunk',
      sources: members.map((entry) => entry.id),
      tokens: countTokens(text),
      at: bank.entry(position).at,
    });
  }
  return out;
}
