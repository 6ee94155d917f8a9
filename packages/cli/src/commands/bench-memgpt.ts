import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LanguageModel, LociError, lociHome, parseWith, seededRandom } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { createAgent } from '@loci/memgpt';
import { createGloveEmbedder } from '@loci/onnx';
import { createOpenAIChatModel, openAIConfigFromEnv } from '@loci/openai';
// The developer benchmark replays through the scripted server (a test double, not a model): the
// figures measure Loci's own work per step, with the LLM's time taken out.
// It is loaded only when the benchmark runs: @loci/testing ships as TypeScript source in a checkout,
// so a static import would stop every `loci` command of a built or published CLI.
import type { RecordedRequest, ScriptedReply } from '@loci/testing/scripted-server';
import type { Command } from 'commander';
import { z } from 'zod';
import { formatDuration } from '../format.js';
import { createProgressLine, type ProgressStream } from '../progress-line.js';

const benchMemgptOptionsSchema = z.object({
  turns: z.coerce.number().int().min(10).max(20_000).default(1800),
  sessions: z.coerce.number().int().min(1).max(200).default(12),
  contextWindow: z.coerce.number().int().min(2048).default(8192),
  seed: z.coerce.number().int().default(7),
  maintenanceEvery: z.coerce.number().int().min(0).default(100),
  store: z.string().min(1).optional(),
  baseUrl: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  json: z.boolean().default(false),
});

export type BenchMemgptOptions = z.input<typeof benchMemgptOptionsSchema>;

export interface BenchMemgptIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
  env: NodeJS.ProcessEnv;
}

export interface BenchMemgptReport {
  turns: number;
  sessions: number;
  llm: string;
  contextWindow: number;
  storedMessages: number;
  framework: { p50: number; p95: number; max: number };
  /** Steps without a search function, and steps with one (conversation_search, archival_memory_search). */
  frameworkPlain: { steps: number; p50: number; p95: number };
  frameworkSearch: { steps: number; p50: number; p95: number };
  /** Framework time once recall storage holds ≥ 5,000 messages (empty when the run never got there). */
  frameworkAt5000: { steps: number; p50: number; p95: number };
  /** The same steps without a search function. */
  plainAt5000: { steps: number; p50: number; p95: number };
  llmCalls: number;
  contextTokens: { p50: number; max: number };
  overWindow: number;
  evictions: number;
  summaries: number;
  failedSummaries: number;
  memoryPressureAlerts: number;
  searchChecked: number;
  searchFound: number;
  wallSeconds: number;
}

const people = [
  'Lena',
  'Marco',
  'Aiko',
  'Tomas',
  'Priya',
  'Jonah',
  'Sofia',
  'Kwame',
  'Ingrid',
  'Ravi',
  'Elif',
  'Mateo',
];
const places = [
  'Porto',
  'Kyoto',
  'the lake house',
  'Nairobi',
  'the old bakery',
  'Tromsø',
  'the climbing gym',
  'Lisbon',
  'the night market',
  'Montreal',
  'the library',
  'Valparaíso',
];
const activities = [
  'learned to bake sourdough',
  'fixed a broken bicycle',
  'painted a mural',
  'ran a half marathon',
  'adopted a grey kitten',
  'planted tomatoes',
  'played cello in a quartet',
  'built a wooden canoe',
  'started a podcast',
  'tried ice swimming',
  'translated a poem',
  'repaired an old radio',
];
const feelings = [
  'proud',
  'exhausted',
  'nervous',
  'delighted',
  'curious',
  'relieved',
  'homesick',
  'inspired',
];
const details = [
  'it rained the whole afternoon',
  'the neighbours brought soup',
  'we got lost twice',
  'the tickets were half price',
  'my phone died halfway',
  'a stranger lent us a map',
  'the recipe came from my grandmother',
  'it took three attempts',
];

