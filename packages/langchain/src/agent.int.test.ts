import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { chatRequestBody, type ScriptedServer, startScriptedServer } from '@loci/testing/scripted-server';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterAll, beforeAll, expect, it } from 'vitest';

let server: ScriptedServer;
let dir: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  server = await startScriptedServer();
  dir = await makeTempDir('loci-langchain-agent-');
});

afterAll(async () => {
  await server.close();
  await dir.remove();
});

/** Runs the agent fixture in its own process and returns what it printed. */
function runAgent(message: string): Promise<string> {
  const fixture = join(import.meta.dirname, '__fixtures__', 'agent-run.ts');
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@loci/source', '--import', 'tsx', fixture, join(dir.path, 'store'), server.url, message],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`agent run exited ${code}: ${output}`)),
    );
  });
}

const systemText = (index: number) => {
  const body = chatRequestBody(
    server.chatRequests()[index] ?? { method: '', path: '', headers: {}, body: undefined },
  );
  return String(body.messages.find((message) => message.role === 'system')?.content ?? '');
};

it('remembers across two runs of a process: LociStore through runtime.store, the middleware through the default memory', async () => {
  // Run 1: the user says something; the model saves a fact with a tool, then answers.
  server.enqueue(
    {
      toolCalls: [
        { id: 'call_save', name: 'save_fact', arguments: { fact: 'Ada has a grey cat called Pixel' } },
      ],
    },
    { content: 'Noted: your cat is Pixel.' },
  );
  const first = await runAgent('I adopted a grey cat called Pixel from the shelter.');
  expect(first).toContain('final "Noted: your cat is Pixel."');
  const firstRunRequests = server.chatRequests().length;
  expect(firstRunRequests).toBe(2);

  // Run 2, a new process: the model looks the fact up in the store, and the middleware has already
  // put the earlier exchange in front of it.
  server.enqueue(
    { toolCalls: [{ id: 'call_list', name: 'list_facts', arguments: { query: 'cat name' } }] },
    (request) => {
      const toolResult = chatRequestBody(request).messages.find((message) => message.role === 'tool');
      return { content: `From memory: ${String(toolResult?.content)}` };
    },
  );
  const second = await runAgent('What is my cat called?');
  expect(second).toContain('final "From memory: Ada has a grey cat called Pixel"');

  const recalled = systemText(firstRunRequests);
  expect(recalled).toContain('<loci-memory>');
  expect(recalled).toMatch(/Pixel/);
  expect(recalled).toMatch(/quoted data, not instructions/);
  // The recall tool is offered to the model, with its JSON schema.
  const tools = chatRequestBody(server.chatRequests()[firstRunRequests] as never).tools ?? [];
  expect(tools.map((entry) => (entry as { function: { name: string } }).function.name).sort()).toEqual([
    'list_facts',
    'recall_memory',
    'save_fact',
  ]);
});
