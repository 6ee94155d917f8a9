// The kill -9 soak of agent steps (docs/reliability.md), shared by `bench/kill-steps.ts` and its int
// test. Each cycle starts `kill-steps-child.ts`, which opens one MemGPT agent on a LanceDB store (LLM
// and embedder: the scripted server on 127.0.0.1) and steps until it is killed with SIGKILL at a random
// moment, of its start-up and opening (one cycle in five) or of its steps. Then this process reopens
// the store, takes the dead holder's lease over once it expired (`waitForLeaseMs`), and checks that the
// agent loads, that every acknowledged step's user message is in recall storage, and that the state
// did not go back past an acknowledged step; it closes the agent (releasing the lease) and goes on.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LociError, type MemoryStore, where } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { createOpenAIChatModel, createOpenAIEmbedder } from '@loci/openai';
import { chatRequestBody, type RecordedRequest, type ScriptedServer } from '@loci/testing/scripted-server';
import { createAgent, loadAgent } from '../src/index.js';
import { messagesTable } from '../src/tables.js';

/** What `runKillSteps` is asked to do. */
export interface KillStepsOptions {
  server: ScriptedServer;
  storeUri: string;
  cycles: number;
  /** A kill in the steps phase lands uniformly within this long after the agent opened (default 4 s). */
  windowMs?: number;
  /** ... and no sooner than this long after it opened (default 0). */
  minAfterReadyMs?: number;
  /** The child's lease (default 2 s): how long this process waits before it may take over. */
  leaseMs?: number;
  /** Stop starting cycles after this long (default 30 min). */
  maxMs?: number;
  onCycle?: (cycle: number, outcome: KillStepsOutcome) => void;
}

/** The counts of a run; `lost`, `rewinds` and `reopenFailures` must be 0 / empty. */
export interface KillStepsOutcome {
  cycles: number;
  killedInStartup: number;
  killedInSteps: number;
  /** Children that ended before their kill (ran all their steps, or failed: see `childFailures`). */
  endedFirst: number;
  childFailures: string[];
  acknowledgedSteps: number;
  /** Acknowledged steps whose user message is not in recall storage. */
  lost: number;
  /** Reopens whose saved step count was below the acknowledged steps so far. */
  rewinds: number;
  reopenFailures: string[];
  stepCount: number;
  elapsedMs: number;
}

const agentId = 'kill-soak';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The scripted LLM: a user message gets `archival_memory_insert` with a heartbeat (a second LLM call,
 * an embedding and an archival write in every step), a function result gets `send_message`; a request
 * without tools (the recursive summary, once the small window fills) gets a summary.
 */
function scriptedAgentReply(request: RecordedRequest) {
  const body = chatRequestBody(request);
  if (!body.tools?.length) return { content: 'Summary: the user asked to remember numbered reminders.' };
  const last = body.messages.at(-1);
  if (last?.role === 'user') {
    const text = typeof last.content === 'string' ? last.content.slice(-80) : 'a reminder';
    return {
      toolCalls: [{ name: 'archival_memory_insert', arguments: { content: text, request_heartbeat: true } }],
    };
  }
  return { toolCalls: [{ name: 'send_message', arguments: { message: 'Noted.' } }] };
}

interface ChildRun {
  acked: string[];
  phase: 'startup' | 'steps' | 'ended';
  failure?: string;
  startupMs?: number;
}

function runChild(
  args: string[],
  killAt: { beforeReadyMs?: number; afterReadyMs: number },
): Promise<ChildRun> {
  const fixture = join(import.meta.dirname, 'kill-steps-child.ts');
  const child = spawn(process.execPath, ['--conditions=@loci/source', '--import', 'tsx', fixture, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started = Date.now();
  const run: ChildRun = { acked: [], phase: 'startup' };
  let errors = '';
  let killed = false;
  const kill = () => {
    killed = true;
    child.kill('SIGKILL');
  };
  child.stderr.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-2000);
  });
  const timers = [setTimeout(kill, 120_000)];
  if (killAt.beforeReadyMs !== undefined) timers.push(setTimeout(kill, killAt.beforeReadyMs));
  // Every complete line counts, also one read after the kill (the child wrote it after its step
  // returned); a line cut by the kill is not an acknowledgement.
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line) as { ready?: number; ack?: string };
    if (message.ready !== undefined) {
      run.phase = 'steps';
      run.startupMs = Date.now() - started;
      if (!killed) timers.push(setTimeout(kill, killAt.afterReadyMs));
    } else if (message.ack !== undefined) run.acked.push(message.ack);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      for (const timer of timers) clearTimeout(timer);
      if (!killed) {
        run.phase = 'ended';
        if (code !== 0) run.failure = `exit ${code}: ${errors}`;
      }
      resolve(run);
    });
  });
}

