import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@loci/testing/temp-dir';
import { expect, it } from 'vitest';
import { runBenchRecall } from './bench-recall.js';

const fixture = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'bench',
  'src',
  '__fixtures__',
  'longmemeval-tiny.json',
);

function capture() {
  let out = '';
  return {
    io: {
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: () => true },
      env: process.env,
    },
    out: () => out,
  };
}

it('reads LongMemEval files, names the embedder in the JSON and labels categories with question types', async () => {
  const json = capture();
  const result = await runBenchRecall({ data: [fixture], method: 'hybrid', json: true }, json.io);
  expect(result.questions).toBeGreaterThan(0);
  const line = JSON.parse(json.out().trim().split('\n').at(-1) ?? '{}');
  expect(line).toMatchObject({ method: 'hybrid', embedder: 'glove-sif-100d', questions: result.questions });

  const text = capture();
  await runBenchRecall({ data: [fixture], method: 'hybrid' }, text.io);
  expect(text.out()).toMatch(/single-session-user/);
  expect(text.out()).not.toMatch(/single-hop|multi-hop/);
});

it('refuses an embedder it cannot set up, naming it', async () => {
  const run = capture();
  await expect(
    runBenchRecall({ data: [fixture], method: 'dense', embedder: '/no/such/onnx-folder' }, run.io),
  ).rejects.toThrow(/no\/such\/onnx-folder/);
});

it('says there is nothing to score for data without questions, instead of printing 0.000', async () => {
  const dir = await makeTempDir('loci-recall-empty-');
  try {
    const data = join(dir.path, 'empty.json');
    await writeFile(data, '[]');
    const run = capture();
    await expect(runBenchRecall({ data: [data], method: 'bm25' }, run.io)).rejects.toMatchObject({
      code: 'nothing_to_score',
    });
    expect(run.out()).toBe('');
  } finally {
    await dir.remove();
  }
});
