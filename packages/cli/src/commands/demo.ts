import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { ingestConversation } from '@loci/bench';
import { type ChatMessage, fenceMemory, type LanguageModel, lociHome, type Memory } from '@loci/core';
import { createDefaultMemory } from '@loci/longmem';
import type { Command } from 'commander';
import { z } from 'zod';
import type { CommandIo } from '../cli-io.js';
import { loadDemoConversation } from '../demo-conversation.js';
import { renderDemoReport } from '../demo-render.js';
import {
  type AnsweredQuestion,
  askQuestion,
  type DemoReport,
  pickQuestions,
  summarise,
} from '../demo-run.js';
import { formatDay, formatDuration } from '../format.js';
import {
  collect,
  parseOptions,
  storeUriOption,
  switchOption,
  textListOption,
  wholeNumberOption,
} from '../options.js';
import { createProgressLine } from '../progress-line.js';
import { setupEmbedder } from '../setup/embedder.js';
import {
  createLanguageModel,
  languageModelFlagFields,
  languageModelOptions,
} from '../setup/language-model.js';
import { openStore, storeUri } from '../setup/store.js';

const demoOptionsSchema = z.object({
  store: storeUriOption.optional(),
  k: wholeNumberOption(1, 50).default(5),
  question: textListOption.default([]),
  json: switchOption,
  // The LLM that answers from the recalled memory, configured as for `loci chat`; none: recall only.
  ...languageModelFlagFields,
});

/** `loci demo` options as commander hands them over (strings, switches); parsed by `parseDemoOptions`. */
export type DemoOptions = z.input<typeof demoOptionsSchema>;

export function parseDemoOptions(raw: unknown): z.output<typeof demoOptionsSchema> {
  return parseOptions(demoOptionsSchema, raw, 'demo');
}

/** How many of the conversation's own questions the demo asks when none is given. */
const demoQuestionCount = 6;

