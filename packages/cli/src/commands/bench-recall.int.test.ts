import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { countTokens } from '@loci/core';
import { chatRequestBody, startScriptedServer } from '@loci/testing/scripted-server';
import { makeTempDir } from '@loci/testing/temp-dir';
import { describe, expect, it } from 'vitest';
import { runBenchRecall } from './bench-recall.js';
import { runTrainSideNet } from './train.js';

/** A hand-built conversation with one obvious evidence turn per question. */
function conversation(names: [string, string], topic: string) {
  const [a, b] = names;
  return {
    speaker_a: a,
    speaker_b: b,
    session_1_date_time: '1:56 pm on 8 May, 2023',
    session_1: [
      { speaker: a, dia_id: 'D1:1', text: `I adopted a grey cat called Pixel; ${topic}.` },
      { speaker: b, dia_id: 'D1:2', text: 'I started rowing on the canal every Sunday.' },
      { speaker: a, dia_id: 'D1:3', text: 'My sister moved to Lisbon to teach mathematics.' },
    ],
    session_2_date_time: '10:02 am on 20 June, 2023',
    session_2: [
      { speaker: b, dia_id: 'D2:1', text: 'I won a rowing race last weekend.' },
      { speaker: a, dia_id: 'D2:2', text: 'We baked sourdough bread with rosemary.' },
    ],
    qa: [
      { question: `What is the name of ${a}'s cat?`, answer: 'Pixel', evidence: ['D1:1'], category: 4 },
      { question: 'Where did the sister move to teach?', answer: 'Lisbon', evidence: ['D1:3'], category: 4 },
      { question: `When did ${b} win a rowing race?`, answer: 'June 2023', evidence: ['D2:1'], category: 2 },
    ],
  };
}

function capture() {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
      env: process.env,
    },
    out: () => out,
    err: () => err,
  };
}

describe('loci bench recall', () => {
  it('prints one JSON object with the specified keys as the last line, progress on stderr', async () => {
    const dir = await makeTempDir();
    try {
      await writeFile(join(dir.path, 'one.json'), JSON.stringify(conversation(['Ana', 'Ben'], 'she is shy')));
      const captured = capture();
      await runBenchRecall({ data: [dir.path], method: 'best', json: true }, captured.io);
      const lines = captured.out().trim().split('\n');
      const last = JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>;
      expect(Object.keys(last)).toEqual([
        'method',
        'conversations',
        'embedder',
        'questions',
        'recall_at_k',
        'recall_at_budget',
        'ingest_turns_per_s',
        'recall_ms',
        'context_tokens_mean',
      ]);
      expect(last['method']).toBe('best');
      expect(last['questions']).toBe(3);
      expect((last['recall_at_k'] as Record<string, number>)['5']).toBe(1);
      expect(captured.err()).toContain('best: recall');
    } finally {
      await dir.remove();
    }
  });

  it('prints a human table per category without --json', async () => {
    const dir = await makeTempDir();
    try {
      const file = join(dir.path, 'one.json');
      await writeFile(file, JSON.stringify(conversation(['Ana', 'Ben'], 'she is shy')));
      const captured = capture();
      await runBenchRecall({ data: [file], method: 'bm25', k: '1,3' }, captured.io);
      expect(captured.out()).toMatch(/method bm25: evidence recall/);
      expect(captured.out()).toMatch(/4 single-hop/);
      expect(captured.out()).toMatch(/R@3/);
    } finally {
      await dir.remove();
    }
  });

  it('refuses training data that shares a conversation with the evaluated data', async () => {
    const dir = await makeTempDir();
    try {
      const evaluated = join(dir.path, 'eval.json');
      const copy = join(dir.path, 'copy.json');
      const other = join(dir.path, 'other.json');
      await writeFile(evaluated, JSON.stringify(conversation(['Ana', 'Ben'], 'she is shy')));
      await writeFile(copy, await readFile(evaluated, 'utf8'));
      await writeFile(other, JSON.stringify(conversation(['Cleo', 'Dev'], 'he is loud')));
      const captured = capture();
      await expect(
        runBenchRecall({ data: [evaluated], train: [other, copy], method: 'best', json: true }, captured.io),
      ).rejects.toThrow(/share 1 conversation/);
      await runBenchRecall({ data: [evaluated], train: [other], method: 'best', json: true }, captured.io);
      expect(captured.err()).toMatch(/SideNet trained on \d+ labelled examples/);
    } finally {
      await dir.remove();
    }
  });

  it('names a bad flag', async () => {
    const { io } = capture();
    await expect(runBenchRecall({ data: ['x'], method: 'bm25', k: '1,zero' }, io)).rejects.toThrow(/k/);
  });
});

describe('loci train sidenet', () => {
  it('writes versioned weights that lower the loss', async () => {
    const dir = await makeTempDir();
    try {
      const data = join(dir.path, 'train.json');
      await writeFile(data, JSON.stringify(conversation(['Ana', 'Ben'], 'she is shy')));
      const out = join(dir.path, 'weights.json');
      const captured = capture();
      const result = await runTrainSideNet({ data: [data], out, epochs: 40 }, captured.io);
      const weights = JSON.parse(await readFile(out, 'utf8')) as { version: number; features: string[] };
      expect(weights.version).toBe(1);
      expect(weights.features.length).toBeGreaterThan(5);
      expect(result.report.lossAfter).toBeLessThan(result.report.lossBefore);
      expect(captured.out()).toContain(`wrote ${out}`);
    } finally {
      await dir.remove();
    }
  });
});

