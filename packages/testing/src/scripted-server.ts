import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { countTokens } from '@loci/core';
import { z } from 'zod';

/**
 * A scripted OpenAI-compatible HTTP server on 127.0.0.1: a test double for an LLM endpoint. Tests
 * queue the replies they want; the real `openai` client and the real adapter code talk to it over
 * HTTP, so request building, streaming, retries and error handling are exercised for real.
 */

export interface ScriptedToolCall {
  name: string;
  /** Raw text is sent as is (also non-JSON, to test malformed calls); an object is JSON-encoded. */
  arguments: string | Record<string, unknown>;
  id?: string;
}

export interface ScriptedReply {
  /** Assistant text (or JSON text for JSON mode). */
  content?: string | null;
  toolCalls?: ScriptedToolCall[];
  /** Defaults to 'tool_calls' when there are tool calls, else 'stop'. */
  finishReason?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  /** Defaults to cl100k counts of the request messages and the reply. */
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** Reply with this HTTP status instead (e.g. 429, 500); the body is an OpenAI-style error unless `body` is set. */
  status?: number;
  /** Raw body to send (garbage JSON tests); with `status` or alone (then status 200). */
  body?: string;
  /** Extra response headers, e.g. `retry-after`. */
  headers?: Record<string, string>;
  /** Wait this long before answering (timeout tests). */
  delayMs?: number;
  /** Streaming only: wait this long before each chunk after the first (stalled-stream tests). */
  chunkDelayMs?: number;
  /**
   * Send the headers (and, streaming, the first chunk), then nothing for this long, then the rest:
   * a server that hangs after it started answering.
   */
  stallMs?: number;
  /** Break the protocol in one of the ways real servers and proxies do (see `Misbehaviour`). */
  misbehave?: Misbehaviour;
}

/**
 * - `not-sse`: a streamed request is answered with the whole completion as plain JSON (200).
 * - `empty-choices`: `choices: []` (streamed: only chunks with empty choices, then `[DONE]`).
 * - `no-finish-reason`: `finish_reason` is null throughout (a stream still ends with `[DONE]`).
 * - `cut-off`: the reply ends cleanly in the middle: a stream halfway through the last tool call's
 *   arguments (or the content), without finish reason or `[DONE]`; a JSON body halfway through.
 * - `reset-mid-stream`: as `cut-off`, but the connection is destroyed instead of ended (with `body`:
 *   after the body).
 * - `close-connection`: the connection is destroyed before any response.
 */
export type Misbehaviour =
  | 'not-sse'
  | 'empty-choices'
  | 'no-finish-reason'
  | 'cut-off'
  | 'reset-mid-stream'
  | 'close-connection';

export type ScriptedStep =
  | ScriptedReply
  | ((request: RecordedRequest) => ScriptedReply | Promise<ScriptedReply>);

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. '/v1/chat/completions'. */
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** The parsed JSON body; `undefined` when there was none, the raw text when it was not JSON. */
  body: unknown;
}

export interface ScriptedServer {
  /** 'http://127.0.0.1:<port>/v1' — pass as `baseURL`. */
  url: string;
  /** Chat completion replies, used in order. */
  enqueue(...steps: ScriptedStep[]): void;
  /** Used when the queue is empty; without one an empty queue answers HTTP 500 'no scripted reply queued'. */
  setDefault(step: ScriptedStep | undefined): void;
  /** Vectors for /v1/embeddings. Default: a deterministic hashed bag-of-words vector, 64-d, unit length. A throw answers HTTP 500. */
  setEmbedder(fn: (text: string) => number[]): void;
  /** Everything received, in order. */
  requests: RecordedRequest[];
  /** Only the requests to /chat/completions. */
  chatRequests(): RecordedRequest[];
  /** Steps not yet consumed. */
  pending(): number;
  close(): Promise<void>;
}

