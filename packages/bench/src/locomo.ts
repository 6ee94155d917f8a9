import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ConfigError, parseWith, type Turn } from '@loci/core';
import { z } from 'zod';
import { parseSessionDate } from './session-date.js';

/** LoCoMo question categories as numbered in the authors' code. */
export const categoryNames: Record<number, string> = {
  1: 'multi-hop',
  2: 'temporal',
  3: 'open-domain',
  4: 'single-hop',
  5: 'adversarial',
};

const turnSchema = z.object({
  speaker: z.string().min(1),
  dia_id: z.string().min(1),
  text: z.string(),
  blip_caption: z.string().optional(),
});

const qaSchema = z.object({
  question: z.string(),
  answer: z.union([z.string(), z.number()]).optional(),
  evidence: z.array(z.string()).optional(),
  category: z.number().int().min(1).max(5),
});

const conversationBodySchema = z
  .object({ speaker_a: z.string().min(1), speaker_b: z.string().min(1) })
  .catchall(z.unknown());

const fileItemSchema = z.object({
  sample_id: z.string().optional(),
  conversation: conversationBodySchema,
  qa: z.array(qaSchema),
});

const flatFileSchema = conversationBodySchema.and(z.object({ qa: z.array(qaSchema) }));

/** A turn with the session it belongs to. */
export interface BenchTurn extends Turn {
  sessionId: string;
}

/** A question with the ids of the turns that answer it. */
export interface BenchQuestion {
  question: string;
  /** The reference answer, when the file gives one (shown by `loci demo`; recall never reads it). */
  answer?: string;
  /** Evidence turn ids, de-duplicated; combined entries ("D8:6; D9:17") are split. */
  evidence: string[];
  category: number;
}

/** One session of a conversation, with its date. */
export interface BenchSession {
  id: string;
  at: Date;
  turns: BenchTurn[];
}

/** A conversation of a benchmark file: sessions of turns and the questions about them. */
export interface BenchConversation {
  /** `sample_id` when the file has one, else the file name (and position in a list file). */
  id: string;
  /** sha256 of every turn's speaker and text: identity that survives renaming a file. */
  contentHash: string;
  speakers: [string, string];
  sessions: BenchSession[];
  /** Questions of categories 1–4 that have evidence; adversarial ones have no true answer. */
  questions: BenchQuestion[];
  /**
   * The file's generated `session_N_observation` entries, as given (per speaker, `[text, dia_id]`
   * pairs; read by `@loci/tim`'s `thoughtsFromObservations`); empty or absent when there are none.
   */
  observations?: Record<string, unknown>;
}

/** Turn text as a memory sees it: the image caption, where a turn shares one, as "[shares …]". */
export function turnText(text: string, caption: string | undefined): string {
  return caption && caption.trim().length > 0 ? `${text} [shares ${caption.trim()}]` : text;
}

export function splitEvidence(entries: readonly string[]): string[] {
  const out = new Set<string>();
  for (const entry of entries) {
    for (const part of entry.split(/[;,]/)) {
      const id = part.trim();
      if (id.length > 0) out.add(id);
    }
  }
  return [...out];
}

/**
 * Parses one LoCoMo conversation object (either the per-file shape with `speaker_a`, `session_N`,
 * `qa` at the top, or an item of `locomo10.json` with `conversation` and `qa`).
 */
