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
  home = await mkdtemp(join(tmpdir(), 'loci-memgpt-chat-'));
  server = await startScriptedServer();
});

afterAll(async () => {
  await server.close();
  await rm(home, { recursive: true, force: true });
});

/** Runs the example with `input` on stdin, as a user piping lines into it would. */
function chat(
  input: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--conditions=@loci/source', '--import', 'tsx', 'src/main.ts'], {
      cwd: exampleRoot,
      env: { ...process.env, OPENAI_API_KEY: '', OPENAI_BASE_URL: '', LOCI_HOME: home, ...env },
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

const server_ = () => ({ OPENAI_BASE_URL: server.url, LOCI_MODEL: 'scripted', LOCI_MAX_RETRIES: '0' });

it(
  'says how to configure an LLM when none is',
  async () => {
    const { code, stderr } = await chat('hello\n', {});
    expect(code).toBe(2);
    expect(stderr).toContain('Set OPENAI_API_KEY');
    expect(stderr).toContain('http://127.0.0.1:11434/v1');
  },
  buildsTheEmbedder,
);

it(
  'chats from stdin, edits core memory, and resumes the same agent in a second run',
  async () => {
    server.enqueue(
      {
        toolCalls: [
          {
            name: 'core_memory_append',
            arguments: { label: 'human', content: 'Has a grey cat named Pixel.', request_heartbeat: true },
          },
        ],
      },
      { toolCalls: [{ name: 'send_message', arguments: { message: 'Pixel is a lovely name!' } }] },
      { toolCalls: [{ name: 'send_message', arguments: { message: 'Glasgow, noted.' } }] },
    );
    const first = await chat('I adopted a grey cat called Pixel.\nI am moving to Glasgow.\n', server_());
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('created agent memgpt-chat');
    expect(first.stdout).toContain('model scripted;');
    expect(first.stdout).toMatch(/^assistant: Pixel is a lovely name!$/m);
    expect(first.stdout).toMatch(/^assistant: Glasgow, noted\.$/m);
    expect(first.stdout).toContain(
      'core memory <human>: What I know about the user:\nHas a grey cat named Pixel.',
    );
    const firstRequests = server.chatRequests().length;
    expect(firstRequests).toBe(3);

    server.enqueue({ toolCalls: [{ name: 'send_message', arguments: { message: 'Your cat is Pixel.' } }] });
    const second = await chat("What is my cat's name?\n", server_());
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^resumed agent memgpt-chat \(\d+ messages in its queue\)$/m);
    expect(second.stdout).toMatch(/^assistant: Your cat is Pixel\.$/m);
    // The resumed agent's main context still holds the core memory written in the first run.
    const system = chatRequestBody(server.chatRequests()[firstRequests] as never)
      .messages.filter((message) => message.role === 'system')
      .map((message) => String(message.content))
      .join('\n');
    expect(system).toContain('Has a grey cat named Pixel.');
  },
  buildsTheEmbedder,
);
