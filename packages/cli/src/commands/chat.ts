import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  ConfigError,
  type EmbeddingModel,
  type LanguageModel,
  LociError,
  lociHome,
  type MemoryStore,
  parseWith,
} from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { type Agent, type AgentEvent, createAgent, loadAgent } from '@loci/memgpt';
import { createGloveEmbedder } from '@loci/onnx';
import { createOpenAIChatModel, openAIConfigFromEnv } from '@loci/openai';
import type { Command } from 'commander';
import { z } from 'zod';
import { describeError } from '../describe-error.js';
import { createProgressLine, type ProgressStream } from '../progress-line.js';

const chatOptionsSchema = z.object({
  agent: z.string().trim().min(1, 'give an agent id').optional(),
  new: z.boolean().default(false),
  user: z.string().trim().min(1).default('default'),
  store: z.string().trim().min(1, 'give a folder or a URI (s3://, gs://, az://, db://)').optional(),
  model: z.string().trim().min(1).optional(),
  baseUrl: z.string().trim().min(1).optional(),
  apiKey: z.string().trim().min(1).optional(),
  contextWindow: z.coerce.number().int().min(512).optional(),
  verbose: z.boolean().default(false),
});

export type ChatOptions = z.input<typeof chatOptionsSchema>;

export interface ChatIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** A stream, so that on a terminal readline can echo and edit the line being typed. */
  stdout: NodeJS.WritableStream;
  stderr: ProgressStream;
  env: NodeJS.ProcessEnv;
}

/** Printed when no LLM is configured: the exact ways to configure one. */
export const noModelHelp = `loci chat needs an LLM, and none is configured. Pick one:

  OpenAI (or any hosted OpenAI-compatible API):
    export OPENAI_API_KEY=sk-...
    export LOCI_MODEL=gpt-4o-mini            # optional, this is the default
    pnpm loci chat

  A local OpenAI-compatible server, e.g. Ollama (https://ollama.com):
    ollama pull llama3.1
    OPENAI_BASE_URL=http://localhost:11434/v1 LOCI_MODEL=llama3.1 pnpm loci chat
  (llama.cpp server, vLLM and LM Studio work the same way with their own URL and model name.)

  The same settings as flags: loci chat --base-url <url> --model <name> [--api-key <key>]
`;

const helpText = `Commands:
  /memory          print core memory, the summary and storage counts
  /search <text>   search recall storage (the whole conversation) and archival storage
  /help            this help
  /exit            leave (the agent is saved after every message)
`;

function modelFrom(
  options: z.output<typeof chatOptionsSchema>,
  env: NodeJS.ProcessEnv,
): LanguageModel | undefined {
  // Flags win over the environment; both go through the same validation.
  const merged: Record<string, string | undefined> = { ...env };
  if (options.apiKey !== undefined) merged['OPENAI_API_KEY'] = options.apiKey;
  if (options.baseUrl !== undefined) merged['OPENAI_BASE_URL'] = options.baseUrl;
  if (options.model !== undefined) merged['LOCI_MODEL'] = options.model;
  const config = openAIConfigFromEnv(merged);
  if (!config) return undefined;
  return createOpenAIChatModel({
    ...config.chat,
    ...(options.contextWindow === undefined ? {} : { contextWindow: options.contextWindow }),
  });
}

