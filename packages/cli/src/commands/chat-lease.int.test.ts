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
  dir = await makeTempDir('loci-chat-lease-');
});

afterAll(async () => {
  await server.close();
  await dir.remove();
});

function chat(extra: string[] = []) {
  const clean = { ...process.env };
  for (const name of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'LOCI_MODEL', 'LOCI_TIMEOUT_MS'])
    delete clean[name];
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
    ['--conditions=@loci/source', '--import', 'tsx', bin, 'chat', ...args, ...extra],
    {
      cwd: repoRoot,
      env: { ...clean, LOCI_HOME: join(dir.path, 'home') },
      stdio: ['pipe', 'ignore', 'pipe'],
    },
  );
  const result = { stderr: '' };
  child.stderr.on('data', (chunk: Buffer) => {
    result.stderr += chunk.toString();
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, result, closed };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > 120_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const send = (message: string) => ({ toolCalls: [{ name: 'send_message', arguments: { message } }] });

describe('loci chat and the agent lease', () => {
  it('names the holder to a second opener, and releases the lease on SIGTERM', async () => {
    const holder = chat();
    await until(
      () => holder.result.stderr.includes('/exit to leave'),
      `the first chat (${holder.result.stderr})`,
    );

    // No terminal: refused with the holder and its times, never a prompt.
    const second = chat();
    second.child.stdin.end('hello\n');
    expect(await second.closed).toBe(2);
    expect(second.result.stderr).toMatch(/agent ana is open in process \d+-\S+ since \d{4}-/);
    expect(second.result.stderr).toContain('--wait <seconds>');
    expect(second.result.stderr).not.toContain('take over?');

    holder.child.kill('SIGTERM');
    await holder.closed;
    // The lease was released (not left to expire): a new opener gets the agent at once.
    server.enqueue({ status: 429, headers: { 'retry-after': '0' } }, send('Hi!'));
    const third = chat(['--timeout', '20000']);
    third.child.stdin.end('hello\n');
    expect(await third.closed).toBe(0);
    expect(third.result.stderr).toContain('resumed agent ana');
    expect(third.result.stderr).toMatch(/retrying \(1\/\d+\) after 429/);
  }, 240_000);

  it('refuses a --timeout that is not a whole number of milliseconds', async () => {
    const bad = chat(['--timeout', 'soon']);
    bad.child.stdin.end('');
    expect(await bad.closed).toBe(2);
    expect(bad.result.stderr).toContain('timeout: expected a whole number');
  }, 60_000);
});