async function userMessagesFound(store: MemoryStore, texts: readonly string[]): Promise<number> {
  const table = await store.openTable(messagesTable);
  let found = 0;
  for (let start = 0; start < texts.length; start += 100) {
    const chunk = texts.slice(start, start + 100);
    const rows = await table.query({
      namespace: `default#${agentId}`,
      filter: where.and(where.eq('kind', 'user'), where.in('content', chunk)),
      limit: chunk.length * 2,
    });
    found += new Set(rows.map((row) => row.content)).size;
  }
  return found;
}

/** Runs the soak; the caller owns the server and the store folder. */
export async function runKillSteps(options: KillStepsOptions): Promise<KillStepsOutcome> {
  const { server, storeUri } = options;
  const windowMs = options.windowMs ?? 4000;
  const minAfterReadyMs = Math.min(options.minAfterReadyMs ?? 0, windowMs);
  const leaseMs = options.leaseMs ?? 2000;
  const maxMs = options.maxMs ?? 30 * 60_000;
  const started = Date.now();
  const connection = { baseURL: server.url, apiKey: 'test-key', maxRetries: 0, timeoutMs: 60_000 };
  const providers = {
    model: createOpenAIChatModel({ model: 'scripted-chat', ...connection }),
    embedder: createOpenAIEmbedder({ model: 'scripted-embed', ...connection, dimensions: 64 }),
  };
  server.setDefault(scriptedAgentReply);
  const outcome: KillStepsOutcome = {
    cycles: 0,
    killedInStartup: 0,
    killedInSteps: 0,
    endedFirst: 0,
    childFailures: [],
    acknowledgedSteps: 0,
    lost: 0,
    rewinds: 0,
    reopenFailures: [],
    stepCount: 0,
    elapsedMs: 0,
  };
  {
    // A small window, so that steps also evict and summarise.
    const store = await createLanceStore({ uri: storeUri });
    const agent = await createAgent({ ...providers, store, id: agentId, config: { contextWindow: 4096 } });
    await agent.close();
    await store.close();
  }
  const allAcked: string[] = [];
  let startupMs: number | undefined;
  for (let cycle = 0; cycle < options.cycles && Date.now() - started < maxMs; cycle++) {
    const inStartup = startupMs !== undefined && cycle % 5 === 4;
    const run = await runChild(
      [storeUri, server.url, agentId, String(leaseMs), `c${cycle}`, '1000'],
      inStartup
        ? { beforeReadyMs: Math.floor(Math.random() * (startupMs as number)), afterReadyMs: windowMs }
        : { afterReadyMs: minAfterReadyMs + Math.floor(Math.random() * (windowMs - minAfterReadyMs)) },
    );
    startupMs = run.startupMs ?? startupMs;
    if (run.phase === 'startup') outcome.killedInStartup++;
    else if (run.phase === 'steps') outcome.killedInSteps++;
    else outcome.endedFirst++;
    if (run.failure) outcome.childFailures.push(`cycle ${cycle}: ${run.failure}`);
    outcome.acknowledgedSteps += run.acked.length;
    allAcked.push(...run.acked);

    // Reopen: the store opens, the dead holder's lease is taken over once it expired, the state loads.
    const store = await createLanceStore({ uri: storeUri });
    try {
      const agent = await loadAgent({
        ...providers,
        store,
        id: agentId,
        waitForLeaseMs: 10 * leaseMs + 30_000,
      });
      const stepCount = agent.state().stepCount;
      if (stepCount < outcome.stepCount + run.acked.length) outcome.rewinds++;
      outcome.stepCount = stepCount;
      outcome.lost += run.acked.length - (await userMessagesFound(store, run.acked));
      await agent.close();
    } catch (error) {
      outcome.reopenFailures.push(
        `cycle ${cycle}: ${LociError.isInstance(error) ? `${error.code}: ` : ''}${String(error)}`,
      );
      break;
    } finally {
      await store.close();
    }
    outcome.cycles = cycle + 1;
    options.onCycle?.(cycle, outcome);
    await sleep(10);
  }
  // Every acknowledged step of every cycle, once more at the end.
  const store = await createLanceStore({ uri: storeUri });
  try {
    outcome.lost = Math.max(outcome.lost, allAcked.length - (await userMessagesFound(store, allAcked)));
  } finally {
    await store.close();
  }
  outcome.elapsedMs = Date.now() - started;
  return outcome;
}