/** The parts of a chat completion request that tests usually inspect; other fields pass through. */
const chatRequestSchema = z.looseObject({
  model: z.string(),
  messages: z.array(z.looseObject({ role: z.string(), content: z.unknown().optional() })),
  tools: z
    .array(
      z.looseObject({
        type: z.string(),
        function: z.looseObject({
          name: z.string(),
          description: z.string().optional(),
          parameters: z.unknown().optional(),
        }),
      }),
    )
    .optional(),
  tool_choice: z.unknown().optional(),
  response_format: z.looseObject({ type: z.string() }).optional(),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).optional(),
  temperature: z.number().optional(),
  max_tokens: z.number().optional(),
  max_completion_tokens: z.number().optional(),
});

export type ChatRequestBody = z.infer<typeof chatRequestSchema>;

/** The body of a recorded chat request, typed; throws naming the field when it is not one. */
export function chatRequestBody(request: RecordedRequest): ChatRequestBody {
  const result = chatRequestSchema.safeParse(request.body);
  if (!result.success) {
    throw new TypeError(
      `${request.method} ${request.path} is not a chat completion request: ${result.error.issues
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ')}`,
    );
  }
  return result.data;
}

const embeddingRequestSchema = z.looseObject({
  model: z.string(),
  input: z.union([z.string(), z.array(z.string())]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().optional(),
});

const defaultDimensions = 64;

/** FNV-1a: a stable 32-bit hash, so the default embedder gives the same vector in every run. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    value ^= text.charCodeAt(i);
    value = Math.imul(value, 0x01000193);
  }
  return value >>> 0;
}

/**
 * Hashed bag of words: texts sharing words get similar vectors, so retrieval tests behave sensibly.
 * An empty text (no words) is the zero vector.
 */
export function hashedBagOfWords(text: string, dimensions = defaultDimensions): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const h = hash(word);
    const index = h % dimensions;
    vector[index] = (vector[index] as number) + ((h >>> 16) & 1 ? 1 : -1);
  }
  const length = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return length === 0 ? vector : vector.map((x) => x / length);
}

/** Splits text into up to `parts` non-empty pieces (by code point), so stream consumers must reassemble. */
function splitPieces(text: string, parts = 3): string[] {
  const chars = Array.from(text);
  if (chars.length === 0) return [];
  const size = Math.max(1, Math.ceil(chars.length / parts));
  const pieces: string[] = [];
  for (let i = 0; i < chars.length; i += size) pieces.push(chars.slice(i, i + size).join(''));
  return pieces;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sendJson(
  response: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
) {
  if (response.destroyed) return;
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(value));
}

function errorBody(message: string, type: string) {
  return { error: { message, type, param: null, code: null } };
}

