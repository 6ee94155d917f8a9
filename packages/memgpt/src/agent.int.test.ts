import { join } from 'node:path';
import {
  ConfigError,
  ContextOverflowError,
  countTokens,
  type Memory,
  type MemoryEvent,
  type MemoryStore,
  ProviderError,
  type Recalled,
} from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { createOpenAIChatModel, createOpenAIEmbedder } from '@loci/openai';
import {
  chatRequestBody,
  hashedBagOfWords,
  type RecordedRequest,
  type ScriptedReply,
  type ScriptedServer,
  startScriptedServer,
} from '@loci/testing/scripted-server';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type AgentEvent,
  type CreateAgentOptions,
  createAgent,
  defineAgentTool,
  loadAgent,
} from './index.js';

let server: ScriptedServer;
let dir: { path: string; remove: () => Promise<void> };
let store: MemoryStore;

beforeAll(async () => {
  server = await startScriptedServer();
  dir = await makeTempDir('loci-memgpt-');
  store = await createLanceStore({ uri: join(dir.path, 'store') });
});

afterAll(async () => {
  await store.close();
  await server.close();
  await dir.remove();
});

beforeEach(() => {
  server.setDefault(undefined);
});

afterEach(() => {
  expect(server.pending()).toBe(0);
});

function providers(options: { contextWindow?: number } = {}) {
  return {
    model: createOpenAIChatModel({
      model: 'scripted-chat',
      baseURL: server.url,
      apiKey: 'test-key',
      contextWindow: options.contextWindow ?? 16_384,
      maxRetries: 0,
    }),
    embedder: createOpenAIEmbedder({
      model: 'scripted-embed',
      baseURL: server.url,
      apiKey: 'test-key',
      dimensions: 64,
    }),
    store,
  };
}

let counter = 0;
function newAgent(options: Partial<CreateAgentOptions> = {}) {
  counter++;
  return createAgent({
    ...providers(),
    id: `agent-${counter}`,
    namespace: `user-${counter}`,
    blocks: { persona: 'I am Sam.', human: { value: 'Name: unknown', limit: 120 } },
    ...options,
  });
}

const send = (message: string, heartbeat = false): ScriptedReply => ({
  content: 'Reply to the user.',
  toolCalls: [{ name: 'send_message', arguments: { message, request_heartbeat: heartbeat } }],
});
const callTool = (name: string, args: string | Record<string, unknown>): ScriptedReply => ({
  toolCalls: [{ name, arguments: args }],
});
type ChatBody = ReturnType<typeof chatRequestBody>;
const lastChat = (): ChatBody => chatRequestBody(server.chatRequests().at(-1) as RecordedRequest);
const toolResults = (body: ChatBody) =>
  body.messages
    .filter((message) => message.role === 'tool')
    .map((message) => JSON.parse(String(message.content)) as { status: string; message: string });

