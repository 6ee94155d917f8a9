import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { where } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { createOpenAIChatModel, createOpenAIEmbedder } from '@loci/openai';
import { type ScriptedServer, startScriptedServer } from '@loci/testing/scripted-server';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { agentNamespace } from './agent-storage.js';
import { loadAgent } from './index.js';
import { messagesTable } from './tables.js';

let server: ScriptedServer;
let dir: { path: string; remove: () => Promise<void> };
let child: ChildProcess | undefined;

beforeAll(async () => {
  server = await startScriptedServer();
  dir = await makeTempDir('loci-memgpt-restart-');
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await server.close();
  await dir.remove();
});

const append = (content: string) => ({
  toolCalls: [
    { name: 'core_memory_append', arguments: { label: 'human', content, request_heartbeat: true } },
  ],
});
const send = (message: string) => ({ toolCalls: [{ name: 'send_message', arguments: { message } }] });

async function until(condition: () => boolean, what: string, poll?: () => Promise<void>): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > 90_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await poll?.();
  }
}

it('resumes from the last saved step after the process is killed mid-step', async () => {
  const storeUri = join(dir.path, 'store');
  let reachedSecondCall = false;
  server.enqueue(append('Has a dog named Rex'), send('Rex!'), append('Moved to Lisbon'), () => {
    reachedSecondCall = true;
    // Never answered in time: the process is killed while it waits.
    return { ...send('too late'), delayMs: 100_000 };
  });
  const fixture = join(import.meta.dirname, '__fixtures__', 'step-child.ts');
  child = spawn(
    process.execPath,
    [
      '--conditions=@loci/source',
      '--import',
      'tsx',
      fixture,
      storeUri,
      server.url,
      'pet-agent',
      'I have a dog, Rex',
      'I moved to Lisbon',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)));
  await until(() => reachedSecondCall, `the second step's second LLM call (child output: ${output})`);
  expect(output).toContain('step-done 0 ["Rex!"]');
  // The first round's messages are written behind, while the second call runs: killed once they
  // are in (with a real LLM the call takes seconds; this one never answers).
  const watcher = await createLanceStore({ uri: storeUri });
  const messages = await watcher.openTable(messagesTable);
  let landed = false;
  await until(
    () => landed,
    'the first round of the killed step in recall storage',
    async () => {
      const found = await messages.query({
        namespace: agentNamespace('default', 'pet-agent'),
        filter: where.eq('content', 'I moved to Lisbon'),
      });
      landed = found.length > 0;
    },
  );
  await watcher.close();
  child.kill('SIGKILL');
  await exited;

  const store = await createLanceStore({ uri: storeUri });
  try {
    const providers = {
      model: createOpenAIChatModel({
        model: 'scripted-chat',
        baseURL: server.url,
        apiKey: 'test-key',
        maxRetries: 0,
      }),
      embedder: createOpenAIEmbedder({
        model: 'scripted-embed',
        baseURL: server.url,
        apiKey: 'test-key',
        dimensions: 64,
      }),
      store,
    };
    // The killed process still holds the lease until it expires (2 s): wait for it, then take over.
    const agent = await loadAgent({ ...providers, id: 'pet-agent', waitForLeaseMs: 30_000 });
    // The state is the one saved after step 1: the edit of the killed step is not in it.
    expect(agent.blocks().find((block) => block.label === 'human')?.value).toBe(
      'Facts:\nHas a dog named Rex',
    );
    expect(agent.state().stepCount).toBe(1);
    expect(agent.queue().map((message) => message.kind)).toEqual([
      'user',
      'assistant',
      'tool',
      'assistant',
      'tool',
    ]);
    // Nothing the killed step stored is lost: its user message and function call are in recall storage.
    const found = await agent.searchRecall('Lisbon', 10);
    expect(found.map((message) => message.kind).sort()).toEqual(['assistant', 'user']);

    server.enqueue(send('Welcome back.'));
    const result = await agent.step('Are you there?');
    expect(result.messages).toEqual(['Welcome back.']);
    // Sequence numbers continue after the killed step's messages.
    const seqs = agent.queue().map((message) => message.seq);
    expect(Math.min(...seqs.slice(5))).toBeGreaterThan(Math.max(...found.map((message) => message.seq)));
    // close() waits for the step's after-save work (pruning) and releases the lease with the saved version.
    await agent.close();
  } finally {
    await store.close();
  }
});
