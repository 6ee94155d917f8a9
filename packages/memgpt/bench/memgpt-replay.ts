/**
 * MemGPT replay benchmark: a generated multi-session conversation through an agent on a LanceDB
 * store, with the built-in embedder; reports framework time per step (the LLM's time taken out),
 * context tokens against the window, alerts, evictions and summaries, and checks that
 * conversation_search still finds every replayed user message. The LLM is the scripted
 * OpenAI-compatible test server (a test double, not a model) unless --base-url names a real one.
 *
 * Run: pnpm --filter @loci/memgpt bench [-- --turns 300 --json]   (or from the root: pnpm bench:memgpt -- ...)
 * Flags: --turns (1800) --sessions (12) --context-window (8192) --seed (7) --store <uri>
 *        --base-url <url> --model <name> --api-key <key> --json
 * Exit code 1 when a prompt went over the window or a replayed message was not found.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type LanguageModel, lociHome, parseWith } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { createGloveEmbedder } from '@loci/onnx';
import { createOpenAIChatModel, openAIConfigFromEnv } from '@loci/openai';
import { startScriptedServer } from '@loci/testing/scripted-server';
import { z } from 'zod';
import { createAgent } from '../src/index.js';
import { generateConversation } from './replay-conversation.js';
import { createReplayMetrics, type ReplayReport, renderReport } from './replay-metrics.js';
import { scriptedAgentReply } from './scripted-agent.js';

const replayOptionsSchema = z.object({
  turns: z.coerce.number().int().min(10).max(20_000).default(1800),
  sessions: z.coerce.number().int().min(1).max(200).default(12),
  contextWindow: z.coerce.number().int().min(2048).default(8192),
  seed: z.coerce.number().int().default(7),
  /** Retired with the agent's own table maintenance (the store keeps its indexes fresh); accepted, ignored. */
  maintenanceEvery: z.coerce.number().int().min(0).optional(),
  store: z.string().min(1).optional(),
  baseUrl: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  json: z.boolean().default(false),
});

export type ReplayOptions = z.input<typeof replayOptionsSchema>;

export interface ReplayIo {
  stdout: { write(text: string): unknown };
  /** Progress lines; `isTTY` rewrites one line in place. */
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** Reads the command line: the flags of the former `loci bench memgpt`, kebab-case. */
export function parseReplayArgs(argv: readonly string[]): ReplayOptions {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== '--'),
    strict: true,
    options: {
      turns: { type: 'string' },
      sessions: { type: 'string' },
      'context-window': { type: 'string' },
      seed: { type: 'string' },
      'maintenance-every': { type: 'string' },
      store: { type: 'string' },
      'base-url': { type: 'string' },
      model: { type: 'string' },
      'api-key': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const camel = (name: string) => name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [camel(name), value]),
  ) as ReplayOptions;
}

async function openModel(
  options: z.output<typeof replayOptionsSchema>,
  env: NodeJS.ProcessEnv,
): Promise<{ model: LanguageModel; llm: string; close: () => Promise<void> }> {
  if (options.baseUrl === undefined) {
    const server = await startScriptedServer();
    server.setDefault(scriptedAgentReply);
    const model = createOpenAIChatModel({
      model: 'scripted',
      baseURL: server.url,
      apiKey: 'bench',
      contextWindow: options.contextWindow,
      maxRetries: 0,
    });
    return {
      model,
      llm: 'scripted OpenAI-compatible test server (LLM time excluded)',
      close: () => server.close(),
    };
  }
  const withFlags: Record<string, string | undefined> = { ...env, OPENAI_BASE_URL: options.baseUrl };
  if (options.model !== undefined) withFlags['LOCI_MODEL'] = options.model;
  if (options.apiKey !== undefined) withFlags['OPENAI_API_KEY'] = options.apiKey;
  const config = openAIConfigFromEnv(withFlags);
  if (!config) throw new Error('unreachable: a base URL configures an LLM');
  const model = createOpenAIChatModel({ ...config.chat, contextWindow: options.contextWindow });
  return { model, llm: `${model.modelId} at ${options.baseUrl}`, close: async () => {} };
}

export async function runMemgptReplay(
  input: ReplayOptions,
  io: ReplayIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<ReplayReport> {
  const options = parseWith(replayOptionsSchema, input, 'memgpt replay options');
  if (options.maintenanceEvery !== undefined) {
    io.stderr.write('--maintenance-every is ignored: the store keeps its indexes fresh itself\n');
  }
  const progress = (text: string) => {
    if (io.stderr.isTTY) io.stderr.write(`\r\x1b[2K${text}`);
  };
  const conversation = generateConversation(options);
  const started = performance.now();
  const embedder = await createGloveEmbedder({ home: lociHome(io.env) });
  const tempStore =
    options.store === undefined ? await mkdtemp(join(tmpdir(), 'loci-memgpt-replay-')) : undefined;
  const store = await createLanceStore({ uri: options.store ?? join(tempStore as string, 'store') });
  const { model, llm, close } = await openModel(options, io.env);
  const metrics = createReplayMetrics();
  try {
    const agent = await createAgent({
      model,
      embedder,
      store,
      id: `bench-${Date.now().toString(36)}`,
      namespace: 'bench',
      blocks: { human: { value: 'The user tells daily stories.', limit: 2000 } },
      config: { stream: false },
    });
    let storedMessages = 0;
    for (const turn of conversation) {
      const result = await agent.step({ text: turn.text, speaker: 'user', at: turn.at });
      const step = metrics.addStep(result, storedMessages);
      if (io.env['LOCI_BENCH_TRACE'] === '1') {
        const kinds = result.trace
          .filter((entry) => entry.type === 'tool-call' || entry.type === 'eviction')
          .map((entry) => (entry.type === 'tool-call' ? entry.name : 'eviction'));
        io.stderr.write(`step ${turn.index} ${step.ms.toFixed(1)} ${kinds.join(',')}\n`);
      }
      storedMessages = agent.state().recallCount;
      progress(
        `replaying ${turn.index + 1}/${conversation.length}: ${storedMessages} stored, ${metrics.evictions} evictions`,
      );
    }
    progress(
      `replayed ${conversation.length} turns in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );

    let found = 0;
    for (const [index, turn] of conversation.entries()) {
      const hits = await agent.searchRecall(turn.text, 10);
      if (hits.some((message) => message.kind === 'user' && message.content === turn.text)) found++;
      if (index % 50 === 0) progress(`checking conversation_search ${index + 1}/${conversation.length}`);
    }
    progress(`checked ${conversation.length} messages with conversation_search\n`);
    await agent.close();

    const report = metrics.report({
      turns: conversation.length,
      sessions: options.sessions,
      llm,
      contextWindow: options.contextWindow,
      storedMessages,
      searchChecked: conversation.length,
      searchFound: found,
      wallSeconds: (performance.now() - started) / 1000,
    });
    io.stdout.write(options.json ? `${JSON.stringify(report)}\n` : renderReport(report));
    return report;
  } finally {
    await store.close();
    await close();
    if (tempStore) await rm(tempStore, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const report = await runMemgptReplay(parseReplayArgs(process.argv.slice(2)));
  if (report.overWindow > 0 || report.searchFound < report.searchChecked) process.exitCode = 1;
}
