/**
 * What `@loci/fot` can measure on its own (the distraction curve over every method belongs to
 * `loci bench recall --distractors`, once wired):
 *  1. dedup: evidence recall@5/@10 of the untrained memory on one conversation's questions, keys =
 *     turn only (plain dense retrieval) vs turn + sentences with `max` and with `sum`;
 *  2. focus: the same questions with the other conversations' turns added as distractors (their
 *     own contexts), before and after training P: recall, contrastive loss, training and
 *     re-projection time on this machine;
 *  3. fixture: the synthetic collision fixture of the tests (hashing embedder).
 *
 * Run: pnpm --filter @loci/fot bench -- --conversation <locomo.json> [--distractors <file|dir>...]
 *      [--steps 300] [--seconds 50]
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { cpus } from 'node:os';
import { basename, join } from 'node:path';
import { createInMemoryStore, type EmbeddingModel, formatFigure } from '@loci/core';
import { createGloveEmbedder } from '@loci/onnx';
import { z } from 'zod';
import { collisionFixture } from '../src/__fixtures__/collision-fixture.js';
import { createHashingEmbedder } from '../src/__fixtures__/hashing-embedder.js';
import { createFocusedMemory } from '../src/focused-memory.js';
import type { FocusedMemory, FocusedMemoryOptions } from '../src/focused-memory-types.js';

const turnSchema = z.object({ speaker: z.string(), dia_id: z.string(), text: z.string() }).passthrough();
const fileSchema = z
  .object({
    qa: z.array(
      z.object({ question: z.string(), evidence: z.array(z.string()), category: z.number() }).passthrough(),
    ),
  })
  .catchall(z.unknown());

interface Conversation {
  name: string;
  turns: { id: string; speaker: string; text: string; session: string }[];
  questions: { query: string; evidence: string[] }[];
}

function argument(name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < process.argv.length; i++) {
    if (process.argv[i] === `--${name}`) {
      for (let j = i + 1; j < process.argv.length && !process.argv[j]?.startsWith('--'); j++)
        out.push(process.argv[j] as string);
    }
  }
  return out;
}

async function readConversation(path: string): Promise<Conversation> {
  const file = fileSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  const turns: Conversation['turns'] = [];
  for (const [key, value] of Object.entries(file)) {
    if (!/^session_\d+$/.test(key) || !Array.isArray(value)) continue;
    for (const turn of z.array(turnSchema).parse(value))
      turns.push({ id: turn.dia_id, speaker: turn.speaker, text: turn.text, session: key });
  }
  const questions = file.qa
    .filter((qa) => qa.category >= 1 && qa.category <= 4 && qa.evidence.length > 0)
    .map((qa) => ({ query: qa.question, evidence: qa.evidence }));
  return { name: basename(path, '.json'), turns, questions };
}

async function expand(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    if ((await stat(path)).isDirectory())
      files.push(
        ...(await readdir(path))
          .filter((n) => n.endsWith('.json'))
          .sort()
          .map((n) => join(path, n)),
      );
    else files.push(path);
  }
  return files;
}

async function evidenceRecall(
  memory: FocusedMemory,
  conversation: Conversation,
  k: number,
  aggregate?: 'max' | 'sum',
) {
  let sum = 0;
  for (const question of conversation.questions) {
    const hits = await memory.search({
      namespace: 'eval',
      query: question.query,
      k,
      ...(aggregate ? { aggregate } : {}),
    });
    const found = new Set(hits.flatMap((hit) => hit.value.sources));
    sum += question.evidence.filter((id) => found.has(id)).length / question.evidence.length;
  }
  return sum / conversation.questions.length;
}

async function ingest(
  embedder: EmbeddingModel,
  conversation: Conversation,
  options: Partial<FocusedMemoryOptions> = {},
) {
  const memory = createFocusedMemory({ embedder, store: createInMemoryStore(), ...options });
  await memory.putMany({
    namespace: 'eval',
    entries: conversation.turns.map((turn) => ({
      value: { id: turn.id, speaker: turn.speaker, text: turn.text, metadata: { session: turn.session } },
    })),
  });
  return memory;
}

const pct = (value: number) => `${formatFigure(100 * value)}%`;

async function dedup(embedder: EmbeddingModel, conversation: Conversation) {
  const turnOnly = await ingest(embedder, conversation, { keys: { sentences: false } });
  const withSentences = await ingest(embedder, conversation);
  console.log(
    `\n1. dedup — ${conversation.name}: ${conversation.turns.length} turns, ${conversation.questions.length} questions`,
  );
  for (const k of [5, 10]) {
    console.log(
      `  recall@${k}: turn key only ${pct(await evidenceRecall(turnOnly, conversation, k))}` +
        ` | turn + sentences, max ${pct(await evidenceRecall(withSentences, conversation, k, 'max'))}` +
        ` | turn + sentences, sum ${pct(await evidenceRecall(withSentences, conversation, k, 'sum'))}`,
    );
  }
}

async function focus(
  embedder: EmbeddingModel,
  conversation: Conversation,
  others: Conversation[],
  steps: number,
  seconds: number,
) {
  const memory = await ingest(embedder, conversation);
  const distractors = others.flatMap((other) =>
    other.turns.map((turn) => ({
      id: `${other.name}/${turn.id}`,
      speaker: turn.speaker,
      text: turn.text,
      context: other.name,
    })),
  );
  await memory.addDistractors('eval', distractors);
  const status = await memory.status('eval');
  console.log(
    `\n2. focus — ${conversation.name} + ${distractors.length} distractor turns from ${others.length} conversations (${status.keys} keys)`,
  );
  const before = [
    await evidenceRecall(memory, conversation, 5),
    await evidenceRecall(memory, conversation, 10),
  ];
  const report = await memory.train({ namespace: 'eval', steps, maxSeconds: seconds });
  const after = [
    await evidenceRecall(memory, conversation, 5),
    await evidenceRecall(memory, conversation, 10),
  ];
  console.log(
    `  training: ${report.steps} steps in ${formatFigure(report.seconds)} s (stopped by ${report.stoppedBy}); ` +
      `loss ${formatFigure(report.lossBefore)} → ${formatFigure(report.lossAfter)}; ` +
      `re-projection of ${report.reprojected?.written} keys ${formatFigure(report.reprojected?.seconds ?? 0)} s`,
  );
  console.log(
    `  recall@5 ${pct(before[0] as number)} → ${pct(after[0] as number)}; recall@10 ${pct(before[1] as number)} → ${pct(after[1] as number)}`,
  );
}

async function fixture(steps: number, seconds: number) {
  const data = collisionFixture({ contexts: 12, turns: 40 });
  const memory = createFocusedMemory({ embedder: createHashingEmbedder(64), store: createInMemoryStore() });
  await memory.putMany({
    namespace: 'eval',
    entries: data.own.map(({ context: _c, ...value }) => ({ value })),
  });
  await memory.addDistractors('eval', data.distractors);
  const conversation: Conversation = {
    name: 'fixture',
    turns: [],
    questions: data.questions.map((question) => ({ query: question.query, evidence: [question.answer] })),
  };
  const before = await evidenceRecall(memory, conversation, 5);
  const report = await memory.train({ namespace: 'eval', steps, maxSeconds: seconds });
  const after = await evidenceRecall(memory, conversation, 5);
  console.log(
    `\n3. collision fixture (hashing embedder, 64-d, 12 distractor contexts): loss ${formatFigure(report.lossBefore)} → ` +
      `${formatFigure(report.lossAfter)}, recall@5 ${pct(before)} → ${pct(after)}, ${report.steps} steps in ${formatFigure(report.seconds)} s`,
  );
}

const [conversationPath] = argument('conversation');
if (!conversationPath) throw new Error('pass --conversation <locomo.json>');
const steps = Number(argument('steps')[0] ?? 300);
const seconds = Number(argument('seconds')[0] ?? 50);
console.log(
  `fot bench: node ${process.version}, ${cpus().length} cores, steps ≤ ${steps}, ≤ ${seconds} s per training`,
);
const embedder = await createGloveEmbedder();
const conversation = await readConversation(conversationPath);
await dedup(embedder, conversation);
const others = await Promise.all((await expand(argument('distractors'))).map(readConversation));
if (others.length > 0)
  await focus(
    embedder,
    conversation,
    others.filter((other) => other.name !== conversation.name),
    steps,
    seconds,
  );
await fixture(steps, seconds);