describe('MemGPT agent against the scripted server', () => {
  it('answers through send_message, streams it, and sends the main context and all functions', async () => {
    const agent = await newAgent();
    const events: AgentEvent[] = [];
    const iterator = agent.events();
    const collecting = (async () => {
      for await (const event of iterator) {
        events.push(event);
        if (event.type === 'step-end') break;
      }
    })();
    server.enqueue(send('Hello! Nice to meet you 👋'));
    const result = await agent.step({ text: 'Hi, I am Ana', speaker: 'Ana' });
    await collecting;

    expect(result.messages).toEqual(['Hello! Nice to meet you 👋']);
    const deltas = events.filter((event) => event.type === 'message-delta').map((event) => event.text);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Hello! Nice to meet you 👋');
    const thoughts = events.filter((event) => event.type === 'monologue-delta').map((event) => event.text);
    expect(thoughts.join('')).toBe('Reply to the user.');
    expect(result.trace.map((entry) => entry.type)).toEqual([
      'step-start',
      'llm-call',
      'llm-result',
      'inner-monologue',
      'tool-call',
      'message',
      'tool-result',
      'step-end',
    ]);
    const body = lastChat();
    expect(body.stream).toBe(true);
    expect(body.tools?.map((tool) => tool.function.name).sort()).toEqual([
      'archival_memory_insert',
      'archival_memory_search',
      'conversation_search',
      'conversation_search_date',
      'core_memory_append',
      'core_memory_replace',
      'pause_heartbeats',
      'send_message',
    ]);
    const sendParameters = JSON.stringify(body.tools?.find((tool) => tool.function.name === 'send_message'));
    expect(sendParameters).toContain('request_heartbeat');
    const system = String(body.messages[0]?.content);
    expect(body.messages[0]?.role).toBe('system');
    expect(system).toContain('inner monologue');
    expect(system).toContain('<human characters="13/120">\nName: unknown\n</human>');
    expect(body.messages[1]).toMatchObject({ role: 'user', content: 'Hi, I am Ana' });
    expect(result.contextTokens[0]?.total).toBeGreaterThan(0);
    expect(result.timings.llmMs).toBeGreaterThan(0);
  });

  it('chains functions through heartbeats and saves core memory edits', async () => {
    const agent = await newAgent();
    server.enqueue(
      callTool('core_memory_replace', {
        label: 'human',
        old_content: 'Name: unknown',
        new_content: 'Name: Ana. Has a cat named Miso.',
        request_heartbeat: true,
      }),
      (request) => {
        const results = toolResults(chatRequestBody(request));
        expect(results.at(-1)?.status).toBe('OK');
        return send('Noted: Miso!');
      },
    );
    const result = await agent.step('I am Ana and I have a cat named Miso');
    expect(result.messages).toEqual(['Noted: Miso!']);
    expect(result.trace.filter((entry) => entry.type === 'heartbeat')).toEqual([
      { type: 'heartbeat', reason: 'requested' },
    ]);
    expect(String(lastChat().messages[0]?.content)).toContain('Name: Ana. Has a cat named Miso.');

    await agent.close();
    const resumed = await loadAgent({ ...providers(), id: agent.id, namespace: agent.namespace });
    expect(resumed.blocks()).toEqual(agent.blocks());
    expect(resumed.queue().map((message) => message.id)).toEqual(agent.queue().map((message) => message.id));
    expect(resumed.queue().map((message) => message.kind)).toEqual([
      'user',
      'assistant',
      'tool',
      'assistant',
      'tool',
    ]);
  });

  it('turns every kind of bad function call into an error the LLM sees next, and loses no message', async () => {
    const agent = await newAgent();
    const expectations = [
      /unknown function "launch_rockets"/,
      /arguments are not valid JSON/,
      /invalid arguments: content: /,
      /"Bob" is not in block "human"/,
      /over its limit of 120/,
    ];
    server.enqueue(
      callTool('launch_rockets', { count: 3 }),
      callTool('core_memory_append', '{"label": "human", "content": '),
      callTool('core_memory_append', { label: 'human', content: 7 }),
      callTool('core_memory_replace', { label: 'human', old_content: 'Bob', new_content: 'Rob' }),
      callTool('core_memory_append', { label: 'human', content: 'z'.repeat(200) }),
      send('Sorry, I got confused.'),
    );
    const result = await agent.step('Tell me something');
    expect(result.messages).toEqual(['Sorry, I got confused.']);
    const failed = result.trace.filter((entry) => entry.type === 'tool-result' && !entry.ok);
    expect(failed).toHaveLength(5);
    const requests = server.chatRequests().slice(-5);
    expectations.forEach((pattern, index) => {
      const result = toolResults(chatRequestBody(requests[index] as RecordedRequest)).at(-1);
      expect(result?.status).toBe('Failed');
      expect(result?.message).toMatch(pattern);
    });
    expect(result.trace.filter((entry) => entry.type === 'heartbeat').map((entry) => entry)).toHaveLength(5);
    expect(agent.blocks()[1]?.value).toBe('Name: unknown');
    // user + 6 × (assistant + tool) are all in the queue and in recall storage.
    expect(agent.queue()).toHaveLength(13);
    expect(agent.state().recallCount).toBe(13);
    const found = await agent.searchRecall('launch_rockets', 5);
    expect(found.some((message) => message.toolCalls?.[0]?.name === 'launch_rockets')).toBe(true);
  });

  it('stops a chain at maxChainLength', async () => {
    const agent = await newAgent({ config: { maxChainLength: 3 } });
    server.enqueue(send('one', true), send('two', true), send('three', true));
    const result = await agent.step('Count');
    expect(result.messages).toEqual(['one', 'two', 'three']);
    expect(result.trace.at(-2)).toEqual({ type: 'chain-limit', calls: 3 });
  });

  it('reports an unreachable LLM to the caller and keeps the saved state and the stored messages', async () => {
    const agent = await newAgent();
    server.enqueue(send('First answer.'));
    await agent.step('first');
    const saved = agent.state();

    server.enqueue(
      callTool('core_memory_append', { label: 'human', content: 'Likes jazz', request_heartbeat: true }),
      {
        status: 503,
      },
    );
    const failure = await agent.step('I like jazz').catch((error: unknown) => error);
    expect(ProviderError.isInstance(failure)).toBe(true);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(agent.state()).toEqual(saved);
    await agent.close();
    const resumed = await loadAgent({ ...providers(), id: agent.id, namespace: agent.namespace });
    expect(resumed.state()).toEqual(saved);
    // The failed step's messages are still in recall storage.
    expect((await resumed.searchRecall('jazz', 5)).map((message) => message.kind).sort()).toEqual([
      'assistant',
      'user',
    ]);
    expect((await resumed.searchRecall('Appended', 5)).map((message) => message.kind)).toContain('tool');

    server.enqueue(send('Back again.'));
    expect((await resumed.step('hello?')).messages).toEqual(['Back again.']);
  });

  it('stops a step when its signal aborts, keeping the saved state', async () => {
    const agent = await newAgent();
    const saved = agent.state();
    const controller = new AbortController();
    server.enqueue(() => {
      controller.abort();
      return { ...send('too late'), delayMs: 5_000 };
    });
    await expect(agent.step('hello', { signal: controller.signal })).rejects.toThrow();
    expect(agent.state()).toEqual(saved);
    expect((await agent.searchRecall('hello', 3))[0]?.content).toBe('hello');
    server.enqueue(send('Here now.'));
    expect((await agent.step('again')).messages).toEqual(['Here now.']);
  });

  it('warns at memory pressure, evicts the oldest half with a recursive summary, and keeps everything searchable', async () => {
    const agent = await newAgent({
      ...providers({ contextWindow: 3000 }),
      config: { replyTokens: 200, summaryMaxTokens: 120 },
    });
    let summaries = 0;
    server.setDefault((request) => {
      const body = chatRequestBody(request);
      if (body.tools === undefined) {
        summaries++;
        expect(String(body.messages[1]?.content)).toContain('Evicted messages');
        return { content: `Summary ${summaries}: Ana talked about her trips.` };
      }
      const last = body.messages.at(-1);
      return last?.role === 'tool'
        ? { content: 'waiting' }
        : send(`Got it (${countTokens(String(last?.content))} tokens).`);
    });
    const texts: string[] = [];
    for (let i = 0; i < 24; i++) {
      const text = `Trip ${i}: I visited city number ${i} and ate ${'delicious '.repeat(40)}food-${i}.`;
      texts.push(text);
      const result = await agent.step(text);
      for (const tokens of result.contextTokens) expect(tokens.total).toBeLessThanOrEqual(3000 - 200);
    }
    server.setDefault(undefined);
    const state = agent.state();
    expect(summaries).toBeGreaterThan(0);
    expect(state.summary).toMatch(/^Summary \d+: Ana talked about her trips\.$/);
    expect(state.summarizedCount).toBeGreaterThan(0);
    expect(state.queue.length + state.summarizedCount).toBe(state.recallCount);
    // The queue never starts with a tool result cut off from its call.
    expect(agent.queue()[0]?.kind).not.toBe('tool');
    const alerts = (await agent.searchRecall('Memory pressure', 50)).filter((m) => m.kind === 'system-alert');
    expect(alerts.length).toBeGreaterThan(0);
    for (const [index, text] of texts.entries()) {
      const hits = await agent.searchRecall(`food-${index}`, 3);
      expect(hits.map((hit) => hit.content)).toContain(text);
    }
    // The summary sits in slot 0 of the queue in the next prompt, also after a restart.
    await agent.close();
    const resumed = await loadAgent({
      ...providers({ contextWindow: 3000 }),
      id: agent.id,
      namespace: agent.namespace,
    });
    expect(resumed.summary()).toBe(state.summary);
    // Same prompt, apart from the clock line of the working context.
    const withoutClock = (messages: { content: string | null }[]) =>
      messages.map((message) => message.content?.replace(/\[now: [^\]]+\]/, ''));
    expect(withoutClock(resumed.context().messages)).toEqual(withoutClock(agent.context().messages));
    server.enqueue(send('ok'));
    await resumed.step('and now?');
    expect(String(lastChat().messages[1]?.content)).toContain(
      `${state.summarizedCount} earlier messages were evicted`,
    );
    expect(String(lastChat().messages[1]?.content)).toContain(state.summary);
  });

  it('falls back when the summary call fails: an alert, the messages stay searchable', async () => {
    const agent = await newAgent({ ...providers({ contextWindow: 2500 }), config: { replyTokens: 200 } });
    server.setDefault((request) => {
      const body = chatRequestBody(request);
      if (body.tools === undefined) return { status: 500 };
      return send('ok');
    });
    let failedSummary = false;
    for (let i = 0; i < 16 && !failedSummary; i++) {
      const result = await agent.step(`Note ${i}: ${'padding '.repeat(120)} marker-${i}`);
      failedSummary = result.trace.some((entry) => entry.type === 'summary' && !entry.ok);
    }
    server.setDefault(undefined);
    expect(failedSummary).toBe(true);
    expect(agent.state().summary).toBe('');
    const alerts = (await agent.searchRecall('Summarizing failed', 10)).filter(
      (m) => m.kind === 'system-alert' && m.content.startsWith('Summarizing'),
    );
    expect(alerts[0]?.content).toMatch(/failed .* conversation_search_date/);
    expect((await agent.searchRecall('marker-0', 3)).length).toBeGreaterThan(0);
  });

  it('truncates a message larger than the window in the prompt and stores it whole', async () => {
    const agent = await newAgent({ ...providers({ contextWindow: 4000 }), config: { replyTokens: 100 } });
    const huge = `Start ${'lorem ipsum '.repeat(3000)} end-of-huge`;
    server.enqueue(send('That was long.'));
    const result = await agent.step(huge);
    expect(result.messages).toEqual(['That was long.']);
    const sent = String(
      lastChat().messages.find((message) => String(message.content).startsWith('Start'))?.content,
    );
    expect(sent).toMatch(/…\[truncated\]$/);
    expect(result.contextTokens[0]?.total).toBeLessThanOrEqual(3900);
    const [stored] = await agent.searchRecall('end-of-huge', 1);
    expect(stored?.content).toBe(huge);
  });

  it('refuses a step whose fixed parts cannot fit the window, saying what to shrink, and keeps the state', async () => {
    const agent = await newAgent({ ...providers({ contextWindow: 1200 }), config: { replyTokens: 100 } });
    const before = agent.state();
    const requests = server.chatRequests().length;
    const failure = await agent.step('hello').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ContextOverflowError);
    expect(String((failure as Error).message)).toMatch(
      /shorten the core memory blocks.*larger context window/,
    );
    expect(agent.state()).toEqual(before);
    // Refused before any LLM call: no pointless evictions or summaries.
    expect(server.chatRequests().length).toBe(requests);
    expect((await agent.searchRecall('hello', 3))[0]?.content).toBe('hello');
  });

  it('searches recall by date and archival by meaning, page by page', async () => {
    const agent = await newAgent({ config: { pageSize: 2 } });
    server.setDefault(send('ok'));
    for (const [day, text] of [
      ['2024-03-01', 'I started learning the cello'],
      ['2024-03-02', 'My cello teacher is called Ines'],
      ['2024-03-05', 'I bought a bicycle'],
    ] as const) {
      await agent.step({ text, at: new Date(`${day}T12:00:00Z`) });
    }
    server.setDefault(undefined);
    server.enqueue(
      callTool('conversation_search_date', {
        start_date: '2024-03-01',
        end_date: '2024-03-02',
        request_heartbeat: true,
      }),
      callTool('conversation_search_date', {
        start_date: '2024-03-01',
        end_date: '2024-03-02',
        page: 1,
        request_heartbeat: true,
      }),
      callTool('archival_memory_insert', {
        content: 'Ana plays the cello every Sunday',
        request_heartbeat: true,
      }),
      callTool('archival_memory_search', { query: 'cello Sunday' }),
      send('You started the cello.'),
    );
    const result = await agent.step({
      text: 'What did I say early in March?',
      at: new Date('2024-03-10T12:00:00Z'),
    });
    const results = result.trace
      .filter((entry) => entry.type === 'tool-result')
      .map((entry) => JSON.parse(entry.content).message as string);
    // Each day has user, assistant and tool messages: 6 in all, 2 a page.
    expect(results[0]).toMatch(
      /^Showing results 1-2 of 6 \(page 0\):\n.*\n<loci-memory>\n.*user: I started learning the cello/,
    );
    expect(results[1]).toMatch(/^Showing results 3-4 of 6 \(page 1\):/);
    expect(results[1]).toContain('cello teacher is called Ines');
    expect(results[3]).toContain('Ana plays the cello every Sunday');
    expect(agent.state().archivalCount).toBe(1);
  });

  it('keeps agents and users apart in one store, and refuses hostile ids', async () => {
    const alice = await newAgent({ namespace: 'alice', id: 'assistant' });
    const bob = await newAgent({ namespace: 'bob', id: 'assistant' });
    server.enqueue(
      callTool('archival_memory_insert', { content: 'Alice secret: the vault code is 4321' }),
      send('Saved.'),
    );
    await alice.step('Remember my vault code 4321');
    expect(await bob.searchArchival('vault code 4321', 10)).toEqual([]);
    expect(await bob.searchRecall('vault', 10)).toEqual([]);
    expect((await alice.searchRecall('vault', 10)).length).toBeGreaterThan(0);
    const aliceOther = await newAgent({ namespace: 'alice', id: 'assistant-2' });
    expect(await aliceOther.searchRecall('vault', 10)).toEqual([]);

    await expect(loadAgent({ ...providers(), id: 'assistant', namespace: 'carol' })).rejects.toThrow(
      /no agent "assistant" in namespace "carol"/,
    );
    // While alice's agent is open, a second opener is refused; once it is closed, the id is taken.
    await expect(newAgent({ namespace: 'alice', id: 'assistant' })).rejects.toThrow(
      /agent "assistant" in namespace "alice" is open in another process/,
    );
    await alice.close();
    await expect(newAgent({ namespace: 'alice', id: 'assistant' })).rejects.toThrow(/already exists/);
    await expect(newAgent({ id: "x' OR 1=1 --" })).rejects.toThrow(ConfigError);
    await expect(loadAgent({ ...providers(), id: 'a#b' })).rejects.toThrow(/invalid agent id/);
  });

  it('refuses to resume with another embedder, and lets agents with different embedders share a store', async () => {
    const agent = await newAgent();
    const other = createOpenAIEmbedder({
      model: 'other-embed',
      baseURL: server.url,
      apiKey: 'test-key',
      dimensions: 32,
    });
    await agent.close();
    await expect(
      loadAgent({ ...providers(), embedder: other, id: agent.id, namespace: agent.namespace }),
    ).rejects.toThrow(
      /stores archival passages with embedder scripted-embed \(64 dimensions\), but other-embed \(32 dimensions\)/,
    );
    server.setEmbedder((text) => hashedBagOfWords(text, 32));
    try {
      const small = await newAgent({ embedder: other });
      server.enqueue(
        callTool('archival_memory_insert', { content: 'Small vectors work too' }),
        send('Stored.'),
      );
      const result = await small.step('store this');
      expect(result.trace.filter((entry) => entry.type === 'tool-result').map((entry) => entry.ok)).toEqual([
        true,
        true,
      ]);
      expect((await small.searchArchival('small vectors', 1))[0]?.text).toBe('Small vectors work too');
    } finally {
      server.setEmbedder((text) => hashedBagOfWords(text));
    }
  });

  it('feeds attached memory systems every turn and shows what they recall, with provenance', async () => {
    const observed: MemoryEvent[] = [];
    const namespaces = new Set<string>();
    const notebook: Memory = {
      name: 'notebook',
      async observe({ namespace, event }) {
        namespaces.add(namespace);
        observed.push(event);
      },
      async recall({ query, namespace, tokenBudget }): Promise<Recalled[]> {
        namespaces.add(namespace);
        expect(tokenBudget).toBe(300);
        return observed
          .filter((event): event is Extract<MemoryEvent, { type: 'turn' }> => event.type === 'turn')
          .filter((turn) => turn.text !== query)
          .map((turn) => ({
            text: turn.text,
            score: 1,
            kind: 'turn',
            sources: [turn.id],
            tokens: countTokens(turn.text),
          }));
      },
    };
    const agent = await newAgent({ memories: [notebook], config: { recallTokenBudget: 300 } });
    server.enqueue(send('Nice, a garden!'));
    await agent.step('I have a garden with tomatoes');
    server.enqueue(send('Tomatoes, yes.'));
    await agent.step('What do I grow?');
    const recalled = String(lastChat().messages.at(-1)?.content);
    expect(lastChat().messages.at(-1)?.role).toBe('system');
    expect(recalled).toContain('Recalled memory');
    const userTurn = observed[0] as Extract<MemoryEvent, { type: 'turn' }>;
    expect(recalled).toContain(`(turn, from turns ${userTurn.id}) I have a garden with tomatoes`);
    const turns = observed.filter((event) => event.type === 'turn');
    expect(turns.map((turn) => [turn.speaker, turn.text])).toEqual([
      ['user', 'I have a garden with tomatoes'],
      ['assistant', 'Nice, a garden!'],
      ['user', 'What do I grow?'],
      ['assistant', 'Tomatoes, yes.'],
    ]);
    expect([...namespaces]).toEqual([`${agent.namespace}#${agent.id}`]);
  });

  it('runs tools registered by the user like the built-in ones', async () => {
    const lookups: string[] = [];
    const weather = defineAgentTool({
      definition: {
        name: 'get_weather',
        description: 'Current weather for a city.',
        parameters: z.object({ city: z.string().min(1) }),
      },
      run: ({ city }, context) => {
        lookups.push(`${context.agentId}:${city}`);
        return `Sunny, 24 °C in ${city}`;
      },
    });
    await expect(
      newAgent({ tools: [{ ...weather, definition: { ...weather.definition, name: 'send_message' } }] }),
    ).rejects.toThrow(/defined twice/);
    const agent = await newAgent({ tools: [weather] });
    server.enqueue(callTool('get_weather', { city: 'Lisbon' }), (request) => {
      expect(toolResults(chatRequestBody(request)).at(-1)).toMatchObject({
        status: 'OK',
        message: 'Sunny, 24 °C in Lisbon',
      });
      return send('It is sunny in Lisbon.');
    });
    const result = await agent.step('Weather in Lisbon?');
    expect(result.messages).toEqual(['It is sunny in Lisbon.']);
    expect(lookups).toEqual([`${agent.id}:Lisbon`]);
    expect(
      chatRequestBody(server.chatRequests().at(-2) as RecordedRequest).tools?.map(
        (tool) => tool.function.name,
      ),
    ).toContain('get_weather');
  });

  it('works with a server without tool calling, through the JSON tool mode of the adapter', async () => {
    const model = createOpenAIChatModel({
      model: 'scripted-chat',
      baseURL: server.url,
      apiKey: 'test-key',
      contextWindow: 16_384,
      maxRetries: 0,
      toolMode: 'json',
    });
    const agent = await newAgent({ model });
    const envelope = (value: unknown) => ({ content: JSON.stringify(value) });
    server.enqueue(
      envelope({
        content: 'Remember the name.',
        tool_calls: [
          {
            name: 'core_memory_replace',
            arguments: { label: 'human', old_content: 'unknown', new_content: 'Bea' },
          },
        ],
      }),
      envelope({ tool_calls: [{ name: 'send_message', arguments: { message: 'Hello Bea!' } }] }),
    );
    const result = await agent.step('I am Bea');
    expect(result.messages).toEqual(['Hello Bea!']);
    expect(agent.blocks()[1]?.value).toBe('Name: Bea');
    expect(lastChat().tools).toBeUndefined();
  });

  it('works without streaming too', async () => {
    const agent = await newAgent({ config: { stream: false } });
    server.enqueue(send('Plain.'), send('Still plain.'));
    expect((await agent.step('hi')).messages).toEqual(['Plain.']);
    expect(lastChat().stream).not.toBe(true);
    expect((await agent.step('the walrus question')).messages).toEqual(['Still plain.']);
    expect((await agent.searchRecall('walrus', 3))[0]?.content).toBe('the walrus question');
    await agent.close();
  });
});