export function parseConversation(input: unknown, where: string): BenchConversation {
  const isListItem = typeof input === 'object' && input !== null && 'conversation' in input;
  const parsed = isListItem
    ? parseWith(fileItemSchema, input, where)
    : (() => {
        const flat = parseWith(flatFileSchema, input, where);
        const sampleId = typeof flat['sample_id'] === 'string' ? flat['sample_id'] : undefined;
        return { conversation: flat, qa: flat.qa, ...(sampleId ? { sample_id: sampleId } : {}) };
      })();
  const body = parsed.conversation;
  const sessionNumbers = Object.keys(body)
    .map((key) => /^session_(\d+)$/.exec(key)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const sessions: BenchSession[] = [];
  const hash = createHash('sha256');
  const seen = new Set<string>();
  for (const number of sessionNumbers) {
    const key = `session_${number}`;
    const turns = parseWith(z.array(turnSchema), body[key], `${where}: ${key}`);
    const dateText = body[`${key}_date_time`];
    const at = typeof dateText === 'string' ? parseSessionDate(dateText) : undefined;
    if (!at) {
      throw new ConfigError(
        `invalid ${where}: ${key}_date_time: expected a time like "1:56 pm on 8 May, 2023", got ${JSON.stringify(dateText)}`,
        [{ path: `${key}_date_time`, message: 'unparseable session time' }],
      );
    }
    const sessionTurns: BenchTurn[] = turns.map((turn, position) => {
      if (seen.has(turn.dia_id)) {
        throw new ConfigError(`invalid ${where}: ${key}: turn id "${turn.dia_id}" appears twice`, [
          { path: `${key}.${position}.dia_id`, message: 'duplicate turn id' },
        ]);
      }
      seen.add(turn.dia_id);
      hash.update(`${turn.speaker}\u0000${turn.text}\u0000`);
      // Turns in a session share its time; a second per turn keeps their order visible.
      return {
        id: turn.dia_id,
        speaker: turn.speaker,
        text: turnText(turn.text, turn.blip_caption),
        at: new Date(at.getTime() + position * 1000),
        sessionId: key,
      };
    });
    sessions.push({ id: key, at, turns: sessionTurns });
  }
  const questions: BenchQuestion[] = [];
  for (const qa of parsed.qa) {
    if (qa.category === 5) continue;
    // Evidence pointing at turns the file does not contain cannot be found by anyone: drop those ids.
    const evidence = splitEvidence(qa.evidence ?? []).filter((id) => seen.has(id));
    if (evidence.length === 0) continue;
    questions.push({
      question: qa.question,
      ...(qa.answer === undefined ? {} : { answer: String(qa.answer) }),
      evidence,
      category: qa.category,
    });
  }
  const observations: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (/^session_\d+_observation$/.test(key)) observations[key] = value;
  }
  return {
    id: parsed.sample_id ?? where,
    contentHash: hash.digest('hex'),
    speakers: [body.speaker_a, body.speaker_b],
    sessions,
    questions,
    observations,
  };
}

/** Parses a file's JSON: one conversation, or a `locomo10.json`-style list of them. */
export function parseLocomo(input: unknown, name: string): BenchConversation[] {
  if (Array.isArray(input))
    return input.map((item, position) => parseConversation(item, `${name}[${position}]`));
  return [parseConversation(input, name)];
}

/** Loads LoCoMo conversations from a file, a folder of `.json` files, or several of either. */
export async function loadLocomo(paths: string | readonly string[]): Promise<BenchConversation[]> {
  const list = typeof paths === 'string' ? [paths] : paths;
  const out: BenchConversation[] = [];
  for (const path of list) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (error) {
      throw new ConfigError(`cannot read LoCoMo data at ${path}: no such file or folder`, [], error);
    }
    const files = info.isDirectory()
      ? (await readdir(path))
          .filter((name) => name.endsWith('.json'))
          .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
          .map((name) => join(path, name))
      : [path];
    if (files.length === 0) throw new ConfigError(`no .json files in ${path}`);
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        throw new ConfigError(`${file} is not valid JSON: ${(error as Error).message}`, [], error);
      }
      out.push(...parseLocomo(json, basename(file)));
    }
  }
  return out;
}

/**
 * Refuses an evaluation whose training set shares a conversation with it (same sample id or the
 * same turns), since a method trained on the evaluated conversation measures memorisation.
 */
export function assertDisjoint(
  train: readonly BenchConversation[],
  evaluate: readonly BenchConversation[],
): void {
  const hashes = new Map(train.map((conversation) => [conversation.contentHash, conversation.id]));
  const ids = new Set(train.map((conversation) => conversation.id));
  const shared: string[] = [];
  for (const conversation of evaluate) {
    const byContent = hashes.get(conversation.contentHash);
    if (byContent !== undefined) shared.push(`${conversation.id} (same turns as training ${byContent})`);
    else if (ids.has(conversation.id) && !/\.json(\[\d+\])?$/.test(conversation.id)) {
      shared.push(`${conversation.id} (same sample id)`);
    }
  }
  if (shared.length > 0) {
    throw new ConfigError(
      `--train and --data share ${shared.length} conversation(s): ${shared.join(', ')}. ` +
        'Evaluate on conversations the method did not learn from: remove them from one of the two sets.',
      [{ path: 'train', message: 'overlaps the evaluated data' }],
    );
  }
}
