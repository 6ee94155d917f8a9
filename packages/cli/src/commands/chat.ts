import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { LociError, lociHome } from '@loci/core';
import { type Agent, type AgentEvent, createAgent } from '@loci/memgpt';
import type { Command } from 'commander';
import { z } from 'zod';
import type { CliIo } from '../cli-io.js';
import { describeError } from '../describe-error.js';
import { parseOptions, storeUriOption, switchOption, wholeNumberOption } from '../options.js';
import { createProgressLine } from '../progress-line.js';
import { type ChatMemory, chatMemoryKinds, createChatMemory } from '../setup/chat-memory.js';
import { setupEmbedder } from '../setup/embedder.js';
import { createLanguageModel, languageModelFlagFields } from '../setup/language-model.js';
import { openStore, storeUri } from '../setup/store.js';
import { loadChatAgent } from './chat-open-agent.js';

const chatOptionsSchema = z
  .object({
    agent: z.string().trim().min(1, 'give an agent id').optional(),
    new: switchOption,
    user: z.string().trim().min(1, 'give a namespace').default('default'),
    store: storeUriOption.optional(),
    ...languageModelFlagFields,
    memory: z.enum(chatMemoryKinds, { error: `use one of ${chatMemoryKinds.join(', ')}` }).default('default'),
    verbose: switchOption,
    wait: wholeNumberOption(0, 86_400).optional(),
    takeOver: switchOption,
  })
  .refine((options) => !(options.new && (options.takeOver || options.wait !== undefined)), {
    // A new agent has no lease holder to wait for or take over from; ignoring the flags would hide
    // a mistaken --new (the user meant to resume).
    path: ['new'],
    message:
      '--new creates an agent nobody holds yet; --wait and --take-over apply only when resuming one (drop --new to resume, or drop them)',
  });

/** `loci chat` options as commander hands them over; parsed by `parseChatOptions`. */
export type ChatOptions = z.input<typeof chatOptionsSchema>;

export function parseChatOptions(raw: unknown): z.output<typeof chatOptionsSchema> {
  return parseOptions(chatOptionsSchema, raw, 'chat');
}

const helpText = `Commands:
  /memory          print core memory, the summary and storage counts
  /search <text>   search recall storage (the whole conversation) and archival storage
  /thoughts        the current thoughts with the turns they came from (--memory tim)
  /recall <text>   what the attached memory would put in front of the model for this text
  /help            this help
  /exit            leave (the agent is saved after every message)
`;

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

async function printRecall(
  agent: Agent,
  memory: ChatMemory,
  query: string,
  write: (text: string) => void,
): Promise<void> {
  if (memory.memories.length === 0) {
    write('no memory is attached: start the chat with --memory default or --memory tim\n');
    return;
  }
  const namespace = agent.state().memoryNamespace;
  for (const attached of memory.memories) {
    await attached.flush?.();
    const items = await attached.recall({ namespace, query, k: 5 });
    write(`${attached.name} (${items.length}):\n`);
    for (const item of items) {
      const date = item.at === undefined ? '' : `[${item.at.toISOString().slice(0, 10)}] `;
      write(`  ${date}${item.kind} ${item.score.toFixed(3)} from ${item.sources.join(', ')}: ${item.text}\n`);
    }
  }
}

async function printThoughts(agent: Agent, memory: ChatMemory, write: (text: string) => void): Promise<void> {
  if (!memory.thoughts) {
    write('no thought memory is attached: start the chat with --memory tim\n');
    return;
  }
  // Post-thinking runs in the background; wait for what is queued so the list is current.
  await memory.thoughts.flush();
  const thoughts = await memory.thoughts.listThoughts({
    namespace: agent.state().memoryNamespace,
    limit: 100,
  });
  write(`${thoughts.length} current thought(s):\n`);
  for (const thought of thoughts) {
    write(
      `  [${thought.validFrom.toISOString().slice(0, 10)}] ${thought.text} (from ${thought.sources.join(', ')})\n`,
    );
  }
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

/** Runs the interactive chat until /exit or the end of input. */
export async function runChat(input: ChatOptions, io: CliIo): Promise<void> {
  const options = parseChatOptions(input);
  const write = (text: string) => io.stdout.write(text);
  const model = createLanguageModel(options, io.env, io.stderr);
  const home = lociHome(io.env);
  const progress = createProgressLine(io.stderr);
  const { embedder } = await setupEmbedder({ home, progress });
  const uri = storeUri(options.store, home, 'chat');
  const store = await openStore(uri);
  const memory = createChatMemory(options.memory, { model, embedder, store });
  let handler: (event: AgentEvent) => void = () => {};
  const shared = {
    model,
    embedder,
    store,
    namespace: options.user,
    memories: memory.memories,
    onEvent: (event: AgentEvent) => handler(event),
  };
  let agent: Agent;
  try {
    if (options.new) {
      // An existing id fails with code agent_exists; the error renderer says how to resume it.
      agent = await createAgent({ ...shared, id: options.agent ?? newAgentId() });
      io.stderr.write(`new agent ${agent.id} (resume it with: loci chat --agent ${agent.id})\n`);
    } else {
      const id = options.agent ?? 'default';
      try {
        agent = await loadChatAgent({ ...shared, id }, options, io);
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
    `model ${model.modelId} (${model.provider}), store ${uri}, memory ${options.memory}. Type /help for commands, /exit to leave.\n`,
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
  // SIGTERM (and SIGINT without a terminal, where readline does not catch it) ends the chat through
  // the finally below, so the agent's lease is released instead of left to expire.
  const leave = () => {
    running?.abort();
    lines.close();
  };
  process.once('SIGTERM', leave);
  if (!interactive) process.once('SIGINT', leave);
  // A script piping messages in learns from the exit code whether its last message went through.
  let lastFailed = false;
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
        } else if (command === '/recall') {
          if (argument.length === 0) write('usage: /recall <text>\n');
          else
            await printRecall(agent, memory, argument, write).catch((error: unknown) =>
              io.stderr.write(describeError(error, { debug: false })),
            );
        } else if (command === '/thoughts') {
          await printThoughts(agent, memory, write).catch((error: unknown) =>
            io.stderr.write(describeError(error, { debug: false })),
          );
        } else write(`unknown command ${command}; type /help\n`);
        prompt();
        continue;
      }
      try {
        running = new AbortController();
        const result = await agent.step({ text: line }, { signal: running.signal });
        lastFailed = false;
        if (result.messages.length === 0) {
          write('(the agent did not send a message this turn; run with --verbose to see its thoughts)\n');
        }
      } catch (error) {
        lastFailed = true;
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
    process.off('SIGTERM', leave);
    process.off('SIGINT', leave);
    lines.close();
    await agent.close();
    await store.close();
  }
  if (lastFailed) process.exitCode = 1;
}

export function registerChat(program: Command, io: CliIo): void {
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
    .option('--memory <kind>', `memory attached to the agent: ${chatMemoryKinds.join(', ')}`, 'default')
    .option('--verbose', 'show inner monologue, function calls and memory management')
    .option('--timeout <ms>', 'how long one try waits for the model (env LOCI_TIMEOUT_MS; default 60000)')
    .option('--wait <seconds>', 'when another process has the agent open, wait this long for it')
    .option('--take-over', "take the agent over when its holder's lease has expired")
    .action(async (flags: ChatOptions) => {
      await runChat(flags, io);
    });
}
