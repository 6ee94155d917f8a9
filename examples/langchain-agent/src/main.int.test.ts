import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chatRequestBody, type ScriptedServer, startScriptedServer } from '@loci/testing/scripted-server';
import { afterAll, beforeAll, expect, it } from 'vitest';

const exampleRoot = resolve(import.meta.dirname, '..');
// The first run in a fresh LOCI_HOME builds the built-in embedder (about a minute on a busy CPU).
const buildsTheEmbedder = 300_000;
let home: string;
let server: ScriptedServer;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'loci-langchain-agent-'));
  server = await startScriptedServer();
});

afterAll(async () => {
  await server.close();
  await rm(home, { recursive: true, force: true });
});

/** Message content as text: a string, or (with a system prompt and middleware) a list of text blocks. */
const textOf = (content: unknown): string =>
  Array.isArray(content)
    ? content.map((block) => (block as { text?: string }).text ?? '').join('\n')
    : String(content);

/** Runs the example with `input` on stdin against the scripted server. */
function chat(input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--conditions=@loci/source', '--import', 'tsx', 'src/main.ts'], {
      cwd: exampleRoot,
      env: {
        ...process.env,
        OPENAI_API_KEY: '',
        OPENAI_BASE_URL: server.url,
        LOCI_MODEL: 'scripted',
        LOCI_MAX_RETRIES: '0',
        LOCI_HOME: home,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

it(
  'saves a fact through LociStore and core memory in one process and finds both, with recalled memory, in the next',
  async () => {
    server.enqueue(
      {
        toolCalls: [
          { id: 'call_save', name: 'save_fact', arguments: { fact: 'Ada has a grey cat called Pixel' } },
          {
            id: 'call_core',
            name: 'core_memory_append',
            arguments: { label: 'human', content: 'Has a grey cat called Pixel.' },
          },
        ],
      },
      { content: 'Noted: your cat is Pixel.' },
    );
    const first = await chat('I adopted a grey cat called Pixel.\n');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('user ada;');
    expect(first.stdout).toContain('  tool save_fact({"fact":"Ada has a grey cat called Pixel"})');
    expect(first.stdout).toContain(
      '  tool core_memory_append({"label":"human","content":"Has a grey cat called Pixel."})',
    );
    expect(first.stdout).toMatch(/^assistant: Noted: your cat is Pixel\.$/m);
    const firstRequests = server.chatRequests().length;
    // The model is offered the store tools, Loci's recall tool and the MemGPT agent's memory tools.
    const tools = chatRequestBody(server.chatRequests()[0] as never).tools ?? [];
    expect(tools.map((entry) => entry.function.name).sort()).toEqual([
      'archival_memory_insert',
      'archival_memory_search',
      'conversation_search',
      'core_memory_append',
      'core_memory_replace',
      'find_facts',
      'recall_memory',
      'save_fact',
    ]);
    // The core memory edit came back to the model with the block as it now reads.
    const edited = chatRequestBody(server.chatRequests()[1] as never).messages.filter(
      (message) => message.role === 'tool',
    );
    expect(textOf(edited[1]?.content)).toMatch(/^Appended to block "human"\./);

    server.enqueue(
      { toolCalls: [{ id: 'call_find', name: 'find_facts', arguments: { query: 'cat name' } }] },
      (request) => {
        const result = chatRequestBody(request).messages.find((message) => message.role === 'tool');
        return { content: `From the store: ${String(result?.content)}` };
      },
    );
    const second = await chat('What is my cat called?\n');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^assistant: From the store: Ada has a grey cat called Pixel$/m);
    // The middleware put the first run's exchange, recalled from the default memory, in front of the model.
    const system = chatRequestBody(server.chatRequests()[firstRequests] as never)
      .messages.filter((message) => message.role === 'system')
      .map((message) => textOf(message.content))
      .join('\n');
    expect(system).toContain('<loci-memory>');
    expect(system).toMatch(/grey cat called Pixel/);
    // The MemGPT agent's core memory, edited in the first process, is in the second's system prompt.
    expect(system).toContain(
      '<human>\nNothing is known about the user yet.\nHas a grey cat called Pixel.\n</human>',
    );
  },
  buildsTheEmbedder,
);
