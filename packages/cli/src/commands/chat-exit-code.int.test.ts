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
  dir = await makeTempDir('loci-chat-exit-');
});

afterAll(async () => {
  await server.close();
  await dir.remove();
});

function chat(stdin: string) {
  const clean = { ...process.env };
  for (const name of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'LOCI_MODEL']) delete clean[name];
  const args = [
    '--store',
    join(dir.path, 'store'),
    '--agent',
    'ana',
    '--base-url',
    server.url,
    '--model',
    'm',
  ];
  const child = spawn(
    process.execPath,
    ['--conditions=@loci/source', '--import', 'tsx', bin, 'chat', ...args],
    {
      cwd: repoRoot,
      env: { ...clean, LOCI_HOME: join(dir.path, 'home') },
      stdio: ['pipe', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.end(stdin);
  return new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stderr })),
  );
}

const send = (message: string) => ({ toolCalls: [{ name: 'send_message', arguments: { message } }] });

describe('loci chat exit code', () => {
  it('is 1 when the last message failed, 0 when a later one went through', async () => {
    // 400 is not retried: the message fails at once.
    server.enqueue({ status: 400 });
    const failed = await chat('hello\n');
    expect(failed.stderr).toContain('nothing was lost');
    expect(failed.code).toBe(1);

    server.enqueue({ status: 400 }, send('Hi!'));
    const recovered = await chat('hello\nhello again\n');
    expect(recovered.stderr).toContain('nothing was lost');
    expect(recovered.code).toBe(0);
  });
});
