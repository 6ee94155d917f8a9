import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { type ScriptedServer, startScriptedServer } from '@loci/testing/scripted-server';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = join(import.meta.dirname, '..', '..', '..', '..');
const bin = join(repoRoot, 'packages', 'cli', 'src', 'bin.ts');

let server: ScriptedServer;
let dir: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  server = await startScriptedServer();
  dir = await makeTempDir('loci-chat-');
});

afterAll(async () => {
  await server.close();
  await dir.remove();
});

/** Runs `loci chat` as a user would, with piped stdin, and collects what it prints. */
function chat(args: string[], stdin: string, env: Record<string, string> = {}) {
  const clean = { ...process.env };
  for (const name of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'LOCI_MODEL']) delete clean[name];
  const child = spawn(
    process.execPath,
    ['--conditions=@loci/source', '--import', 'tsx', bin, 'chat', ...args],
    {
      cwd: repoRoot,
      env: { ...clean, LOCI_HOME: join(dir.path, 'home'), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.end(stdin);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
}

const send = (message: string) => ({
  content: 'The user said hello.',
  toolCalls: [{ name: 'send_message', arguments: { message } }],
});

describe('loci chat', () => {
  it('says how to configure an LLM and exits with 2 when none is configured', async () => {
    const result = await chat(['--store', join(dir.path, 'store')], 'hello\n');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('OPENAI_API_KEY');
    expect(result.stderr).toContain('OPENAI_BASE_URL=http://localhost:11434/v1 LOCI_MODEL=llama3.1');
    expect(result.stdout).toBe('');
  });

  it('chats with a persistent agent, prints core memory and searches memory, then resumes it', async () => {
    const store = join(dir.path, 'store');
    server.enqueue(
      {
        content: 'Save her name.',
        toolCalls: [
          {
            name: 'core_memory_replace',
            arguments: {
              label: 'human',
              old_content: 'Nothing is known about the user yet.',
              new_content: 'Name: Ana. Plays the cello.',
              request_heartbeat: true,
            },
          },
        ],
      },
      send('Nice to meet you, Ana!'),
    );
    const first = await chat(
      ['--store', store, '--agent', 'ana', '--base-url', server.url, '--model', 'scripted-chat', '--verbose'],
      'Hi, I am Ana and I play the cello\n/memory\n/search cello\n/bogus\n/exit\n',
    );
    expect(first.stderr).toContain('new agent ana');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('agent> Nice to meet you, Ana!\n');
    expect(first.stdout).toContain('(thinks) Save her name.');
    expect(first.stdout).toContain('-> core_memory_replace(');
    expect(first.stdout).toContain('[human] 27/2000 characters\nName: Ana. Plays the cello.');
    expect(first.stdout).toMatch(/recall storage \(\d+\):\n.*user: Hi, I am Ana and I play the cello/);
    expect(first.stdout).toContain('unknown command /bogus; type /help');
    expect(server.pending()).toBe(0);

    // A new process resumes the same agent with the same core memory.
    server.enqueue(send('You play the cello.'));
    const second = await chat(
      ['--store', store, '--agent', 'ana'],
      'What do I play?\n/recall cello\n/memory\n',
      {
        OPENAI_BASE_URL: server.url,
        LOCI_MODEL: 'scripted-chat',
      },
    );
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('resumed agent ana: 1 exchanges so far');
    expect(second.stdout).toContain('agent> You play the cello.');
    expect(second.stdout).not.toContain('(thinks)');
    expect(second.stdout).toContain('Name: Ana. Plays the cello.');
    // /recall shows what the attached default memory puts in front of the model, with provenance.
    expect(second.stdout).toMatch(
      /loci-default \(\d+\):\n {2}\[\d{4}-\d{2}-\d{2}\] turn [\d.]+ from \S+: .*cello/,
    );
    const lastRequest = server.chatRequests().at(-1)?.body as { messages: { content: string }[] };
    expect(lastRequest.messages.map((message) => message.content)).toContain(
      'Hi, I am Ana and I play the cello',
    );

    const again = await chat(
      ['--store', store, '--agent', 'ana', '--new', '--base-url', server.url, '--model', 'm'],
      '',
    );
    expect(again.code).toBe(2);
    // The library says what is so (code agent_exists, with the id); the CLI adds how to resume it.
    expect(again.stderr).toContain('loci: agent "ana" already exists');
    expect(again.stderr).toContain('resume it with: loci chat --agent ana (without --new)');
  });

  it('with --memory tim, /thoughts shows the thoughts post-thought from the chat, with their turns', async () => {
    const store = join(dir.path, 'store-tim');
    server.enqueue(send('Lovely, a cello!'), (request) => {
      // The post-think call: the new turns come as JSON lines under "Turns:".
      const body = request.body as { messages: { content: string }[] };
      const turns = (body.messages.at(-1)?.content ?? '')
        .split('Turns:\n')[1]
        ?.split('\n')
        .map((line) => JSON.parse(line) as { id: string; text: string });
      const cello = turns?.find((turn) => turn.text.includes('cello'));
      return {
        content: JSON.stringify({
          thoughts: [
            {
              subject: 'Ana',
              relation: 'plays',
              object: 'cello',
              text: 'Ana plays the cello.',
              sources: [cello?.id ?? 'missing'],
              label: 'new',
            },
          ],
        }),
      };
    });
    const result = await chat(
      ['--store', store, '--new', '--memory', 'tim', '--base-url', server.url, '--model', 'scripted-chat'],
      'I play the cello\n/thoughts\n/exit\n',
    );
    expect(result.stderr).toContain('memory tim');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('agent> Lovely, a cello!');
    expect(result.stdout).toMatch(
      /1 current thought\(s\):\n {2}\[\d{4}-\d\d-\d\d\] Ana plays the cello\. \(from \S+\)/,
    );
    expect(result.stdout).not.toContain('from missing');
    expect(server.pending()).toBe(0);
  });

  it('without a thought memory, /thoughts says how to attach one', async () => {
    server.enqueue(send('Hello.'));
    const result = await chat(
      [
        '--store',
        join(dir.path, 'store-none'),
        '--new',
        '--memory',
        'none',
        '--base-url',
        server.url,
        '--model',
        'm',
      ],
      'hi\n/thoughts\n',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('start the chat with --memory tim');
  });

  it('reports an unreachable LLM and keeps going', async () => {
    const result = await chat(
      ['--store', join(dir.path, 'store'), '--new', '--base-url', 'http://127.0.0.1:9/v1', '--model', 'none'],
      'hello\n/memory\n',
    );
    // The conversation goes on after the failure; the exit code says the last message failed.
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/new agent chat-\d{8}-[0-9a-f]{6}/);
    expect(result.stderr).toMatch(/loci: .*127\.0\.0\.1:9/);
    expect(result.stderr).toContain('nothing was lost');
    expect(result.stdout).toContain('[persona]');
  });
});
