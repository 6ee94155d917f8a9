import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, parseWith, seededRandom } from '@loci/core';
import { z } from 'zod';
import type { BenchConversation } from './locomo.js';

/** A turn from another context, put into an evaluated namespace by the distraction benchmark. */
export interface Distractor {
  /** Never a LoCoMo dia_id: `x<conversation>:<turn>` or `s<n>`, so it can never count as evidence. */
  id: string;
  speaker: string;
  text: string;
  at: Date;
  /** The conversation (or synthetic group) it belongs to. */
  context: string;
}

const distractorSchema = z.object({
  id: z.string().min(1),
  speaker: z.string().min(1),
  text: z.string(),
  at: z.coerce.date(),
  context: z.string().min(1),
});

/** Names a synthetic entry takes instead of its conversation's speakers. */
const swapNames = [
  'Avery',
  'Bianca',
  'Chidi',
  'Dara',
  'Emeka',
  'Farah',
  'Goran',
  'Hana',
  'Ivo',
  'Jun',
  'Kofi',
  'Lena',
  'Mateo',
  'Nia',
  'Oskar',
  'Priya',
  'Quinn',
  'Rosa',
  'Sami',
  'Tomas',
  'Uma',
  'Vera',
  'Wes',
  'Yara',
];
const months = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+/)
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/**
 * `count` distractors: the source conversations' turns first (in order), then synthetic entries
 * to reach `count`: two sentences of random source turns, their conversation's speaker names
 * swapped for other names and their months and years for other ones, so they read like
 * LoCoMo turns about other people and other times.
 */
export function buildDistractors(
  sources: readonly BenchConversation[],
  count: number,
  seed = 1,
): Distractor[] {
  const out: Distractor[] = [];
  const pool: { speaker: string; text: string; at: Date; names: readonly string[] }[] = [];
  for (const [index, conversation] of sources.entries()) {
    for (const session of conversation.sessions) {
      for (const turn of session.turns) {
        const entry = { speaker: turn.speaker, text: turn.text, at: turn.at, names: conversation.speakers };
        pool.push(entry);
        if (out.length < count) {
          out.push({
            id: `x${index}:${turn.id}`,
            speaker: turn.speaker,
            text: turn.text,
            at: turn.at,
            context: `x${index}`,
          });
        }
      }
    }
  }
  if (out.length >= count) return out;
  if (pool.length === 0) {
    throw new ConfigError('--distractor-data holds no turns to build distractors from', [
      { path: 'distractorData', message: 'no turns' },
    ]);
  }
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  for (let n = 0; out.length < count; n++) {
    const first = pick(pool);
    const second = pick(pool);
    const text = [pick(sentences(first.text)), pick(sentences(second.text))]
      .filter((part): part is string => part !== undefined)
      .join(' ');
    const names = new Map([...first.names, ...second.names].map((name) => [name, pick(swapNames)]));
    let swapped = text;
    for (const [name, other] of names) swapped = swapped.replaceAll(name, other);
    const month = pick(months);
    swapped = swapped
      .replace(
        /\b(January|February|March|April|May|June|July|August|September|October|November|December)\b/g,
        month,
      )
      .replace(/\b(19|20)\d\d\b/g, () => String(2015 + Math.floor(random() * 10)));
    const speaker = names.get(first.speaker) ?? pick(swapNames);
    const group = `s${Math.floor(n / 50)}`; // one synthetic context per 50 entries
    out.push({
      id: `s${n}`,
      speaker,
      text: swapped.length > 0 ? swapped : first.text,
      at: new Date(first.at.getTime() + Math.floor(random() * 365) * 86_400_000),
      context: group,
    });
  }
  return out;
}

/**
 * `buildDistractors`, cached as JSON lines under `<home>/bench-distractors/` (keyed by the
 * sources' content, the count and the seed), so a rerun reads them instead of rebuilding. A cache
 * file that is truncated or not valid JSON lines is rebuilt, with `note` saying why. `key` names
 * the set (its embeddings are cached under it too: `withDistractorEmbeddings`).
 */
export async function loadDistractors(options: {
  sources: readonly BenchConversation[];
  count: number;
  home: string;
  seed?: number;
}): Promise<{ entries: Distractor[]; cached: boolean; path: string; key: string; note?: string }> {
  const seed = options.seed ?? 1;
  const key = createHash('sha256')
    .update(`v1\u0000${options.count}\u0000${seed}\u0000`)
    .update(options.sources.map((conversation) => conversation.contentHash).join('\u0000'))
    .digest('hex')
    .slice(0, 24);
  const folder = join(options.home, 'bench-distractors');
  const path = join(folder, `${key}.jsonl`);
  const text = await readFile(path, 'utf8').catch(() => undefined);
  let note: string | undefined;
  if (text !== undefined) {
    const lines = text.split('\n').filter((line) => line.length > 0);
    if (lines.length === options.count) {
      try {
        return {
          entries: lines.map((line, index) =>
            parseWith(distractorSchema, JSON.parse(line), `${path}:${index + 1}`),
          ),
          cached: true,
          path,
          key,
        };
      } catch (error) {
        note = `distractor cache ${path} is unreadable (${(error as Error).message.split('\n')[0]}); rebuilding it`;
      }
    } else {
      note = `distractor cache ${path} holds ${lines.length} entries, expected ${options.count}; rebuilding it`;
    }
  }
  const entries = buildDistractors(options.sources, options.count, seed);
  await mkdir(folder, { recursive: true });
  // Written to a temporary name and renamed, so an interrupted run leaves no half file.
  const partial = `${path}.${process.pid}.tmp`;
  await writeFile(partial, `${entries.map((entry) => JSON.stringify(entry)).join('\n')}\n`);
  await rename(partial, path);
  return { entries, cached: false, path, key, ...(note ? { note } : {}) };
}
