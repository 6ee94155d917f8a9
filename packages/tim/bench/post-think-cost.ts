/**
 * Post-think cost per exchange, measured against the scripted OpenAI-compatible test server (a test
 * double, not a model): `loci bench recall --method tim --thoughts llm --think-every N` over the
 * given conversations, once per N. The prompt token counts are the real sizes of the prompts Loci
 * sends (the server counts the request's messages with cl100k); the replies are scripted: one
 * thought per turn of the batch, citing it and repeating it, so completion tokens and thought quality say nothing
 * about a real model.
 *
 * Run: pnpm --filter @loci/tim bench:post-think -- --data ../shared/data/locomo-dev [--every 1,4,8]
 * Prints the `post_think` object of each run's JSON line.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chatRequestBody, startScriptedServer } from '@loci/testing/scripted-server';
import { echoThoughts } from '../src/__fixtures__/fakes.js';

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const data = argument('data');
if (!data) {
  console.error(
    'usage: pnpm --filter @loci/tim bench:post-think -- --data <LoCoMo folder or file> [--every 1,4,8]',
  );
  process.exit(2);
}
const dataPath = resolve(process.env['INIT_CWD'] ?? process.cwd(), data);
const everyList = (argument('every') ?? '1,4,8').split(',').map((part) => Number(part.trim()));
const root = fileURLToPath(new URL('../../../', import.meta.url));

const server = await startScriptedServer();
// One thought per turn of the batch, citing it (the turns come as JSON lines after "Turns:").
server.setDefault((request) => ({
  content: JSON.stringify(echoThoughts({ messages: chatRequestBody(request).messages as never })),
}));

function run(every: number): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=@loci/source',
        '--import',
        'tsx',
        'packages/cli/src/bin.ts',
        'bench',
        'recall',
        '--data',
        dataPath,
        '--method',
        'tim',
        '--thoughts',
        'llm',
        '--think-every',
        String(every),
        '--json',
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          OPENAI_BASE_URL: server.url,
          LOCI_MODEL: 'scripted-chat',
          OPENAI_API_KEY: 'test',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.on('error', fail);
    child.on('close', (code) =>
      code === 0 ? done(out.trim().split('\n').at(-1) ?? '') : fail(new Error(`bench exited ${code}`)),
    );
  });
}

try {
  for (const every of everyList) {
    const line = JSON.parse(await run(every)) as Record<string, unknown>;
    console.log(
      JSON.stringify({ every, recall_at_budget: line['recall_at_budget'], post_think: line['post_think'] }),
    );
  }
} finally {
  await server.close();
}
