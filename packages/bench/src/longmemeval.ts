import { ConfigError, parseWith } from '@loci/core';
import { z } from 'zod';
import type { BenchConversation, BenchSession, BenchTurn } from './locomo.js';

/**
 * LongMemEval (Wu et al. 2024; the `longmemeval_s` / `_m` / `_oracle` JSON files): a list of
 * questions, each with its own haystack of dated chat sessions. Each question becomes one
 * `BenchConversation` (its haystack) so the recall and QA loops treat both benchmarks alike.
 */

const turnSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  has_answer: z.boolean().optional(),
});

const questionSchema = z.object({
  question_id: z.union([z.string().min(1), z.number()]).transform(String),
  question_type: z.string().min(1),
  question: z.string(),
  answer: z.union([z.string(), z.number()]).transform(String),
  question_date: z.string().optional(),
  haystack_session_ids: z.array(z.union([z.string(), z.number()]).transform(String)),
  haystack_dates: z.array(z.string()),
  haystack_sessions: z.array(z.array(turnSchema)),
  answer_session_ids: z.array(z.union([z.string(), z.number()]).transform(String)),
});

/** The question types LongMemEval reports, in its order; abstention is a flag (`_abs` ids). */
export const longMemEvalTypes = [
  'single-session-user',
  'single-session-assistant',
  'single-session-preference',
  'multi-session',
  'temporal-reasoning',
  'knowledge-update',
] as const;

/** One LongMemEval question with its haystack sessions, as the file has it. */
export interface LongMemEvalQuestion {
  id: string;
  type: string;
  /** Questions whose id ends in `_abs`: the right answer says the history does not tell. */
  abstention: boolean;
  question: string;
  answer: string;
  /** When the question is asked ("2023/05/30 (Tue) 23:40"), parsed. */
  askedAt?: Date;
  /** Turn ids of the answer sessions (the turns marked `has_answer` when a session marks any). */
  evidence: string[];
  haystack: BenchConversation;
}

/** Whether a file's JSON looks like LongMemEval (a list of questions with haystacks). */
export function isLongMemEval(input: unknown): boolean {
  return (
    Array.isArray(input) &&
    input.length > 0 &&
    typeof input[0] === 'object' &&
    input[0] !== null &&
    'haystack_sessions' in input[0]
  );
}

/** "2023/05/20 (Sat) 02:21" → that minute in UTC; undefined when it is not such a time. */
export function parseLongMemEvalDate(text: string): Date | undefined {
  const match = /^(\d{4})\/(\d{1,2})\/(\d{1,2})(?:\s*\([A-Za-z]+\))?(?:\s+(\d{1,2}):(\d{2}))?/.exec(
    text.trim(),
  );
  if (!match) return undefined;
  const [, year, month, day, hour, minute] = match;
  const at = new Date(
    Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour ?? 0), Number(minute ?? 0)),
  );
  return Number.isNaN(at.getTime()) ? undefined : at;
}

function dateOf(text: string, where: string): Date {
  const at = parseLongMemEvalDate(text);
  if (!at) {
    throw new ConfigError(
      `invalid ${where}: expected a time like "2023/05/20 (Sat) 02:21", got ${JSON.stringify(text)}`,
      [{ path: where, message: 'unparseable date' }],
    );
  }
  return at;
}

function parseQuestion(input: unknown, where: string): LongMemEvalQuestion {
  const item = parseWith(questionSchema, input, where);
  const count = item.haystack_sessions.length;
  if (item.haystack_session_ids.length !== count || item.haystack_dates.length !== count) {
    throw new ConfigError(
      `invalid ${where}: haystack_sessions (${count}), haystack_session_ids (${item.haystack_session_ids.length}) ` +
        `and haystack_dates (${item.haystack_dates.length}) must have the same length`,
      [{ path: 'haystack_session_ids', message: 'length differs from haystack_sessions' }],
    );
  }
  const answerSessions = new Set(item.answer_session_ids);
  const sessions: BenchSession[] = [];
  const evidence: string[] = [];
  const seen = new Set<string>();
  for (const [index, raw] of item.haystack_sessions.entries()) {
    const sessionId = item.haystack_session_ids[index] as string;
    // A session id listed twice in one haystack would give two turns one id: keep the first copy.
    if (seen.has(sessionId)) continue;
    seen.add(sessionId);
    const at = dateOf(item.haystack_dates[index] as string, `${where}.haystack_dates.${index}`);
    const turns: BenchTurn[] = raw.map((turn, position) => ({
      id: `${sessionId}:${position}`,
      speaker: turn.role,
      text: turn.content,
      at: new Date(at.getTime() + position * 1000),
      sessionId,
    }));
    sessions.push({ id: sessionId, at, turns });
    if (answerSessions.has(sessionId)) {
      const marked = raw.flatMap((turn, position) => (turn.has_answer ? [`${sessionId}:${position}`] : []));
      evidence.push(...(marked.length > 0 ? marked : turns.map((turn) => turn.id)));
    }
  }
  sessions.sort((a, b) => a.at.getTime() - b.at.getTime());
  const askedAt = item.question_date ? dateOf(item.question_date, `${where}.question_date`) : undefined;
  const type = item.question_type;
  const category = longMemEvalCategory(type);
  const haystack: BenchConversation = {
    id: item.question_id,
    // The haystack is the question's own context; its id is identity enough for assertDisjoint.
    contentHash: `longmemeval:${item.question_id}`,
    speakers: ['user', 'assistant'],
    sessions,
    questions:
      evidence.length > 0 ? [{ question: item.question, answer: item.answer, evidence, category }] : [],
  };
  return {
    id: item.question_id,
    type,
    abstention: item.question_id.endsWith('_abs'),
    question: item.question,
    answer: item.answer,
    ...(askedAt ? { askedAt } : {}),
    evidence,
    haystack,
  };
}

/**
 * The number `bench recall` groups a LongMemEval question under: its type's position in
 * `longMemEvalTypes`, plus one (so 1..6; 7 for a type this list does not know).
 */
export function longMemEvalCategory(type: string): number {
  const index = (longMemEvalTypes as readonly string[]).indexOf(type);
  return index === -1 ? longMemEvalTypes.length + 1 : index + 1;
}

/** Parses a LongMemEval file's JSON (a list of questions); errors name the first bad field. */
export function parseLongMemEval(input: unknown, name: string): LongMemEvalQuestion[] {
  if (!Array.isArray(input)) {
    throw new ConfigError(`invalid ${name}: expected a list of LongMemEval questions`, [
      { path: '(root)', message: 'expected an array' },
    ]);
  }
  return input.map((item, position) => parseQuestion(item, `${name}[${position}]`));
}