describe('loci bench recall with thoughts and distractors', () => {
  it('--thoughts llm post-thinks the conversation through the configured server, then recalls thoughts', async () => {
    const server = await startScriptedServer();
    const dir = await makeTempDir();
    try {
      await writeFile(join(dir.path, 'one.json'), JSON.stringify(conversation(['Ana', 'Ben'], 'she is shy')));
      // Each post-think call: one thought per new turn, citing that turn (the ids come as JSON lines).
      server.setDefault((request) => {
        const body = request.body as { messages: { content: string }[] };
        const turns = (body.messages.at(-1)?.content.split('Turns:\n')[1] ?? '')
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as { id: string; speaker: string; text: string });
        return {
          content: JSON.stringify({
            thoughts: turns.map((turn) => ({
              subject: turn.speaker,
              relation: 'said',
              object: '',
              text: `${turn.speaker} said: ${turn.text}`,
              sources: [turn.id],
              label: 'new',
            })),
          }),
        };
      });
      const captured = capture();
      captured.io.env = { ...process.env, OPENAI_BASE_URL: server.url, LOCI_MODEL: 'scripted-chat' };
      const result = await runBenchRecall(
        { data: [dir.path], method: 'tim', thoughts: 'llm', json: true, home: join(dir.path, 'home') },
        captured.io,
      );
      expect(server.chatRequests().length).toBeGreaterThan(0);
      expect(result.thoughts).toBe('llm');
      expect(result.recallAtK['5']).toBe(1);
      const last = JSON.parse(captured.out().trim().split('\n').at(-1) as string) as Record<string, unknown>;
      expect(last['thoughts']).toBe('llm');
      // The cost line: every call and every prompt token the server saw, per exchange (2 exchanges:
      // Ana→Ben in session 1, Ben→Ana in session 2; Ana's D1:3 opens one that session 2 does not close).
      const requests = server.chatRequests();
      const prompt = requests.reduce(
        (sum, request) => sum + countTokens(JSON.stringify(chatRequestBody(request).messages)),
        0,
      );
      expect(last['post_think']).toMatchObject({
        every: 4,
        exchanges: 2,
        calls: requests.length,
        failed_calls: 0,
        input_tokens: prompt,
        calls_per_exchange: requests.length / 2,
        input_tokens_per_exchange: prompt / 2,
      });
      // Fewer exchanges than `every`: only the session boundary and the final flush post-think.
      expect(requests.length).toBe(2);

      // One exchange per call: a call as soon as Ana→Ben completes, then the boundary, then Ben→Ana.
      const eager = capture();
      eager.io.env = captured.io.env;
      const before = server.chatRequests().length;
      const perExchange = await runBenchRecall(
        { data: [dir.path], method: 'tim', thoughts: 'llm', thinkEvery: '1', home: join(dir.path, 'home') },
        eager.io,
      );
      expect(server.chatRequests().length - before).toBe(3);
      expect(perExchange.postThink).toMatchObject({
        every: 1,
        exchanges: 2,
        calls: 3,
        callsPerExchange: 1.5,
      });
      expect(eager.out()).toMatch(
        /post-think \(every 1 exchanges\): 3 LLM calls \(0 failed\) for 2 exchanges/,
      );
    } finally {
      await server.close();
      await dir.remove();
    }
  }, 240_000);

  it('--thoughts llm without a configured LLM says so', async () => {
    const dir = await makeTempDir();
    try {
      await writeFile(join(dir.path, 'one.json'), JSON.stringify(conversation(['Ana', 'Ben'], 'she is shy')));
      const captured = capture();
      const env = { ...process.env };
      for (const name of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'LOCI_MODEL']) delete env[name];
      captured.io.env = env;
      await expect(
        runBenchRecall(
          { data: [dir.path], method: 'tim', thoughts: 'llm', home: join(dir.path, 'home') },
          captured.io,
        ),
      ).rejects.toMatchObject({ code: 'llm_not_configured' });
    } finally {
      await dir.remove();
    }
  });

  it('--distractors fills each namespace from the other conversations, cached under the home folder', async () => {
    const dir = await makeTempDir();
    try {
      await writeFile(join(dir.path, 'one.json'), JSON.stringify(conversation(['Ana', 'Ben'], 'she is shy')));
      await writeFile(
        join(dir.path, 'two.json'),
        JSON.stringify(conversation(['Cleo', 'Dev'], 'he is loud')),
      );
      const home = join(dir.path, 'home');
      const run = async () => {
        const captured = capture();
        const result = await runBenchRecall(
          {
            data: [dir.path],
            method: 'dense',
            distractors: '50',
            distractorData: [dir.path],
            json: true,
            home,
          },
          captured.io,
        );
        return { result, err: captured.err(), out: captured.out() };
      };
      const first = await run();
      expect(first.err).toContain('built distractors for one.json');
      expect(first.result.distractors).toBe(50);
      const last = JSON.parse(first.out.trim().split('\n').at(-1) as string) as Record<string, unknown>;
      expect(last['distractors']).toBe(50);
      const second = await run();
      expect(second.err).not.toContain('built distractors');
      expect(second.result.recallAtK).toEqual(first.result.recallAtK);
      // The distractors' embeddings are cached too: the rerun embeds none of them.
      expect(first.err).toMatch(/distractor embeddings for one\.json: 0 from the cache, [1-9]\d* embedded/);
      expect(second.err).toMatch(/distractor embeddings for one\.json: [1-9]\d* from the cache, 0 embedded/);
      await expect(
        runBenchRecall({ data: [dir.path], method: 'dense', distractors: '5', home }, capture().io),
      ).rejects.toThrow(/--distractor-data/);
    } finally {
      await dir.remove();
    }
  });
});
