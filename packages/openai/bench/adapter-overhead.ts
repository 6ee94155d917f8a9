/**
 * What the adapter adds per call (openai SDK, request building, zod-validated parsing, stream
 * assembly), measured against the scripted server on 127.0.0.1 next to a bare `fetch` of the same
 * endpoint. The server answers at once, so the figures are overhead, not model latency.
 *
 *   pnpm --filter @loci/openai bench            (ROUNDS=300 by default)
 */
import { defineTool, type GenerateOptions, type LanguageModel } from '@loci/core';
import { startScriptedServer } from '@loci/testing/scripted-server';
import { z } from 'zod';
import { createOpenAIChatModel, createOpenAIEmbedder } from '../src/index.js';

const rounds = Number(process.env['ROUNDS'] ?? 300);
const warmup = 20;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

async function measure(label: string, run: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const p50 = percentile(times, 0.5).toFixed(2);
  const p95 = percentile(times, 0.95).toFixed(2);
  console.log(`| ${label} | ${rounds} | ${p50} | ${p95} |`);
}

const server = await startScriptedServer();
try {
  const search = defineTool({
    name: 'search',
    description: 'Search the archive.',
    parameters: z.object({ query: z.string(), limit: z.number().int().optional() }),
  });
  const reply = {
    content: 'Let me look that up in the archive for you.',
    toolCalls: [{ id: 'call_1', name: 'search', arguments: { query: 'support group in May', limit: 5 } }],
    usage: { prompt_tokens: 120, completion_tokens: 30 },
  };
  server.setDefault(reply);
  const messages: GenerateOptions['messages'] = [
    { role: 'system', content: 'You are a helpful assistant with a long-term memory.' },
    { role: 'user', content: 'When did Caroline go to the support group?' },
  ];
  const native: LanguageModel = createOpenAIChatModel({
    model: 'bench',
    baseURL: server.url,
    apiKey: 'bench',
  });
  const json: LanguageModel = createOpenAIChatModel({
    model: 'bench',
    baseURL: server.url,
    apiKey: 'bench',
    toolMode: 'json',
  });
  const request = { messages, tools: [search] };

  console.log(`rounds=${rounds}, warm-up ${warmup}, sequential calls\n`);
  console.log('| call | n | p50 ms | p95 ms |');
  console.log('| --- | --- | --- | --- |');
  await measure('bare fetch + JSON.parse (baseline)', async () => {
    const response = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
      body: JSON.stringify({ model: 'bench', messages }),
    });
    return response.json();
  });
  await measure('generate(), native tools', () => native.generate(request));
  await measure('stream() to finish, native tools', async () => {
    for await (const part of native.stream!(request)) if (part.type === 'finish') return part;
    return undefined;
  });
  server.setDefault({
    content: JSON.stringify({
      content: reply.content,
      tool_calls: [{ name: 'search', arguments: { query: 'support group in May', limit: 5 } }],
    }),
  });
  await measure('generate(), JSON tool mode', () => json.generate(request));

  const embedder = createOpenAIEmbedder({
    model: 'bench-embed',
    dimensions: 64,
    baseURL: server.url,
    apiKey: 'b',
  });
  const texts = Array.from(
    { length: 256 },
    (_, i) => `Turn ${i}: Caroline talked about the support group again.`,
  );
  await measure('embed() 256 texts, one request (64-d)', () => embedder.embed(texts, { kind: 'document' }));
} finally {
  await server.close();
}
