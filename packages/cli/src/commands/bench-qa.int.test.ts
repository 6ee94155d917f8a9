import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  chatRequestBody,
  type RecordedRequest,
  type ScriptedReply,
  type ScriptedServer,
  startScriptedServer,
} from '@loci/testing/scripted-server';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBenchQa } from './bench-qa.js';

const repoRoot = resolve(import.meta.dirname, '../../../..');
const longMemEvalFixture = join(repoRoot, 'packages/bench/src/__fixtures__/longmemeval-tiny.json');

/** A LoCoMo conversation with `extra` filler questions after the three scripted ones. */
function conversation(extra = 0) {
  return {
    speaker_a: 'Ana',
    speaker_b: 'Ben',
    session_1_date_time: '1:56 pm on 8 May, 2023',
    session_1: [
      { speaker: 'Ana', dia_id: 'D1:1', text: 'I adopted a grey cat called Pixel.' },
      { speaker: 'Ben', dia_id: 'D1:2', text: 'I started rowing on the canal every Sunday.' },
    ],
    qa: [
      { question: "What is the name of Ana's cat?", answer: 'Pixel', evidence: ['D1:1'], category: 4 },
      { question: 'What sport does Ben do?', answer: 'rowing', evidence: ['D1:2'], category: 1 },
      { question: 'Is Ben a pilot?', adversarial_answer: 'yes', evidence: ['D1:2'], category: 5 },
      ...Array.from({ length: extra }, (_, i) => ({
        question: `Filler question number ${i}?`,
        answer: `filler ${i}`,
        evidence: ['D1:1'],
        category: 2,
      })),
    ],
  };
}

function text(request: RecordedRequest): string {
  return chatRequestBody(request)
    .messages.map((m) => String(m.content ?? ''))
    .join('\n');
}

/** Answers by question, judges generously except for the sport question, whose verdict is garbled. */
function reply(request: RecordedRequest): ScriptedReply {
  const prompt = text(request);
  if (prompt.includes('You grade answers')) {
    if (prompt.includes('What sport')) return { content: 'Hmm, hard to tell.' };
    return {
      content: prompt.includes('Generated answer: Pixel') ? '{"label": "CORRECT"}' : '{"label": "WRONG"}',
    };
  }
  if (prompt.includes('Reply with one word: yes or no')) {
    return {
      content:
        prompt.includes('Response: Biscuit') || prompt.includes('Response: Not mentioned') ? 'yes' : 'no',
    };
  }
  if (prompt.includes('name of the puppy')) return { content: 'Biscuit' };
  if (prompt.includes("Ana's cat")) return { content: 'Pixel' };
  if (prompt.includes('pilot') || prompt.includes('colour is the car'))
    return { content: 'Not mentioned in the conversation' };
  return { content: 'rowing' };
}

function capture(env: NodeJS.ProcessEnv) {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) },
      env,
    },
    out: () => out,
    err: () => err,
  };
}

function lastJson(out: string): Record<string, unknown> {
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>;
}

let server: ScriptedServer;
beforeEach(async () => {
  server = await startScriptedServer();
});
afterEach(async () => {
  await server.close();
});