/** A long multi-session conversation: one user's turns, each with its own mix of people, places and events. */
export function generateConversation(options: { turns: number; sessions: number; seed: number }) {
  const random = seededRandom(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const perSession = Math.ceil(options.turns / options.sessions);
  const start = Date.UTC(2024, 0, 8, 18, 0, 0);
  return Array.from({ length: options.turns }, (_, index) => {
    const session = Math.floor(index / perSession);
    const at = new Date(start + session * 5 * 86_400_000 + (index % perSession) * 60_000);
    const text = `Turn ${index + 1}: ${pick(people)} and I ${pick(activities)} near ${pick(places)}; I felt ${pick(feelings)} because ${pick(details)}.`;
    return { index, session, at, text };
  });
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

// Usage is given so the test server does not tokenize every prompt in this process.
const usage = { prompt_tokens: 0, completion_tokens: 0 };

/** What the scripted server answers: mostly a reply, sometimes a memory edit or a search first, as an agent would. */
function scriptedAgentReply(scripted: ScriptedServerModule, request: RecordedRequest): ScriptedReply {
  return { usage, ...scriptedAgentAction(scripted.chatRequestBody(request)) };
}

function scriptedAgentAction(body: ReturnType<ScriptedServerModule['chatRequestBody']>): ScriptedReply {
  if (body.tools === undefined) {
    // A recursive-summary request.
    return {
      content:
        'The user shares daily stories about friends, trips and hobbies; details are in recall storage.',
    };
  }
  const last = body.messages.at(-1);
  if (last?.role !== 'user' || typeof last.content !== 'string' || !last.content.startsWith('Turn ')) {
    return {
      content: 'Answer now.',
      toolCalls: [{ name: 'send_message', arguments: { message: 'Got it.' } }],
    };
  }
  const turn = Number(/^Turn (\d+)/.exec(last.content)?.[1] ?? 0);
  const words = last.content.split(/\s+/);
  if (turn % 20 === 0) {
    return {
      content: 'Check what was said before.',
      toolCalls: [
        { name: 'conversation_search', arguments: { query: words[3] ?? 'trip', request_heartbeat: true } },
      ],
    };
  }
  if (turn % 50 === 0) {
    return {
      content: 'Worth keeping.',
      toolCalls: [
        { name: 'archival_memory_insert', arguments: { content: last.content, request_heartbeat: true } },
      ],
    };
  }
  return {
    content: 'Acknowledge briefly.',
    toolCalls: [{ name: 'send_message', arguments: { message: `Noted (${turn}).` } }],
  };
}

type ScriptedServerModule = typeof import('@loci/testing/scripted-server');

async function loadScriptedServer(): Promise<ScriptedServerModule> {
  try {
    return await import('@loci/testing/scripted-server');
  } catch (error) {
    throw new LociError(
      'loci bench memgpt replays through the scripted test server, which only exists in a checkout of the Loci repository: run `pnpm loci bench memgpt` there, or pass --base-url <OpenAI-compatible server> to measure against a real one',
      { code: 'bench_needs_checkout', category: 'user', cause: error },
    );
  }
}

export async function benchMemgpt(
  input: BenchMemgptOptions,
  io: BenchMemgptIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<BenchMemgptReport> {
  const options = parseWith(benchMemgptOptionsSchema, input, 'loci bench memgpt options');
  const progress = createProgressLine(io.stderr);
  const conversation = generateConversation(options);
  const started = performance.now();

  const embedder = await createGloveEmbedder({ home: lociHome(io.env) });
  const tempStore =
    options.store === undefined ? await mkdtemp(join(tmpdir(), 'loci-bench-memgpt-')) : undefined;
  const store = await createLanceStore({ uri: options.store ?? join(tempStore as string, 'store') });
  const scripted = options.baseUrl === undefined ? await loadScriptedServer() : undefined;
  const server = scripted ? await scripted.startScriptedServer() : undefined;
  if (scripted) server?.setDefault((request) => scriptedAgentReply(scripted, request));
  let model: LanguageModel;
  if (server) {
    model = createOpenAIChatModel({
      model: 'scripted',
      baseURL: server.url,
      apiKey: 'bench',
      contextWindow: options.contextWindow,
      maxRetries: 0,
    });
  } else {
    const env: Record<string, string | undefined> = { ...io.env, OPENAI_BASE_URL: options.baseUrl };
    if (options.model !== undefined) env['LOCI_MODEL'] = options.model;
    if (options.apiKey !== undefined) env['OPENAI_API_KEY'] = options.apiKey;
    const config = openAIConfigFromEnv(env);
    if (!config) throw new Error('unreachable: a base URL configures an LLM');
    model = createOpenAIChatModel({ ...config.chat, contextWindow: options.contextWindow });
  }

  const framework: number[] = [];
  // Steps whose functions searched storage pay for the store's index refresh; shown apart.
  const searchSteps: number[] = [];
  const plainSteps: number[] = [];
  const frameworkAt5000: number[] = [];
  const plainAt5000: number[] = [];
  const contextTokens: number[] = [];
  let evictions = 0;
  let summaries = 0;
  let failedSummaries = 0;
  let alerts = 0;
  let storedMessages = 0;
  const limit = options.contextWindow;
  try {
    const agent = await createAgent({
      model,
      embedder,
      store,
      id: `bench-${Date.now().toString(36)}`,
      namespace: 'bench',
      blocks: { human: { value: 'The user tells daily stories.', limit: 2000 } },
      config: { stream: false, maintenanceEverySteps: options.maintenanceEvery },
    });
    for (const turn of conversation) {
      const result = await agent.step({ text: turn.text, speaker: 'user', at: turn.at });
      const ms = result.timings.totalMs - result.timings.llmMs;
      framework.push(ms);
      const searched = result.trace.some((entry) => entry.type === 'tool-call' && /_search/.test(entry.name));
      (searched ? searchSteps : plainSteps).push(ms);
      if (io.env['LOCI_BENCH_TRACE'] === '1') {
        const kinds = result.trace
          .filter((entry) => entry.type === 'tool-call' || entry.type === 'eviction')
          .map((entry) => (entry.type === 'tool-call' ? entry.name : 'eviction'));
        io.stderr.write(`step ${turn.index} ${ms.toFixed(1)} ${kinds.join(',')}\n`);
      }
      if (storedMessages >= 5000) {
        frameworkAt5000.push(ms);
        if (!searched) plainAt5000.push(ms);
      }
      storedMessages = agent.state().recallCount;
      for (const tokens of result.contextTokens) contextTokens.push(tokens.total);
      for (const entry of result.trace) {
        if (entry.type === 'eviction') evictions++;
        if (entry.type === 'summary') {
          if (entry.ok) summaries++;
          else failedSummaries++;
        }
        if (entry.type === 'memory-pressure') alerts++;
      }
      progress.update({
        label: 'replaying',
        done: turn.index + 1,
        total: conversation.length,
        detail: `${storedMessages} stored, ${evictions} evictions`,
      });
    }
    progress.finish(
      `replayed ${conversation.length} turns in ${formatDuration(performance.now() - started)}`,
    );

    let found = 0;
    for (const [index, turn] of conversation.entries()) {
      const hits = await agent.searchRecall(turn.text, 10);
      if (hits.some((message) => message.kind === 'user' && message.content === turn.text)) found++;
      if (index % 50 === 0)
        progress.update({
          label: 'checking conversation_search',
          done: index + 1,
          total: conversation.length,
        });
    }
    progress.finish(`checked ${conversation.length} messages with conversation_search`);
    await agent.close();

    const report: BenchMemgptReport = {
      turns: conversation.length,
      sessions: options.sessions,
      llm: server
        ? 'scripted OpenAI-compatible test server (LLM time excluded)'
        : `${model.modelId} at ${options.baseUrl}`,
      contextWindow: limit,
      storedMessages,
      framework: {
        p50: percentile(framework, 50),
        p95: percentile(framework, 95),
        max: Math.max(...framework),
      },
      frameworkPlain: {
        steps: plainSteps.length,
        p50: percentile(plainSteps, 50),
        p95: percentile(plainSteps, 95),
      },
      frameworkSearch: {
        steps: searchSteps.length,
        p50: percentile(searchSteps, 50),
        p95: percentile(searchSteps, 95),
      },
      plainAt5000: {
        steps: plainAt5000.length,
        p50: percentile(plainAt5000, 50),
        p95: percentile(plainAt5000, 95),
      },
      frameworkAt5000: {
        steps: frameworkAt5000.length,
        p50: percentile(frameworkAt5000, 50),
        p95: percentile(frameworkAt5000, 95),
      },
      llmCalls: contextTokens.length,
      contextTokens: { p50: percentile(contextTokens, 50), max: Math.max(...contextTokens) },
      overWindow: contextTokens.filter((tokens) => tokens > limit).length,
      evictions,
      summaries,
      failedSummaries,
      memoryPressureAlerts: alerts,
      searchChecked: conversation.length,
      searchFound: found,
      wallSeconds: (performance.now() - started) / 1000,
    };
    io.stdout.write(options.json ? `${JSON.stringify(report)}\n` : renderReport(report));
    return report;
  } finally {
    await store.close();
    await server?.close();
    if (tempStore) await rm(tempStore, { recursive: true, force: true });
  }
}

function renderReport(report: BenchMemgptReport): string {
  const ms = (value: number) => (Number.isNaN(value) ? '-' : `${value.toFixed(1)} ms`);
  return [
    `loci bench memgpt: ${report.turns} turns in ${report.sessions} sessions, LLM: ${report.llm}`,
    `  framework time per step (excluding the LLM): p50 ${ms(report.framework.p50)}, p95 ${ms(report.framework.p95)}, max ${ms(report.framework.max)}`,
    `  ... steps without a search function: ${report.frameworkPlain.steps}, p50 ${ms(report.frameworkPlain.p50)}, p95 ${ms(report.frameworkPlain.p95)}`,
    `  ... steps with conversation_search (store refreshes its text index first): ${report.frameworkSearch.steps}, p50 ${ms(report.frameworkSearch.p50)}, p95 ${ms(report.frameworkSearch.p95)}`,
    `  ... with >= 5,000 stored messages: ${report.frameworkAt5000.steps} steps, p50 ${ms(report.frameworkAt5000.p50)}, p95 ${ms(report.frameworkAt5000.p95)}`,
    `  ... with >= 5,000 stored messages, without a search function: ${report.plainAt5000.steps} steps, p50 ${ms(report.plainAt5000.p50)}, p95 ${ms(report.plainAt5000.p95)}`,
    `  stored messages at the end: ${report.storedMessages}`,
    `  context tokens per LLM call: p50 ${report.contextTokens.p50}, max ${report.contextTokens.max} (window ${report.contextWindow}; ${report.overWindow} calls over it) over ${report.llmCalls} calls`,
    `  memory-pressure alerts ${report.memoryPressureAlerts}, evictions ${report.evictions}, summaries ${report.summaries} (${report.failedSummaries} failed)`,
    `  conversation_search finds ${report.searchFound} of ${report.searchChecked} replayed user messages`,
    `  wall time ${report.wallSeconds.toFixed(1)} s`,
    '',
  ].join('\n');
}

export function registerBenchMemgpt(bench: Command): void {
  bench
    .command('memgpt')
    .description(
      'Replay a long multi-session conversation through a MemGPT agent: framework time per step (LLM excluded), context tokens, evictions, summaries, and that conversation_search still finds every message.',
    )
    .option('--turns <n>', 'user turns to replay', '1800')
    .option('--sessions <n>', 'sessions they are spread over', '12')
    .option('--context-window <tokens>', 'context window the agent manages', '8192')
    .option('--seed <n>', 'seed of the generated conversation', '7')
    .option('--maintenance-every <steps>', "the agent's table maintenance interval (0: never)", '100')
    .option('--store <uri>', 'store to write into (default: a temporary folder, removed afterwards)')
    .option('--base-url <url>', 'a real OpenAI-compatible server instead of the scripted one')
    .option('--model <name>', 'model name on that server')
    .option('--api-key <key>', 'API key for that server')
    .option('--json', 'print the report as one JSON line')
    .action(async (flags: BenchMemgptOptions) => {
      const report = await benchMemgpt(flags);
      if (report.overWindow > 0 || report.searchFound < report.searchChecked) process.exitCode = 1;
    });
}
