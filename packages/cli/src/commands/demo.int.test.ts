import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chatRequestBody, type ScriptedServer, startScriptedServer } from '@loci/testing/scripted-server';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '../../../..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The test's environment without an LLM configured: the demo runs offline unless a test sets one. */
const offlineEnv = { ...process.env };
for (const name of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'LOCI_MODEL', 'LOCI_TIMEOUT_MS'])
  delete offlineEnv[name];

/** Runs the CLI from source, exactly as `pnpm loci` does. */
function loci(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@loci/source', '--import', 'tsx', 'packages/cli/src/bin.ts', ...args],
      { cwd: repoRoot, env: { ...offlineEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
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

describe('loci demo', () => {
  let home: { path: string; remove: () => Promise<void> };
  let first: Run;

  beforeAll(async () => {
    home = await makeTempDir('loci-demo-home-');
    first = await loci(['demo'], { LOCI_HOME: home.path, LOCI_DEBUG: '' });
  }, 240_000);

  afterAll(async () => {
    await home.remove();
  });

  it('builds the embedder, ingests the conversation and answers six questions from memory', () => {
    expect(first.stderr).not.toMatch(/unexpected error/);
    expect(first.code).toBe(0);
    // Progress goes to stderr: the embedder build on first use and the ingestion.
    expect(first.stderr).toMatch(/embedder: building glove-sif-100d/);
    expect(first.stderr).toMatch(/embedder glove-sif-100d ready in/);
    expect(first.stderr).toMatch(/ingesting turns \[#+\] 119\/119/);
    const out = first.stdout;
    expect(out).toContain(
      'Loci demo: 119 turns between Priya and Tomas over 6 sessions, 14 Jan 2024 to 28 Jul 2024',
    );
    expect(out).toContain(`store     ${join(home.path, 'demo')}`);
    expect(out).toMatch(/ingested {2}119 turns in .* \(\d+(\.\d)? turns\/s\)/);
    for (let index = 1; index <= 6; index += 1) expect(out).toMatch(new RegExp(`^Q${index} \\[`, 'm'));
    expect(out).toContain("Q1 [single-hop] What is the name of Tomas's dog?");
    // Every question shows recalled turns with id, speaker and date, and its evidence check.
    expect(out.match(/^ {5}[✓ ] D\d:\d+ +(Priya|Tomas), \d+ \w{3} 2024: /gm)?.length).toBeGreaterThanOrEqual(
      6,
    );
    expect(out.match(/evidence recalled: \d of \d/g)).toHaveLength(6);
    expect(out).toMatch(/Evidence recall in the top 5: \d of 6 questions had all their evidence recalled/);
  });

  it('keeps the built model in LOCI_HOME and the store under <LOCI_HOME>/demo', async () => {
    const entries = await readdir(home.path);
    expect(entries).toEqual(expect.arrayContaining(['models', 'demo']));
  });

  it('answers a question of your own as JSON, reusing the built model', async () => {
    const hostile = `'; DROP TABLE turns; -- "\\ %_* 日本`;
    const run = await loci(
      ['demo', '--json', '--k', '3', '--question', 'Which company did Priya join in Bristol?', '-q', hostile],
      { LOCI_HOME: home.path },
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      k: number;
      store: { namespace: string; fresh: boolean };
      ingest: { turns: number };
      questions: {
        question: string;
        recalled: { rank: number; sources: string[]; turns: { id: string }[] }[];
      }[];
    };
    expect(report.k).toBe(3);
    expect(report.store).toMatchObject({ namespace: 'demo', fresh: true });
    expect(report.ingest.turns).toBe(119);
    expect(report.questions).toHaveLength(2);
    // A question full of quotes and SQL is only text to the memory.
    expect(report.questions[1]!.question).toBe(hostile);
    const [answer] = report.questions;
    expect(answer!.question).toBe('Which company did Priya join in Bristol?');
    expect(answer!.recalled.length).toBeGreaterThan(0);
    expect(answer!.recalled.length).toBeLessThanOrEqual(3);
    for (const item of answer!.recalled) {
      expect(item.sources.length).toBeGreaterThan(0);
      expect(item.turns.map((turn) => turn.id)).toEqual(item.sources);
    }
    // The model was built once: no build progress the second time.
    expect(run.stderr).not.toMatch(/embedder: building/);
  });

  it('writes into a new namespace of a store you name, and leaves what was there', async () => {
    const store = join(home.path, 'my-store');
    // Something of the user's in that folder before the demo touches it.
    await mkdir(store, { recursive: true });
    await writeFile(join(store, 'keep-me.txt'), 'mine');
    const runs = [];
    for (let index = 0; index < 2; index += 1) {
      runs.push(
        await loci(['demo', '--json', '--store', store, '--question', 'Where does Priya swim?'], {
          LOCI_HOME: home.path,
        }),
      );
    }
    const namespaces = runs.map((run) => {
      expect(run.code).toBe(0);
      return (JSON.parse(run.stdout) as { store: { namespace: string; fresh: boolean } }).store;
    });
    expect(namespaces[0]!.fresh).toBe(false);
    expect(namespaces[0]!.namespace).toMatch(/^demo-\d{14}-[0-9a-f]{4}$/);
    expect(namespaces[1]!.namespace).not.toBe(namespaces[0]!.namespace);
    expect(await readFile(join(store, 'keep-me.txt'), 'utf8')).toBe('mine');
    expect((await readdir(store)).some((name) => name.endsWith('.lance'))).toBe(true);
  });

  describe('with an LLM configured (the scripted server on 127.0.0.1)', () => {
    let server: ScriptedServer;
    beforeAll(async () => {
      server = await startScriptedServer();
      // Answers naming the question and the first recalled memory it was given.
      server.setDefault((request) => {
        const user = String(chatRequestBody(request).messages.at(-1)?.content);
        const question = /^Question: (.*)$/m.exec(user)?.[1];
        const first = /^\[1\] \([^)]*\) (.{0,30})/m.exec(user)?.[1];
        return { content: `About "${question}": ${first}` };
      });
    });
    afterAll(async () => {
      await server.close();
    });
    const llmEnv = () => ({ LOCI_HOME: home.path, OPENAI_BASE_URL: server.url, LOCI_MODEL: 'scripted-demo' });

    it('answers each question from the recalled memory, next to the expected answer', async () => {
      const run = await loci(['demo'], llmEnv());
      expect(run.stderr).not.toMatch(/unexpected error/);
      expect(run.code).toBe(0);
      const [recallPart, answerPart] = run.stdout.split(
        '\nAnswers by scripted-demo from the recalled memory only:\n',
      );
      // The recall report is the offline one, word for word but for the timings.
      const timeless = (text: string) =>
        text.replace(/\d+(\.\d+)? (ms|s)\b/g, 'T').replace(/\d+(\.\d)? turns\/s/g, 'R turns/s');
      expect(timeless(`${recallPart}`)).toBe(timeless(first.stdout));

      const requests = server.chatRequests();
      expect(requests).toHaveLength(6);
      const expected = [
        ...first.stdout.matchAll(/^Q\d \[[^\]]+\] (.*)\n {3}answer in the conversation: (.*?) {2}\(/gm),
      ];
      expect(expected).toHaveLength(6);
      const shown = expected.map(([, question, gold], index) => {
        const body = chatRequestBody(requests[index]!);
        const [system, user] = body.messages;
        expect(system?.content).toMatch(/between Priya and Tomas, using only the memories recalled from it/);
        // The recalled items go in fenced as quoted data, dated, with the turns they came from.
        expect(user?.content).toMatch(
          /<loci-memory>\n\[1\] \(\d+ \w{3} 2024; turn from D\d:\d+\) (Priya|Tomas): /,
        );
        expect(user?.content).toContain(`Today is 28 Jul 2024.\nQuestion: ${question}`);
        const first = /^\[1\] \([^)]*\) (.{0,30})/m.exec(String(user?.content))?.[1];
        return `Q${index + 1} ${question}\n   model:    About "${question}": ${first}\n   expected: ${gold}\n`;
      });
      expect(answerPart).toBe(shown.join(''));
    });

    it('puts the model and its answers in the JSON report; your own question has none expected', async () => {
      const run = await loci(['demo', '--json', '--k', '2', '-q', 'Where does Priya swim?'], llmEnv());
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as {
        llm: { provider: string; modelId: string };
        questions: { question: string; answer?: string; modelAnswer: string; recalled: unknown[] }[];
      };
      expect(report.llm).toEqual({ provider: 'openai', modelId: 'scripted-demo' });
      expect(report.questions).toHaveLength(1);
      expect(report.questions[0]!.answer).toBeUndefined();
      expect(report.questions[0]!.modelAnswer).toMatch(/^About "Where does Priya swim\?": \S/);
      expect(report.questions[0]!.recalled).toHaveLength(2);
    });

    it('fails naming the setting when the LLM is misconfigured, before any work', async () => {
      const run = await loci(['demo', '--base-url', 'not a url'], { LOCI_HOME: home.path });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/base-?[Uu]rl/);
      expect(run.stdout).toBe('');
    });
  });

  it('rejects bad flags with a message naming the flag and exit code 2', async () => {
    const run = await loci(['demo', '--k', 'lots'], { LOCI_HOME: home.path });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^loci: invalid loci demo options: k: /m);
    expect(run.stdout).toBe('');
    const unknown = await loci(['demo', '--kk', '3'], { LOCI_HOME: home.path });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--kk'/);
  });
});
