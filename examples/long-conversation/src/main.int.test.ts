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
  home = await mkdtemp(join(tmpdir(), 'loci-long-conversation-'));
  server = await startScriptedServer();
});

afterAll(async () => {
  await server.close();
  await rm(home, { recursive: true, force: true });
});

function runExample(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@loci/source', '--import', 'tsx', 'src/main.ts', ...args],
      {
        cwd: exampleRoot,
        // No LLM unless the test gives one.
        env: { ...process.env, OPENAI_API_KEY: '', OPENAI_BASE_URL: '', LOCI_HOME: home, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
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
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** The evidence block printed under a question: the turn ids of each recalled line. */
function evidenceIds(stdout: string, question: string): string[] {
  const block = stdout.split('\n\n').find((part) => part.startsWith(`Q: ${question}`)) ?? '';
  return [...block.matchAll(/^\s+\S+\s+\[([^\]]*)\]/gm)].flatMap((match) => (match[1] ?? '').split(', '));
}

it(
  'imports the sample transcript and, offline, shows the evidence that answers each question',
  async () => {
    const { code, stdout, stderr } = await runExample([], {});
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^imported 15 turns in 3 sessions from .*chat\.md$/m);
    expect(stdout).toContain('no LLM configured: showing the recalled evidence only');
    expect(evidenceIds(stdout, 'What is the name of the pottery teacher?')).toContain('D1:3');
    expect(evidenceIds(stdout, "What is the name of Theo's dog?")).toContain('D2:4');
    expect(evidenceIds(stdout, 'Where and when is the half marathon?')).toContain('D3:3');
    expect(stdout).not.toContain('A: ');
  },
  buildsTheEmbedder,
);

it(
  'reads a LoCoMo file and answers its questions from the recalled evidence when an LLM is configured',
  async () => {
    // The scripted server echoes the excerpt ids it was given, so the test sees what reached the LLM.
    server.setDefault((request) => {
      const system = String(chatRequestBody(request).messages[0]?.content ?? '');
      const ids = [...system.matchAll(/^\[([^\]]+)\]/gm)].map((match) => match[1]);
      return { content: `from ${ids.join(' ')}` };
    });
    const { code, stdout, stderr } = await runExample([join(exampleRoot, 'sample', 'locomo.json')], {
      OPENAI_BASE_URL: server.url,
      LOCI_MODEL: 'scripted',
    });
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^imported 5 turns in 2 sessions from .*locomo\.json$/m);
    // The file's own questions, each answered from exactly the evidence printed above it.
    for (const [question, evidence, expected] of [
      ['What is the name of the pottery teacher?', 'D1:3', 'Ines'],
      ['What kind of dog did Theo adopt?', 'D2:1', 'a greyhound'],
    ] as const) {
      const block = stdout.split('\n\n').find((part) => part.startsWith(`Q: ${question}`)) ?? '';
      const shown = evidenceIds(stdout, question);
      expect(shown).toContain(evidence);
      expect(block).toContain(`A: from ${shown.join(' ')}`);
      expect(block).toContain(`expected: ${expected}`);
    }
    const asked = server.chatRequests().map((request) => chatRequestBody(request).messages[1]?.content);
    expect(asked).toEqual(['What is the name of the pottery teacher?', 'What kind of dog did Theo adopt?']);
  },
  buildsTheEmbedder,
);