function errorTypeFor(status: number): string {
  if (status === 429) return 'rate_limit_exceeded';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

interface ResolvedToolCall {
  id: string;
  name: string;
  arguments: string;
}

export async function startScriptedServer(options: { port?: number } = {}): Promise<ScriptedServer> {
  const queue: ScriptedStep[] = [];
  let fallback: ScriptedStep | undefined;
  let embedder: (text: string) => number[] = (text) => hashedBagOfWords(text);
  const requests: RecordedRequest[] = [];
  let callCounter = 0;
  let completionCounter = 0;
  const timers = new Set<NodeJS.Timeout>();

  function wait(ms: number, response: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
      // A client that gave up (timeout, abort) ends the wait early; nothing is written afterwards.
      response.once('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
        resolve();
      });
    });
  }

  async function handleChat(recorded: RecordedRequest, response: ServerResponse): Promise<void> {
    const step = queue.length > 0 ? queue.shift() : fallback;
    if (step === undefined) {
      sendJson(
        response,
        500,
        errorBody(
          'no scripted reply queued: call server.enqueue(...) or server.setDefault(...) before this request',
          'server_error',
        ),
      );
      return;
    }
    const reply = typeof step === 'function' ? await step(recorded) : step;
    if (reply.misbehave === 'close-connection') {
      response.socket?.destroy();
      return;
    }
    if (reply.delayMs !== undefined && reply.delayMs > 0) await wait(reply.delayMs, response);
    if (response.destroyed || response.writableEnded) return;

    const headers = reply.headers ?? {};
    if (reply.body !== undefined) {
      response.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...headers });
      if (reply.misbehave === 'reset-mid-stream')
        response.write(reply.body, () => response.socket?.destroy());
      else response.end(reply.body);
      return;
    }
    if (reply.status !== undefined && reply.status !== 200) {
      sendJson(
        response,
        reply.status,
        errorBody(`scripted error ${reply.status}`, errorTypeFor(reply.status)),
        headers,
      );
      return;
    }

    const parsed = chatRequestSchema.safeParse(recorded.body);
    const completion = buildCompletion(reply, parsed.success ? parsed.data : undefined);
    if (parsed.success && parsed.data.stream === true && reply.misbehave !== 'not-sse') {
      await sendStream(response, reply, completion, parsed.data.stream_options?.include_usage === true);
      return;
    }
    const body = JSON.stringify(completion.json);
    response.writeHead(200, { 'content-type': 'application/json', ...headers });
    if (reply.stallMs !== undefined && reply.stallMs > 0) {
      response.flushHeaders();
      await wait(reply.stallMs, response);
      if (response.destroyed) return;
    }
    if (reply.misbehave === 'cut-off') {
      response.end(body.slice(0, Math.floor(body.length / 2)));
      return;
    }
    response.end(body);
  }

  interface Completion {
    /** The non-streamed reply body. */
    json: Record<string, unknown>;
    id: string;
    created: number;
    model: string;
    content: string | null;
    toolCalls: ResolvedToolCall[];
    finishReason: string | null;
    usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  }

  function buildCompletion(reply: ScriptedReply, request: ChatRequestBody | undefined): Completion {
    const model = request?.model ?? 'scripted';
    const toolCalls: ResolvedToolCall[] = (reply.toolCalls ?? []).map((call) => ({
      id: call.id ?? `call_${++callCounter}`,
      name: call.name,
      arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    }));
    const content = reply.content ?? null;
    const finishReason =
      reply.misbehave === 'no-finish-reason'
        ? null
        : (reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'));
    const promptTokens =
      reply.usage?.prompt_tokens ?? (request ? countTokens(JSON.stringify(request.messages)) : 0);
    const completionTokens =
      reply.usage?.completion_tokens ??
      countTokens(content ?? '') +
        toolCalls.reduce((sum, call) => sum + countTokens(call.name) + countTokens(call.arguments), 0);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    };
    const id = `chatcmpl-scripted-${++completionCounter}`;
    const created = Math.floor(Date.now() / 1000);
    const message: Record<string, unknown> = { role: 'assistant', content, refusal: null };
    if (toolCalls.length > 0) {
      message['tool_calls'] = toolCalls.map((call) => ({
        id: call.id,
        type: 'function',
        function: { name: call.name, arguments: call.arguments },
      }));
    }
    const choices =
      reply.misbehave === 'empty-choices'
        ? []
        : [{ index: 0, message, logprobs: null, finish_reason: finishReason }];
    const json = { id, object: 'chat.completion', created, model, choices, usage };
    return { json, id, created, model, content, toolCalls, finishReason, usage };
  }

  async function sendStream(
    response: ServerResponse,
    reply: ScriptedReply,
    completion: Completion,
    includeUsage: boolean,
  ): Promise<void> {
    const { id, created, model, content, toolCalls, finishReason, usage } = completion;
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...(reply.headers ?? {}),
    });
    const chunks: unknown[] = [];
    const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      chunks.push({ id, object: 'chat.completion.chunk', created, model, choices, ...extra });
    const empty = reply.misbehave === 'empty-choices';
    const delta = (value: Record<string, unknown>, finish: string | null = null) =>
      send(empty ? [] : [{ index: 0, delta: value, logprobs: null, finish_reason: finish }]);

    // Where a cut stream stops: after the first piece of the last tool call's arguments, or of the content.
    let cutAfter = 0;
    delta({ role: 'assistant', content: '' });
    for (const [index, piece] of splitPieces(content ?? '').entries()) {
      delta({ content: piece });
      if (index === 0) cutAfter = chunks.length;
    }
    toolCalls.forEach((call, index) => {
      delta({
        tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }],
      });
      cutAfter = chunks.length;
      for (const [pieceIndex, piece] of splitPieces(call.arguments).entries()) {
        delta({ tool_calls: [{ index, function: { arguments: piece } }] });
        if (pieceIndex === 0) cutAfter = chunks.length;
      }
    });
    delta({}, finishReason);
    if (includeUsage) send([], { usage });

    const cut = reply.misbehave === 'cut-off' || reply.misbehave === 'reset-mid-stream';
    for (const [index, chunk] of chunks.entries()) {
      if (cut && index >= cutAfter) break;
      if (index === 1 && reply.stallMs !== undefined && reply.stallMs > 0)
        await wait(reply.stallMs, response);
      if (index > 0 && reply.chunkDelayMs !== undefined && reply.chunkDelayMs > 0) {
        await wait(reply.chunkDelayMs, response);
      }
      if (response.destroyed) return;
      response.write(`data: ${JSON.stringify(chunk)}\n\n`);
    }
    if (reply.misbehave === 'reset-mid-stream') {
      // Let the written chunks reach the client first, so the reset lands in the middle of the stream.
      await new Promise<void>((resolve) => response.write('', () => resolve()));
      response.socket?.destroy();
      return;
    }
    response.end(cut ? undefined : 'data: [DONE]\n\n');
  }

  function handleEmbeddings(recorded: RecordedRequest, response: ServerResponse): void {
    const parsed = embeddingRequestSchema.safeParse(recorded.body);
    if (!parsed.success) {
      const detail = parsed.error.issues
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ');
      sendJson(response, 400, errorBody(`invalid embeddings request: ${detail}`, 'invalid_request_error'));
      return;
    }
    const inputs = typeof parsed.data.input === 'string' ? [parsed.data.input] : parsed.data.input;
    let vectors: number[][];
    try {
      vectors = inputs.map((text) => embedder(text));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      sendJson(response, 500, errorBody(`scripted embedder failed: ${reason}`, 'server_error'));
      return;
    }
    const base64 = parsed.data.encoding_format === 'base64';
    const tokens = inputs.reduce((sum, text) => sum + countTokens(text), 0);
    sendJson(response, 200, {
      object: 'list',
      model: parsed.data.model,
      data: vectors.map((vector, index) => ({
        object: 'embedding',
        index,
        embedding: base64 ? Buffer.from(Float32Array.from(vector).buffer).toString('base64') : vector,
      })),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readBody(request);
    let body: unknown;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const method = request.method ?? 'GET';
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const recorded: RecordedRequest = { method, path, headers, body };
    requests.push(recorded);

    if (method === 'POST' && path === '/v1/chat/completions') {
      if (typeof body !== 'object' || body === null) {
        sendJson(response, 400, errorBody('request body must be a JSON object', 'invalid_request_error'));
        return;
      }
      await handleChat(recorded, response);
    } else if (method === 'POST' && path === '/v1/embeddings') {
      handleEmbeddings(recorded, response);
    } else if (method === 'GET' && path === '/v1/models') {
      sendJson(response, 200, {
        object: 'list',
        data: [{ id: 'scripted', object: 'model', created: 0, owned_by: 'loci-testing' }],
      });
    } else {
      sendJson(response, 404, errorBody(`no route for ${method} ${path}`, 'invalid_request_error'));
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      if (!response.headersSent)
        sendJson(response, 500, errorBody(`scripted step failed: ${reason}`, 'server_error'));
      else response.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue(...steps) {
      queue.push(...steps);
    },
    setDefault(step) {
      fallback = step;
    },
    setEmbedder(fn) {
      embedder = fn;
    },
    chatRequests() {
      return requests.filter((request) => request.path.endsWith('/chat/completions'));
    },
    pending() {
      return queue.length;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets from the client would otherwise hold close() open.
        server.closeAllConnections();
      });
    },
  };
}