function freshNamespace(): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:TZ]/g, '')
    .slice(0, 14);
  return `demo-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** A demo question with what the configured LLM answered from the recalled memory. */
export type DemoAnswer = AnsweredQuestion & { modelAnswer?: string };

/** The demo's report; with an LLM configured it names the model and each question has its answer. */
export type DemoRunReport = DemoReport & {
  llm?: { provider: string; modelId: string };
  questions: DemoAnswer[];
};

/** The question with the recalled items fenced as quoted data, each with its date and turns. */
function answerMessages(answer: AnsweredQuestion, speakers: readonly string[], at: Date): ChatMessage[] {
  const lines = answer.recalled.map((item) => {
    const [first] = item.turns;
    const when = first?.at === undefined ? '' : `${formatDay(new Date(first.at))}; `;
    const who = item.kind === 'turn' && first?.speaker !== undefined ? `${first.speaker}: ` : '';
    return `[${item.rank}] (${when}${item.kind} from ${item.sources.join(', ')}) ${who}${item.text}`;
  });
  const memories = lines.length === 0 ? '(nothing was recalled)' : fenceMemory('Recalled memories', lines);
  return [
    {
      role: 'system',
      content:
        `You answer questions about a conversation between ${speakers.join(' and ')}, using only the memories ` +
        'recalled from it. If they do not hold the answer, say: Not in the recalled memory. ' +
        'Answer in one short sentence.',
    },
    { role: 'user', content: `${memories}\n\nToday is ${formatDay(at)}.\nQuestion: ${answer.question}` },
  ];
}

async function answerFromMemory(
  model: LanguageModel,
  answer: AnsweredQuestion,
  speakers: readonly string[],
  at: Date,
): Promise<string> {
  const result = await model.generate({
    messages: answerMessages(answer, speakers, at),
    maxTokens: 200,
    temperature: 0,
  });
  return (result.message.content ?? '').trim();
}

/** One question's answer next to the expected one, as the text report shows it. */
function renderModelAnswer(answer: DemoAnswer, index: number): string {
  const expected = answer.answer ?? '(your own question: none known)';
  return `Q${index + 1} ${answer.question}\n   model:    ${answer.modelAnswer ?? ''}\n   expected: ${expected}\n`;
}

/**
 * Runs the demo end to end on the embedded defaults: the built-in GloVe embedder (built into the
 * Loci home on first use), a LanceDB store on disk, and Loci's default memory. With an LLM
 * configured (the flags and variables of `loci chat`), the model then answers each question from
 * the recalled memory only, shown next to the expected answer.
 */
export async function runDemo(input: DemoOptions, io: CommandIo): Promise<DemoRunReport> {
  const options = parseDemoOptions(input);
  // Checked before the long part, so a bad LLM setting fails at once.
  const model =
    languageModelOptions(options, io.env) === undefined
      ? undefined
      : createLanguageModel(options, io.env, io.stderr);
  const progress = createProgressLine(io.stderr);
  const conversation = await loadDemoConversation();
  const home = lociHome(io.env);
  const { embedder, readySeconds } = await setupEmbedder({ home, progress });

  // The default demo store belongs to the demo, so each run starts it afresh and repeated runs give
  // the same output; a store the user names is never cleared: the run writes into a new namespace.
  const fresh = options.store === undefined;
  const uri = storeUri(options.store, home, 'demo');
  const namespace = fresh ? 'demo' : freshNamespace();
  if (fresh) await rm(uri, { recursive: true, force: true });
  const store = await openStore(uri);
  let memory: Memory | undefined;
  try {
    memory = createDefaultMemory({ embedder, store });
    const ingest = await ingestConversation({
      memory,
      sessions: conversation.sessions,
      namespace,
      onTurn: (done, total) => progress.update({ label: 'ingesting turns', done, total }),
    });
    progress.finish(`ingested ${ingest.turns} turns in ${formatDuration(ingest.seconds * 1000)}`);

    // Questions are asked just after the last session, as if the conversation had just ended.
    const at = new Date(conversation.turns.at(-1)!.at.getTime() + 60_000);
    const questions =
      options.question.length > 0
        ? options.question
        : pickQuestions(conversation.questions, demoQuestionCount);
    const answers = [];
    for (const question of questions) {
      answers.push(await askQuestion({ memory, conversation, namespace, question, k: options.k, at }));
    }
    const report: DemoRunReport = {
      conversation: {
        speakers: conversation.speakers,
        sessions: conversation.sessions.length,
        turns: conversation.turns.length,
        from: conversation.sessions[0]!.at.toISOString(),
        to: conversation.sessions.at(-1)!.at.toISOString(),
      },
      embedder: {
        provider: embedder.provider,
        modelId: embedder.modelId,
        dimensions: embedder.dimensions,
        readySeconds,
      },
      store: { uri, namespace, fresh },
      memory: memory.name,
      ...(model === undefined ? {} : { llm: { provider: model.provider, modelId: model.modelId } }),
      ingest,
      k: options.k,
      questions: answers,
      summary: summarise(answers),
      notes: [
        // The default memory's starting SideNet weights were fitted on this very conversation; past
        // a few dozen turns it trains its own, self-supervised, on what it holds.
        "The default memory's starting reranker weights came from this sample conversation, so these " +
          'figures demonstrate, they do not measure: held-out figures are in docs/benchmarks.md.',
      ],
    };
    if (!options.json) io.stdout.write(renderDemoReport(report));
    if (model !== undefined) {
      // In text, each answer is shown as it comes, after the recall report (which stays as offline).
      if (!options.json) io.stdout.write(`\nAnswers by ${model.modelId} from the recalled memory only:\n`);
      for (const [index, answer] of answers.entries()) {
        report.questions[index] = {
          ...answer,
          modelAnswer: await answerFromMemory(model, answer, conversation.speakers, at),
        };
        if (!options.json) io.stdout.write(renderModelAnswer(report.questions[index], index));
      }
    }
    if (options.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    await memory?.close?.();
    await store.close();
  }
}

export function registerDemo(program: Command, io: CommandIo): void {
  program
    .command('demo')
    .description(
      "Ingest a sample conversation into Loci's default memory (built-in embedder, LanceDB on disk) and show what it recalls for its questions. No server, no key; with an LLM configured (as for loci chat), it also answers each question from the recalled memory.",
    )
    .option(
      '--store <uri>',
      'store to use: a folder or s3://, gs://, az://, db:// (default: <LOCI_HOME>/demo, rebuilt each run)',
    )
    .option('--k <n>', 'how many items to recall per question (default 5)')
    .option(
      '-q, --question <text>',
      'ask your own question instead of the built-in ones (repeatable)',
      collect,
    )
    .option('--json', 'print the report as JSON on stdout')
    .option(
      '--model <name>',
      'LLM that answers from the recalled memory (env LOCI_MODEL; default gpt-4o-mini on OpenAI)',
    )
    .option(
      '--base-url <url>',
      'OpenAI-compatible server, e.g. http://localhost:11434/v1 (env OPENAI_BASE_URL)',
    )
    .option('--api-key <key>', 'API key (env OPENAI_API_KEY); without a key or a server, no LLM: recall only')
    .option('--context-window <tokens>', 'context window of the model, when Loci does not know it')
    .option('--timeout <ms>', 'how long one try waits for the model (env LOCI_TIMEOUT_MS; default 60000)')
    .action(async (flags: DemoOptions) => {
      await runDemo(flags, io);
    });
}
