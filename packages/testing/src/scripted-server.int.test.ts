import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  chatRequestBody,
  hashedBagOfWords,
  type ScriptedServer,
  startScriptedServer,
} from './scripted-server.js';

let server: ScriptedServer;

beforeEach(async () => {
  server = await startScriptedServer();
});

afterEach(async () => {
  await server.close();
});

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer test-key' },
    body: JSON.stringify(body),
  });
}

const chat = (extra: Record<string, unknown> = {}) => ({
  model: 'test-model',
  messages: [{ role: 'user', content: 'hello there' }],
  ...extra,
});

/** Reads an SSE body into its JSON chunks; checks it ends with [DONE]. */
async function readEvents(response: Response): Promise<Record<string, unknown>[]> {
  const text = await response.text();
  const data = text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length));
  expect(data.at(-1)).toBe('[DONE]');
  return data.slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('scripted server', () => {
  it('listens on 127.0.0.1 and exposes a /v1 base URL', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it('answers queued replies in order and records the requests', async () => {
    server.enqueue(
      { content: 'first' },
      { content: 'second', usage: { prompt_tokens: 7, completion_tokens: 2 } },
    );
    expect(server.pending()).toBe(2);

    const first = (await (await post('/chat/completions', chat())).json()) as {
      choices: { message: { content: string; role: string }; finish_reason: string }[];
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
      model: string;
    };
    expect(first.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'first' });
    expect(first.choices[0]?.finish_reason).toBe('stop');
    expect(first.model).toBe('test-model');
    expect(first.usage.prompt_tokens).toBeGreaterThan(0);
    expect(first.usage.total_tokens).toBe(first.usage.prompt_tokens + first.usage.completion_tokens);

    const second = (await (await post('/chat/completions', chat())).json()) as {
      choices: { message: { content: string } }[];
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    };
    expect(second.choices[0]?.message.content).toBe('second');
    expect(second.usage).toEqual({ prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 });

    expect(server.pending()).toBe(0);
    expect(server.chatRequests()).toHaveLength(2);
    const recorded = server.chatRequests()[0]!;
    expect(recorded.method).toBe('POST');
    expect(recorded.path).toBe('/v1/chat/completions');
    expect(recorded.headers['authorization']).toBe('Bearer test-key');
    expect(chatRequestBody(recorded).messages[0]).toEqual({ role: 'user', content: 'hello there' });
  });

  it('answers HTTP 500 with a clear message when nothing is queued, then uses the default', async () => {
    const empty = await post('/chat/completions', chat());
    expect(empty.status).toBe(500);
    expect(await empty.text()).toContain('no scripted reply queued');

    server.setDefault({ content: 'default' });
    server.enqueue({ content: 'queued' });
    const contents: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const reply = (await (await post('/chat/completions', chat())).json()) as {
        choices: { message: { content: string } }[];
      };
      contents.push(reply.choices[0]?.message.content);
    }
    expect(contents).toEqual(['queued', 'default', 'default']);
    server.setDefault(undefined);
    expect((await post('/chat/completions', chat())).status).toBe(500);
  });

  it('returns tool calls with JSON-encoded or raw arguments and a tool_calls finish reason', async () => {
    server.enqueue({
      toolCalls: [
        { name: 'search', arguments: { query: 'cats' } },
        { name: 'broken', arguments: '{not json', id: 'call_custom' },
      ],
    });
    const reply = (await (await post('/chat/completions', chat())).json()) as {
      choices: {
        message: {
          content: null;
          tool_calls: { id: string; type: string; function: { name: string; arguments: string } }[];
        };
        finish_reason: string;
      }[];
    };
    const choice = reply.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls[0]).toMatchObject({
      type: 'function',
      function: { name: 'search', arguments: '{"query":"cats"}' },
    });
    expect(choice.message.tool_calls[0]?.id).toMatch(/^call_/);
    expect(choice.message.tool_calls[1]).toMatchObject({
      id: 'call_custom',
      function: { name: 'broken', arguments: '{not json' },
    });
  });

  it('passes the request to function steps', async () => {
    server.enqueue((request) => ({ content: `you said: ${chatRequestBody(request).messages[0]?.content}` }));
    const reply = (await (await post('/chat/completions', chat())).json()) as {
      choices: { message: { content: string } }[];
    };
    expect(reply.choices[0]?.message.content).toBe('you said: hello there');
  });

  it('sends scripted statuses, headers and raw bodies', async () => {
    server.enqueue(
      { status: 429, headers: { 'retry-after': '2' } },
      { body: '{"choices": [ garbage' },
      {
        status: 503,
        body: 'upstream down',
      },
    );
    const limited = await post('/chat/completions', chat());
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(((await limited.json()) as { error: { message: string } }).error.message).toContain('429');

    const garbage = await post('/chat/completions', chat());
    expect(garbage.status).toBe(200);
    expect(await garbage.text()).toBe('{"choices": [ garbage');

    const down = await post('/chat/completions', chat());
    expect(down.status).toBe(503);
    expect(await down.text()).toBe('upstream down');
  });

  it('waits delayMs before answering and stops waiting when the client gives up', async () => {
    server.enqueue({ content: 'late', delayMs: 5_000 }, { content: 'next' });
    // Give up once the server has the request (a fixed 100 ms can pass before it arrives on a busy machine).
    const controller = new AbortController();
    const late = fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(chat()),
      signal: controller.signal,
    });
    while (server.pending() > 1) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    await expect(late).rejects.toThrow();
    const reply = (await (await post('/chat/completions', chat())).json()) as {
      choices: { message: { content: string } }[];
    };
    expect(reply.choices[0]?.message.content).toBe('next');
  });

  it('streams content and tool-call deltas in pieces, then finish_reason and usage', async () => {
    server.enqueue({
      content: 'Thinking about it.',
      toolCalls: [{ name: 'send_message', arguments: { message: 'Hello, friend!' } }],
      usage: { prompt_tokens: 11, completion_tokens: 5 },
    });
    const response = await post(
      '/chat/completions',
      chat({ stream: true, stream_options: { include_usage: true } }),
    );
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = await readEvents(response);

    type Delta = {
      content?: string;
      tool_calls?: { index: number; id?: string; function: { name?: string; arguments?: string } }[];
    };
    const choices = events.flatMap(
      (event) => event['choices'] as { delta: Delta; finish_reason: string | null }[],
    );
    const contentPieces = choices.map((choice) => choice.delta.content).filter((piece) => piece);
    expect(contentPieces.length).toBeGreaterThan(1);
    expect(contentPieces.join('')).toBe('Thinking about it.');

    const toolDeltas = choices.flatMap((choice) => choice.delta.tool_calls ?? []);
    expect(toolDeltas.length).toBeGreaterThan(2);
    expect(toolDeltas[0]?.function.name).toBe('send_message');
    expect(toolDeltas[0]?.id).toMatch(/^call_/);
    expect(toolDeltas.map((delta) => delta.function.arguments ?? '').join('')).toBe(
      '{"message":"Hello, friend!"}',
    );

    expect(choices.at(-1)?.finish_reason).toBe('tool_calls');
    const usageEvent = events.at(-1)!;
    expect(usageEvent['choices']).toEqual([]);
    expect(usageEvent['usage']).toEqual({ prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 });
  });

  it('waits chunkDelayMs between stream chunks', async () => {
    server.enqueue({ content: 'slow words', chunkDelayMs: 30_000 });
    const response = await post('/chat/completions', chat({ stream: true }));
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('"role":"assistant"');
    // The rest is held back; cancelling ends the wait on the server.
    await reader.cancel();
  });

  it('omits the usage chunk when the client did not ask for it', async () => {
    server.enqueue({ content: 'hi' });
    const events = await readEvents(await post('/chat/completions', chat({ stream: true })));
    expect(events.every((event) => event['usage'] === undefined)).toBe(true);
  });

  describe('misbehaviour', () => {
    const streamed = chat({ stream: true });
    const call = { toolCalls: [{ name: 'search', arguments: { query: 'cats and dogs' } }] };

    it('answers a streamed request with plain JSON (not-sse)', async () => {
      server.enqueue({ content: 'whole', misbehave: 'not-sse' });
      const response = await post('/chat/completions', streamed);
      expect(response.headers.get('content-type')).toBe('application/json');
      const body = (await response.json()) as { choices: { message: { content: string } }[] };
      expect(body.choices[0]?.message.content).toBe('whole');
    });

    it('sends empty choices, streamed or not (empty-choices)', async () => {
      server.enqueue(
        { content: 'lost', misbehave: 'empty-choices' },
        { content: 'lost', misbehave: 'empty-choices' },
      );
      const events = await readEvents(await post('/chat/completions', streamed));
      expect(events.length).toBeGreaterThan(0);
      expect(events.every((event) => (event['choices'] as unknown[]).length === 0)).toBe(true);
      const body = (await (await post('/chat/completions', chat())).json()) as { choices: unknown[] };
      expect(body.choices).toEqual([]);
    });

    it('leaves out the finish reason (no-finish-reason)', async () => {
      server.enqueue(
        { content: 'hi', misbehave: 'no-finish-reason' },
        { content: 'hi', misbehave: 'no-finish-reason' },
      );
      const events = await readEvents(await post('/chat/completions', streamed));
      const finishes = events.flatMap((event) =>
        (event['choices'] as { finish_reason: unknown }[]).map((choice) => choice.finish_reason),
      );
      expect(finishes.every((reason) => reason === null)).toBe(true);
      const body = (await (await post('/chat/completions', chat())).json()) as {
        choices: { finish_reason: unknown }[];
      };
      expect(body.choices[0]?.finish_reason).toBeNull();
    });

    it('ends a stream in the middle of the tool arguments, and a body halfway (cut-off)', async () => {
      server.enqueue({ ...call, misbehave: 'cut-off' }, { ...call, misbehave: 'cut-off' });
      const text = await (await post('/chat/completions', streamed)).text();
      expect(text).not.toContain('[DONE]');
      expect(text).not.toContain('finish_reason":"tool_calls');
      const argumentsSent = [...text.matchAll(/"arguments":"((?:[^"\\]|\\.)*)"/g)]
        .map((m) => JSON.parse(`"${m[1]}"`) as string)
        .join('');
      expect(argumentsSent.length).toBeGreaterThan(0);
      expect('{"query":"cats and dogs"}'.startsWith(argumentsSent)).toBe(true);
      expect(argumentsSent).not.toBe('{"query":"cats and dogs"}');
      const body = await (await post('/chat/completions', chat())).text();
      expect(() => JSON.parse(body)).toThrow();
    });

    it('destroys the connection in the middle of a stream (reset-mid-stream) or before answering', async () => {
      server.enqueue(
        { ...call, misbehave: 'reset-mid-stream' },
        { content: 'x', misbehave: 'close-connection' },
      );
      const response = await post('/chat/completions', streamed);
      expect(response.status).toBe(200);
      await expect(response.text()).rejects.toThrow();
      await expect(post('/chat/completions', chat())).rejects.toThrow();
      expect(server.chatRequests()).toHaveLength(2);
    });

    it('stalls after the headers (stallMs)', async () => {
      server.enqueue({ content: 'slow', stallMs: 30_000 });
      const response = await post('/chat/completions', chat());
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      const outcome = await Promise.race([
        reader.read().then(() => 'body'),
        new Promise((resolve) => setTimeout(() => resolve('stalled'), 300)),
      ]);
      expect(outcome).toBe('stalled');
      await reader.cancel();
    });
  });

  it('embeds with the default hashed bag of words as floats or base64', async () => {
    const floats = (await (
      await post('/embeddings', {
        model: 'embed',
        input: ['the cat sat', 'the cat sat', 'stock markets fell'],
      })
    ).json()) as { data: { index: number; embedding: number[] }[]; usage: { prompt_tokens: number } };
    expect(floats.data.map((item) => item.index)).toEqual([0, 1, 2]);
    const [a, b, c] = floats.data.map((item) => item.embedding);
    expect(a).toHaveLength(64);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(Math.hypot(...(a ?? []))).toBeCloseTo(1, 6);
    expect(floats.usage.prompt_tokens).toBeGreaterThan(0);

    const encoded = (await (
      await post('/embeddings', { model: 'embed', input: 'the cat sat', encoding_format: 'base64' })
    ).json()) as { data: { embedding: string }[] };
    const bytes = Buffer.from(encoded.data[0]!.embedding, 'base64');
    const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
    for (const [i, value] of decoded.entries()) expect(value).toBeCloseTo(a?.[i] ?? Number.NaN, 6);
  });

  it('uses a custom embedder, answers 500 when it throws, 400 on a malformed request', async () => {
    server.setEmbedder((text) => [text.length, 1]);
    const reply = (await (await post('/embeddings', { model: 'embed', input: 'abc' })).json()) as {
      data: { embedding: number[] }[];
    };
    expect(reply.data[0]?.embedding).toEqual([3, 1]);

    server.setEmbedder(() => {
      throw new Error('embedder exploded');
    });
    const failed = await post('/embeddings', { model: 'embed', input: 'abc' });
    expect(failed.status).toBe(500);
    expect(await failed.text()).toContain('embedder exploded');

    const malformed = await post('/embeddings', { model: 'embed', input: 42 });
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toContain('input');
  });

  it('lists models and answers 404 for unknown routes', async () => {
    const models = (await (await fetch(`${server.url}/models`)).json()) as { data: { id: string }[] };
    expect(models.data[0]?.id).toBe('scripted');
    const missing = await fetch(`${server.url}/nowhere`);
    expect(missing.status).toBe(404);
  });

  it('gives the zero vector for a text without words and similar vectors for shared words', () => {
    expect(hashedBagOfWords('').every((x) => x === 0)).toBe(true);
    const dot = (x: number[], y: number[]) => x.reduce((sum, value, i) => sum + value * (y[i] ?? 0), 0);
    const cat = hashedBagOfWords('my cat likes fish');
    expect(dot(cat, hashedBagOfWords('the cat likes fish'))).toBeGreaterThan(
      dot(cat, hashedBagOfWords('quarterly revenue grew')),
    );
  });
});