function setupError(what: string, error: unknown, hint: string): LociError {
  if (LociError.isInstance(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new LociError(`${what}: ${reason}. ${hint}`, {
    code: 'chat_failed',
    category: 'system',
    cause: error,
  });
}

function newAgentId(): string {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  return `chat-${day}-${randomBytes(3).toString('hex')}`;
}

function printMemory(agent: Agent, write: (text: string) => void): void {
  const state = agent.state();
  for (const block of state.blocks) {
    write(`[${block.label}] ${block.value.length}/${block.limit} characters\n${block.value}\n\n`);
  }
  write(`[summary] of ${state.summarizedCount} evicted messages\n${state.summary || '(none yet)'}\n\n`);
  write(
    `${state.queue.length} messages in context, ${state.recallCount} in recall storage, ${state.archivalCount} passages in archival storage\n`,
  );
}

async function printSearch(agent: Agent, query: string, write: (text: string) => void): Promise<void> {
  const [recall, archival] = await Promise.all([
    agent.searchRecall(query, 5),
    agent.searchArchival(query, 5),
  ]);
  write(`recall storage (${recall.length}):\n`);
  for (const message of recall) {
    const who = message.kind === 'user' ? (message.speaker ?? 'user') : message.kind;
    const text =
      message.content || message.toolCalls?.map((call) => `${call.name}(${call.arguments})`).join(' ') || '';
    write(`  [${message.at.toISOString()}] ${who}: ${text}\n`);
  }
  write(`archival storage (${archival.length}):\n`);
  for (const passage of archival) write(`  [${passage.at.toISOString()}] ${passage.text}\n`);
}

/** Shows what the agent says (streamed when the model streams) and, with --verbose, what it thinks and does. */
function createPrinter(write: (text: string) => void, verbose: boolean) {
  const streamed = new Set<string>();
  let openLine: string | undefined;
  let currentCall: string | undefined;
  let monologueStreamed = false;
  const closeLine = () => {
    if (openLine !== undefined) write('\n');
    openLine = undefined;
  };
  return (event: AgentEvent) => {
    switch (event.type) {
      case 'llm-call':
        monologueStreamed = false;
        break;
      case 'monologue-delta':
        if (!verbose) break;
        if (openLine !== 'monologue') {
          closeLine();
          write('  (thinks) ');
          openLine = 'monologue';
        }
        monologueStreamed = true;
        write(event.text);
        break;
      case 'message-delta':
        if (openLine !== event.toolCallId) {
          closeLine();
          write('agent> ');
          openLine = event.toolCallId;
        }
        streamed.add(event.toolCallId);
        write(event.text);
        break;
      case 'llm-result':
        closeLine();
        break;
      case 'inner-monologue':
        if (verbose && !monologueStreamed) write(`  (thinks) ${event.text}\n`);
        break;
      case 'tool-call':
        currentCall = event.id;
        if (verbose) write(`  -> ${event.name}(${event.arguments})\n`);
        break;
      case 'message':
        if (currentCall === undefined || !streamed.has(currentCall)) write(`agent> ${event.text}\n`);
        break;
      case 'tool-result':
        if (verbose || !event.ok) write(`  <- ${event.name}: ${event.content}\n`);
        break;
      case 'heartbeat':
        if (verbose) write(`  (heartbeat: ${event.reason})\n`);
        break;
      case 'memory-pressure':
        if (verbose) write(`  (memory pressure: ${event.tokens} of ${event.limit} tokens)\n`);
        break;
      case 'eviction':
        if (verbose) write(`  (evicted ${event.messages} old messages from context; still searchable)\n`);
        break;
      case 'summary':
        if (verbose) write(`  (summary ${event.ok ? 'updated' : `failed: ${event.error}`})\n`);
        break;
      case 'chain-limit':
        if (verbose) write(`  (stopped after ${event.calls} LLM calls in a row)\n`);
        break;
      default:
        break;
    }
  };
}

/** Runs the interactive chat; returns the exit code. */
export async function runChat(input: ChatOptions, io: ChatIo): Promise<number> {
  const options = parseWith(chatOptionsSchema, input, 'loci chat options');
  const write = (text: string) => io.stdout.write(text);
  const model = modelFrom(options, io.env);
  if (!model) {
    io.stderr.write(noModelHelp);
    return 2;
  }
  const home = lociHome(io.env);
  const progress = createProgressLine(io.stderr);
  let embedder: EmbeddingModel;
  try {
    embedder = await createGloveEmbedder({
      home,
      onProgress: (event) =>
        progress.update({
          label: `embedder: ${event.message}`,
          ...(event.done !== undefined ? { done: event.done } : {}),
          ...(event.total !== undefined ? { total: event.total } : {}),
        }),
    });
  } catch (error) {
    throw setupError(
      `could not set up the built-in embedder in ${home}`,
      error,
      'Check that this folder is writable (or point LOCI_HOME at one that is) and try again.',
    );
  }
  progress.finish(`embedder ${embedder.modelId} ready`);

  const uri = options.store ?? join(home, 'chat');
  let store: MemoryStore;
  try {
    store = await createLanceStore({ uri });
  } catch (error) {
    throw setupError(`could not open the store at ${uri}`, error, 'Give --store a writable folder or a URI.');
  }
  let handler: (event: AgentEvent) => void = () => {};
  const shared = {
    model,
    embedder,
    store,
    namespace: options.user,
    onEvent: (event: AgentEvent) => handler(event),
  };
  let agent: Agent;
  try {
    if (options.new) {
      const id = options.agent ?? newAgentId();
      agent = await createAgent({ ...shared, id }).catch((error: unknown) => {
        if (
          LociError.isInstance(error) &&
          error.code === 'invalid_config' &&
          /already exists/.test(error.message)
        ) {
          throw new ConfigError(
            `agent "${id}" already exists; resume it with: loci chat --agent ${id} (without --new)`,
          );
        }
        throw error;
      });
      io.stderr.write(`new agent ${agent.id} (resume it with: loci chat --agent ${agent.id})\n`);
    } else {
      const id = options.agent ?? 'default';
      try {
        agent = await loadAgent({ ...shared, id });
        const state = agent.state();
        io.stderr.write(
          `resumed agent ${id}: ${state.stepCount} exchanges so far, ${state.recallCount} messages in recall storage\n`,
        );
      } catch (error) {
        if (!(LociError.isInstance(error) && error.code === 'agent_not_found')) throw error;
        agent = await createAgent({ ...shared, id });
        io.stderr.write(
          `new agent ${id} (it is saved after every message; resume it with: loci chat --agent ${id})\n`,
        );
      }
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  io.stderr.write(
    `model ${model.modelId} (${model.provider}), store ${uri}. Type /help for commands, /exit to leave.\n`,
  );

  handler = createPrinter(write, options.verbose);
  const interactive = io.stdin.isTTY === true;
  const lines = interactive
    ? createInterface({ input: io.stdin, output: io.stdout, terminal: true, prompt: 'you> ' })
    : createInterface({ input: io.stdin, terminal: false });
  const prompt = () => {
    if (interactive) lines.prompt();
  };
  // Ctrl+C stops the step in progress (nothing is saved from it), or leaves when there is none.
  let running: AbortController | undefined;
  lines.on('SIGINT', () => {
    if (running) {
      running.abort();
      write('\n(interrupted)\n');
    } else {
      write('\n');
      lines.close();
    }
  });
  try {
    prompt();
    for await (const raw of lines) {
      const line = raw.trim();
      if (line.length === 0) {
        prompt();
        continue;
      }
      if (line === '/exit' || line === '/quit') break;
      if (line.startsWith('/')) {
        const [command = '', ...rest] = line.split(/\s+/);
        const argument = rest.join(' ');
        if (command === '/help') write(helpText);
        else if (command === '/memory') printMemory(agent, write);
        else if (command === '/search') {
          if (argument.length === 0) write('usage: /search <text>\n');
          else
            await printSearch(agent, argument, write).catch((error: unknown) =>
              io.stderr.write(describeError(error, { debug: false })),
            );
        } else write(`unknown command ${command}; type /help\n`);
        prompt();
        continue;
      }
      try {
        running = new AbortController();
        const result = await agent.step({ text: line }, { signal: running.signal });
        if (result.messages.length === 0) {
          write('(the agent did not send a message this turn; run with --verbose to see its thoughts)\n');
        }
      } catch (error) {
        // The step was not saved; the conversation goes on from the last saved one.
        if (!running?.signal.aborted) {
          io.stderr.write(describeError(error, { debug: io.env['LOCI_DEBUG'] === '1' }));
        }
        io.stderr.write('(nothing was lost: the agent is as it was before this message; try again)\n');
      } finally {
        running = undefined;
      }
      prompt();
    }
  } finally {
    lines.close();
    await agent.close();
    await store.close();
  }
  return 0;
}

export function registerChat(program: Command): void {
  program
    .command('chat')
    .description(
      'Chat in the terminal with a persistent MemGPT agent (core memory, recall and archival storage).',
    )
    .option('--agent <id>', 'agent to resume (created when it does not exist yet); default "default"')
    .option('--new', 'start a new agent (with --agent, under that id)')
    .option('--user <namespace>', 'whose agents these are; each user sees only their own', 'default')
    .option('--store <uri>', 'store folder or URI (default <LOCI_HOME>/chat)')
    .option('--model <name>', 'model name (env LOCI_MODEL; default gpt-4o-mini on OpenAI)')
    .option(
      '--base-url <url>',
      'OpenAI-compatible server, e.g. http://localhost:11434/v1 (env OPENAI_BASE_URL)',
    )
    .option('--api-key <key>', 'API key (env OPENAI_API_KEY)')
    .option('--context-window <tokens>', 'context window of the model, when Loci does not know it')
    .option('--verbose', 'show inner monologue, function calls and memory management')
    .action(async (flags: ChatOptions) => {
      process.exitCode = await runChat(flags, {
        stdin: process.stdin,
        stdout: process.stdout,
        stderr: process.stderr,
        env: process.env,
      });
    });
}
