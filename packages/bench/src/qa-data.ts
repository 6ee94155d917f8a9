import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ConfigError, parseWith } from '@loci/core';
import { z } from 'zod';
import { type BenchConversation, parseLocomo, splitEvidence } from './locomo.js';
import { isLongMemEval, parseLongMemEval } from './longmemeval.js';

/** One question as the QA benchmark asks it, from either benchmark. */
export interface QaQuestion {
  /** Stable within a run: `<conversation id>#<position>` for LoCoMo, the question id for LongMemEval. */
  id: string;
  question: string;
  /** The reference answer; empty for LoCoMo's adversarial questions (category 5), which have none. */
  answer: string;
  /** LoCoMo: "1".."5"; LongMemEval: the question type. */
  category: string;
  /** LoCoMo category 5 / LongMemEval `_abs`: the right answer is that the conversation does not say. */
  unanswerable: boolean;
  /** When the question is asked, where the data says (LongMemEval). */
  askedAt?: Date;
  evidence: string[];
}

/** A conversation and its QA questions, from a LoCoMo or LongMemEval file. */
export interface QaConversation {
  format: 'locomo' | 'longmemeval';
  conversation: BenchConversation;
  questions: QaQuestion[];
}

const locomoQaSchema = z.array(
  z.object({
    question: z.string(),
    answer: z.union([z.string(), z.number()]).optional(),
    evidence: z.array(z.string()).optional(),
    category: z.number().int().min(1).max(5),
  }),
);

function locomoQuestions(raw: unknown, conversation: BenchConversation, where: string): QaQuestion[] {
  const body = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const qa = parseWith(locomoQaSchema, body['qa'], `${where}: qa`);
  return qa.flatMap((item, position) => {
    const unanswerable = item.category === 5;
    // A question of categories 1-4 without a reference answer cannot be graded.
    if (!unanswerable && item.answer === undefined) return [];
    return [
      {
        id: `${conversation.id}#${position}`,
        question: item.question,
        answer: unanswerable ? '' : String(item.answer),
        category: String(item.category),
        unanswerable,
        evidence: splitEvidence(item.evidence ?? []),
      },
    ];
  });
}

/** Parses one file's JSON: LoCoMo (one conversation or a list) or LongMemEval (a list of questions). */
export function parseQaData(input: unknown, name: string): QaConversation[] {
  if (isLongMemEval(input)) {
    return parseLongMemEval(input, name).map((item) => ({
      format: 'longmemeval',
      conversation: item.haystack,
      questions: [
        {
          id: item.id,
          question: item.question,
          answer: item.answer,
          category: item.type,
          unanswerable: item.abstention,
          ...(item.askedAt ? { askedAt: item.askedAt } : {}),
          evidence: item.evidence,
        },
      ],
    }));
  }
  const conversations = parseLocomo(input, name);
  const raws = Array.isArray(input) ? input : [input];
  return conversations.map((conversation, position) => {
    const raw = raws[position];
    return {
      format: 'locomo',
      conversation,
      questions: locomoQuestions(raw, conversation, Array.isArray(input) ? `${name}[${position}]` : name),
    };
  });
}

async function jsonFiles(path: string): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw new ConfigError(`cannot read benchmark data at ${path}: no such file or folder`, [], error);
  }
  if (!info.isDirectory()) return [path];
  const files = (await readdir(path))
    .filter((name) => name.endsWith('.json'))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((name) => join(path, name));
  if (files.length === 0) throw new ConfigError(`no .json files in ${path}`);
  return files;
}

/** Loads LoCoMo or LongMemEval data from files and folders of `.json` files (told apart by shape). */
export async function loadQaData(paths: string | readonly string[]): Promise<QaConversation[]> {
  const out: QaConversation[] = [];
  for (const path of typeof paths === 'string' ? [paths] : paths) {
    for (const file of await jsonFiles(path)) {
      let json: unknown;
      try {
        json = JSON.parse(await readFile(file, 'utf8'));
      } catch (error) {
        throw new ConfigError(`${file} is not valid JSON: ${(error as Error).message}`, [], error);
      }
      out.push(...parseQaData(json, basename(file)));
    }
  }
  return out;
}

/**
 * A drop-in for `loadLocomo` that also reads LongMemEval: every question's haystack becomes one
 * conversation whose evidence is its answer sessions' turns.
 */
export async function loadBenchData(paths: string | readonly string[]): Promise<BenchConversation[]> {
  return (await loadQaData(paths)).map((item) => item.conversation);
}