describe('loci bench qa', () => {
  it('answers, judges (a garbled verdict is unparseable), reports category 5 apart', async () => {
    const dir = await makeTempDir();
    try {
      const file = join(dir.path, 'one.json');
      await writeFile(file, JSON.stringify(conversation()));
      server.setDefault(reply);
      const env = { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: server.url, LOCI_MODEL: 'answerer' };
      const captured = capture(env);
      await runBenchQa({ data: [file], method: 'bm25', judgeModel: 'judge', json: true }, captured.io);
      const line = lastJson(captured.out());
      expect(line).toMatchObject({
        method: 'bm25',
        embedder: 'glove-sif-100d',
        answer_model: 'answerer',
        judge_model: 'judge',
        questions: 2,
        j: 0.5,
        unparseable: 1,
        failed: 0,
        adversarial: { questions: 1, j: 1 },
        unparseable_questions: ['one.json#1'],
        llm: { answer: { calls: 3, cached: 0 }, judge: { calls: 2, cached: 0 } },
      });
      expect((line['by_category'] as Record<string, { f1: number }>)['4']?.f1).toBe(1);
      const judged = server.chatRequests().filter((r) => chatRequestBody(r).model === 'judge');
      expect(judged).toHaveLength(2);
    } finally {
      await dir.remove();
    }
  });

  it('reads LongMemEval and judges it with its own yes/no prompts', async () => {
    server.setDefault(reply);
    const env = { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: server.url, LOCI_MODEL: 'answerer' };
    const captured = capture(env);
    const result = await runBenchQa({ data: [longMemEvalFixture], method: 'full-context' }, captured.io);
    expect(result.byCategory['single-session-user']).toMatchObject({ questions: 2, correct: 2 });
    expect(result.byCategory['temporal-reasoning']).toMatchObject({ questions: 1, correct: 0 });
    expect(captured.out()).toMatch(/temporal-reasoning/);
    const first = server.chatRequests()[0];
    // The question date is in the answer prompt, the haystack's turns with their dates.
    expect(text(first as RecordedRequest)).toMatch(/Today is 2023-06-02 10:00/);
    expect(text(first as RecordedRequest)).toMatch(/\[2023-05-20 14:30\] user: I just got back/);
  });

  it('memgpt: the agent reads every turn as a message and answers through send_message', async () => {
    const dir = await makeTempDir();
    try {
      const file = join(dir.path, 'one.json');
      await writeFile(file, JSON.stringify(conversation()));
      server.setDefault((request) => {
        const body = chatRequestBody(request);
        if (!body.tools) return reply(request);
        const last = String(body.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '');
        const message = last.includes("Ana's cat")
          ? 'Pixel'
          : last.includes('pilot')
            ? 'Not mentioned in the conversation'
            : 'ok';
        return { toolCalls: [{ name: 'send_message', arguments: { message } }] };
      });
      const env = { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: server.url, LOCI_MODEL: 'answerer' };
      const captured = capture(env);
      const result = await runBenchQa({ data: [file], method: 'memgpt' }, captured.io);
      const agentCalls = server.chatRequests().filter((r) => chatRequestBody(r).tools !== undefined);
      // Two turns read, three questions asked: five agent steps, one LLM call each.
      expect(agentCalls).toHaveLength(5);
      expect(result.llm.answer.calls).toBe(3);
      expect(result.byCategory['4']).toMatchObject({ questions: 1, correct: 1 });
      expect(result.adversarial).toMatchObject({ questions: 1, correct: 1 });
    } finally {
      await dir.remove();
    }
  });

  it('a run killed mid-way resumes from the cache and counts nothing twice', async () => {
    const dir = await makeTempDir();
    try {
      const file = join(dir.path, 'many.json');
      const cache = join(dir.path, 'cache.jsonl');
      await writeFile(file, JSON.stringify(conversation(12)));
      server.setDefault(async (request) => ({ ...reply(request), delayMs: 60 }));
      const env = {
        ...process.env,
        OPENAI_API_KEY: 'test',
        OPENAI_BASE_URL: server.url,
        LOCI_MODEL: 'answerer',
      };
      const args = ['--data', file, '--method', 'full-context', '--cache', cache, '--json'];

      const first = loci(args, env);
      await waitFor(() => existsSync(cache) && readFileSync(cache, 'utf8').split('\n').length > 8);
      first.child.kill('SIGKILL');
      await first.exit;
      const cachedLines = readFileSync(cache, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '').length;
      const beforeResume = server.chatRequests().length;
      expect(cachedLines).toBeLessThan(14 + 14);

      const second = loci(args, env);
      const code = await second.exit;
      expect(code).toBe(0);
      const line = lastJson(second.out());
      const llm = line['llm'] as Record<string, { calls: number; cached: number }>;
      // 15 questions: 15 answers; 14 judged (category 5 needs no judge).
      expect((llm['answer']?.calls ?? 0) + (llm['answer']?.cached ?? 0)).toBe(15);
      expect((llm['judge']?.calls ?? 0) + (llm['judge']?.cached ?? 0)).toBe(14);
      expect((llm['answer']?.cached ?? 0) + (llm['judge']?.cached ?? 0)).toBe(cachedLines);
      // The resumed run asked only what the cache did not hold.
      expect(server.chatRequests().length - beforeResume).toBe(29 - cachedLines);
      expect(line).toMatchObject({ questions: 14, adversarial: { questions: 1 } });
      expect(second.err()).toMatch(new RegExp(`resuming: ${cachedLines} cached replies`));
    } finally {
      await dir.remove();
    }
  });
});

/** Runs the CLI from source in a child process (the scripted server must keep answering meanwhile). */
function loci(args: readonly string[], env: NodeJS.ProcessEnv) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=@loci/source', '--import', 'tsx', 'packages/cli/src/bin.ts', 'bench', 'qa', ...args],
    { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, exit, out: () => out, err: () => err };
}

async function waitFor(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((done) => setTimeout(done, 50));
  }
}
