import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseSessionDate, turnText } from '@loci/bench';
import { ConfigError, parseWith, type Turn } from '@loci/core';
import { z } from 'zod';

/** LoCoMo question categories, numbered as in the authors' code. */
export const categoryNames: Readonly<Record<number, string>> = {
  1: 'multi-hop',
  2: 'temporal',
  3: 'open-domain',
  4: 'single-hop',
};

/** The sample conversation that ships with the CLI (the project's own text, redistributable). */
export const demoConversationPath = fileURLToPath(new URL('../data/demo-conversation.json', import.meta.url));

const turnSchema = z.object({
  speaker: z.string().min(1),
  dia_id: z.string().regex(/^D\d+:\d+$/, 'expected "D<session>:<turn>"'),
  text: z.string().min(1),
  blip_caption: z.string().min(1).optional(),
});

const qaSchema = z.object({
  question: z.string().min(1),
  answer: z.union([z.string().min(1), z.number()]),
  evidence: z.array(z.string().min(1)).min(1),
  category: z.number().int().min(1).max(4),
});

const fileSchema = z
  .object({
    speaker_a: z.string().min(1),
    speaker_b: z.string().min(1),
    qa: z.array(qaSchema).min(1),
  })
  .catchall(z.unknown());

export interface DemoTurn extends Turn {
  sessionId: string;
  /** The turn's own words, without the image caption that `text` carries for the memory. */
  said: string;
  caption?: string;
}

export interface DemoSession {
  id: string;
  /** As written in the file, e.g. "7:12 pm on 14 January, 2024". */
  dateText: string;
  at: Date;
  turns: DemoTurn[];
}

export interface DemoQuestion {
  question: string;
  answer: string;
  evidence: string[];
  category: number;
}

export interface DemoConversation {
  speakers: [string, string];
  sessions: DemoSession[];
  /** Every turn in order, and by id. */
  turns: DemoTurn[];
  turnsById: ReadonlyMap<string, DemoTurn>;
  questions: DemoQuestion[];
}

function invalid(where: string, path: string, message: string): ConfigError {
  return new ConfigError(`invalid ${where}: ${path}: ${message}`, [{ path, message }]);
}

/**
 * Validates a conversation in LoCoMo format and returns it as turns a memory can observe. Checks
 * what the demo relies on: sessions numbered 1..N, dated and in time order, turn ids that match
 * their place, speakers that are the two named ones, and evidence that points at existing turns.
 */
export function parseDemoConversation(input: unknown, where: string): DemoConversation {
  const file = parseWith(fileSchema, input, where);
  const speakers: [string, string] = [file.speaker_a, file.speaker_b];
  const sessionNumbers = Object.keys(file)
    .map((key) => /^session_(\d+)$/.exec(key)?.[1])
    .filter((number): number is string => number !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  if (sessionNumbers.length === 0) throw invalid(where, 'session_1', 'no sessions');

  const sessions: DemoSession[] = [];
  const turns: DemoTurn[] = [];
  const turnsById = new Map<string, DemoTurn>();
  sessionNumbers.forEach((number, index) => {
    const id = `session_${number}`;
    if (number !== index + 1)
      throw invalid(where, `session_${index + 1}`, 'missing (sessions are numbered 1..N)');
    const dateText = file[`${id}_date_time`];
    const at = typeof dateText === 'string' ? parseSessionDate(dateText) : undefined;
    if (typeof dateText !== 'string' || at === undefined) {
      throw invalid(
        where,
        `${id}_date_time`,
        `expected a time like "1:56 pm on 8 May, 2023", got ${JSON.stringify(dateText)}`,
      );
    }
    const previous = sessions.at(-1);
    if (previous && at.getTime() <= previous.at.getTime()) {
      throw invalid(
        where,
        `${id}_date_time`,
        `"${dateText}" is not after ${previous.id} ("${previous.dateText}")`,
      );
    }
    const rows = parseWith(z.array(turnSchema).min(1), file[id], `${where}: ${id}`);
    const sessionTurns = rows.map((row, position): DemoTurn => {
      const path = `${id}.${position}`;
      const expectedId = `D${number}:${position + 1}`;
      if (row.dia_id !== expectedId)
        throw invalid(where, `${path}.dia_id`, `expected "${expectedId}", got "${row.dia_id}"`);
      if (!speakers.includes(row.speaker)) {
        throw invalid(where, `${path}.speaker`, `"${row.speaker}" is neither speaker_a nor speaker_b`);
      }
      return {
        id: row.dia_id,
        speaker: row.speaker,
        // A memory only sees text, so a shared image is described by its caption (as in the benchmark).
        text: turnText(row.text, row.blip_caption),
        said: row.text,
        // Turns of a session share its time; a second per turn keeps their order.
        at: new Date(at.getTime() + position * 1000),
        sessionId: id,
        ...(row.blip_caption ? { caption: row.blip_caption } : {}),
      };
    });
    for (const turn of sessionTurns) turnsById.set(turn.id, turn);
    turns.push(...sessionTurns);
    sessions.push({ id, dateText, at, turns: sessionTurns });
  });

  const questions = file.qa.map((qa, index): DemoQuestion => {
    const unknownIds = qa.evidence.filter((id) => !turnsById.has(id));
    if (unknownIds.length > 0) {
      throw invalid(where, `qa.${index}.evidence`, `no turn ${unknownIds.map((id) => `"${id}"`).join(', ')}`);
    }
    return {
      question: qa.question,
      answer: String(qa.answer),
      evidence: [...new Set(qa.evidence)],
      category: qa.category,
    };
  });
  return { speakers, sessions, turns, turnsById, questions };
}

/** Reads and validates a conversation file (the bundled demo conversation by default). */
export async function loadDemoConversation(path: string = demoConversationPath): Promise<DemoConversation> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `cannot read the conversation file ${path}: ${(error as Error).message}`,
      [],
      error,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON: ${(error as Error).message}`, [], error);
  }
  return parseDemoConversation(json, path);
}
