import { join } from 'node:path';
import { LociError, type MemoryStore } from '@loci/core';
import { createLanceStore } from '@loci/lancedb';
import { createOpenAIChatModel, createOpenAIEmbedder } from '@loci/openai';
import { describeMemoryConformance } from '@loci/testing/memory-conformance';
import {
  chatRequestBody,
  type RecordedRequest,
  type ScriptedServer,
  startScriptedServer,
} from '@loci/testing/scripted-server';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoThoughts, readPrompt, recordingModel } from './__fixtures__/fakes.js';
import type { ThoughtEvent } from './thought-events.js';
import { createThoughtMemory } from './thought-memory.js';
import { thoughtsTable } from './thought-tables.js';

let server: ScriptedServer;
let dir: { path: string; remove: () => Promise<void> };
let store: MemoryStore;

beforeAll(async () => {
  server = await startScriptedServer();
  dir = await makeTempDir('loci-tim-');
  store = await createLanceStore({ uri: join(dir.path, 'store') });
});

afterAll(async () => {
  await store.close();
  await server.close();
  await dir.remove();
});

const at = (d: number, h = 13) => new Date(Date.UTC(2023, 4, d, h));

function prompt(request: RecordedRequest) {
  const body = chatRequestBody(request);
  return readPrompt({ messages: body.messages as never });
}

/** The alias the prompt gave an existing thought, or a test failure naming it. */
function aliasOf(request: RecordedRequest, text: string): string {
  const shown = prompt(request).existing.find((thought) => thought.text === text);
  if (!shown) throw new Error(`"${text}" was not among the candidate thoughts`);
  return shown.id;
}

/** The chat model and the embedder, both served by the scripted server. */
function scriptedProviders(toolMode: 'native' | 'json' = 'native') {
  return {
    model: createOpenAIChatModel({
      model: 'scripted-chat',
      baseURL: server.url,
      apiKey: 'test-key',
      maxRetries: 0,
      toolMode,
    }),
    embedder: createOpenAIEmbedder({
      model: 'scripted-embed',
      baseURL: server.url,
      apiKey: 'test-key',
      dimensions: 64,
    }),
  };
}

function reply(thoughts: Record<string, unknown>[]) {
  return { content: JSON.stringify({ thoughts }) };
}

for (const toolMode of ['native', 'json'] as const) {
  describe(`post-thinking through the OpenAI adapter (${toolMode} mode) and LanceDB`, () => {
    function setup() {
      const events: ThoughtEvent[] = [];
      const memory = createThoughtMemory({
        ...scriptedProviders(toolMode),
        store,
        postThink: { every: 1, timeoutMs: 1500 },
        onEvent: (event) => events.push(event),
      });
      const namespace = `tim-${toolMode}-${Date.now().toString(36)}`;
      const exchange = async (n: number, user: string, answer: string, day: number) => {
        await memory.observe({
          namespace,
          event: { type: 'turn', id: `D${n}:1`, speaker: 'Caroline', text: user, at: at(day) },
        });
        await memory.observe({
          namespace,
          event: { type: 'turn', id: `D${n}:2`, speaker: 'Melanie', text: answer, at: at(day) },
        });
        await memory.flush();
      };
      return { memory, events, namespace, exchange };
    }

    it('writes, folds, updates and contradicts thoughts, and recalls them as of a time', async () => {
      const { memory, events, namespace, exchange } = setup();
      const start = server.chatRequests().length;
      server.enqueue((request) => {
        const body = chatRequestBody(request);
        // The structured reply is asked for the provider's way.
        expect(body.response_format?.type).toBe(toolMode === 'native' ? 'json_schema' : 'json_object');
        expect(prompt(request).turns.map((turn) => turn.id)).toEqual(['D1:1', 'D1:2']);
        expect(prompt(request).turns[0]?.time).toBe('2023-05-08 13:00');
        return reply([
          {
            subject: 'Caroline',
            relation: 'attended',
            object: 'LGBTQ support group',
            text: 'Caroline attended an LGBTQ support group on 7 May 2023.',
            sources: ['D1:1'],
            label: 'new',
            validFrom: '2023-05-07',
          },
        ]);
      });
      await exchange(1, 'I went to a LGBTQ support group yesterday.', 'That is brave!', 8);
      let thoughts = await memory.listThoughts({ namespace });
      expect(thoughts).toHaveLength(1);
      expect(thoughts[0]).toMatchObject({
        subject: 'Caroline',
        sources: ['D1:1'],
        validFrom: new Date(Date.UTC(2023, 4, 7)),
      });

      // A near-duplicate labelled new is not stored twice; `same` folds its sources in too.
      server.enqueue(
        reply([
          {
            subject: 'Caroline',
            relation: 'attended',
            object: 'LGBTQ support group',
            text: 'Caroline attended an LGBTQ support group on 7 May 2023.',
            sources: ['D2:1'],
            label: 'new',
          },
        ]),
        (request) =>
          reply([
            {
              subject: 'Caroline',
              relation: 'attended',
              object: 'LGBTQ support group',
              text: 'Caroline went to the support group.',
              sources: ['D3:2'],
              label: 'same',
              target: aliasOf(request, 'Caroline attended an LGBTQ support group on 7 May 2023.'),
            },
          ]),
      );
      await exchange(2, 'The support group on 7 May was great.', 'Glad to hear.', 9);
      await exchange(3, 'Did I tell you about the support group?', 'Yes, you went to the support group.', 10);
      thoughts = await memory.listThoughts({ namespace });
      expect(thoughts.map((thought) => thought.sources)).toEqual([['D1:1', 'D2:1', 'D3:2']]);

      // An update closes the old thought; a contradiction closes the update.
      server.enqueue(
        reply([
          {
            subject: 'Caroline',
            relation: 'works as',
            object: 'counselor',
            text: 'Caroline works as a counselor since 1 June 2023.',
            sources: ['D4:1'],
            label: 'new',
            validFrom: '2023-06-01',
          },
        ]),
        (request) =>
          reply([
            {
              subject: 'Caroline',
              relation: 'works as',
              object: 'art therapist',
              text: 'Caroline works as an art therapist since 1 July 2023.',
              sources: ['D5:1'],
              label: 'update',
              target: aliasOf(request, 'Caroline works as a counselor since 1 June 2023.'),
              validFrom: '2023-07-01',
            },
          ]),
        (request) =>
          reply([
            {
              subject: 'Caroline',
              relation: 'works as',
              object: 'teacher',
              text: 'Caroline works as a teacher, not as an art therapist.',
              sources: ['D6:1'],
              label: 'contradicts',
              target: aliasOf(request, 'Caroline works as an art therapist since 1 July 2023.'),
            },
          ]),
      );
      await exchange(4, 'I started working as a counselor on 1 June.', 'Congrats!', 20);
      await exchange(5, 'I switched jobs: I work as an art therapist since July.', 'Exciting!', 40);
      await exchange(6, 'Sorry, I misspoke: I work as a teacher, not an art therapist.', 'Oh, ok.', 45);
      // Validity, not ranking: what is recalled for the present and for 10 June (the correction came on 14 June).
      const job = 'Caroline works as';
      const present = (await memory.recall({ query: job, namespace, k: 10 })).flatMap((item) => item.sources);
      expect(present).toContain('D6:1');
      expect(present).not.toContain('D5:1');
      expect(present).not.toContain('D4:1');
      const june = (
        await memory.recall({ query: job, namespace, k: 10, at: new Date(Date.UTC(2023, 5, 10)) })
      ).flatMap((item) => item.sources);
      expect(june).toContain('D4:1');
      expect(june).not.toContain('D5:1');
      expect(june).not.toContain('D6:1');
      const history = await memory.history({ namespace, subject: 'caroline' });
      const closed = history.filter((thought) => thought.validTo !== undefined);
      expect(closed.map((thought) => [thought.object, thought.closedReason])).toEqual([
        ['counselor', 'updated'],
        ['art therapist', 'contradicted'],
      ]);

      const calls = server.chatRequests().length - start;
      expect(calls).toBe(6);
      const stats = memory.stats();
      expect(stats.postThinkCalls).toBe(6);
      expect(stats.inputTokens).toBeGreaterThan(0);
      expect(stats.callsPerExchange).toBe(1);
      expect(events.filter((event) => event.type === 'post-think-failed')).toEqual([]);
    });

    it('keeps turns queued through a malformed reply and a timeout, and says so', async () => {
      const { memory, events, namespace } = setup();
      server.enqueue(
        { content: 'Sure! Here are the thoughts: none.' },
        { delayMs: 5000, content: '{"thoughts": []}' },
      );
      await memory.observe({
        namespace,
        event: { type: 'turn', id: 'x1', speaker: 'Ana', text: 'I bought a red kayak.', at: at(1) },
      });
      await memory.observe({
        namespace,
        event: { type: 'turn', id: 'x2', speaker: 'Ben', text: 'Nice kayak!', at: at(1) },
      });
      const error = await memory.flush().catch((caught: unknown) => caught);
      expect(LociError.isInstance(error) && error.code).toBe('post_think_timeout');
      const codes = events.flatMap((event) => (event.type === 'post-think-failed' ? [event.error.code] : []));
      expect(codes).toEqual(['post_think_malformed', 'post_think_timeout']);
      expect(await memory.listThoughts({ namespace })).toEqual([]);
      const pending = await memory.recall({ query: 'red kayak', namespace, k: 2 });
      expect(pending[0]).toMatchObject({ kind: 'turn', sources: ['x1'] });
      server.enqueue(
        reply([
          {
            subject: 'Ana',
            relation: 'bought',
            object: 'red kayak',
            text: 'Ana bought a red kayak.',
            sources: ['x1'],
            label: 'new',
          },
        ]),
      );
      await memory.flush();
      expect((await memory.recall({ query: 'red kayak', namespace, k: 2 }))[0]).toMatchObject({
        kind: 'thought',
        sources: ['x1'],
      });
    });
  });
}

describe('the post-think queue across a restart (LanceDB)', () => {
  function open(storeFolder: MemoryStore, events: ThoughtEvent[] = []) {
    return createThoughtMemory({
      ...scriptedProviders(),
      store: storeFolder,
      postThink: { every: 1, background: false },
      onEvent: (event) => events.push(event),
    });
  }

  it('keeps turns whose post-think failed in the store, and a memory opened later resumes them', async () => {
    const folder = join(dir.path, `restart-${Date.now().toString(36)}`);
    const namespace = 'restart';
    const first = await createLanceStore({ uri: folder });
    const events: ThoughtEvent[] = [];
    const before = open(first, events);
    server.enqueue({ status: 500 });
    await before.observe({
      namespace,
      event: {
        type: 'turn',
        id: 'r1',
        speaker: 'Ana',
        text: 'I adopted a grey cat called Pixel.',
        at: at(2),
      },
    });
    await before.observe({
      namespace,
      event: { type: 'turn', id: 'r2', speaker: 'Ben', text: 'Pixel is a lovely name.', at: at(2) },
    });
    expect(events.filter((event) => event.type === 'post-think-failed')).toHaveLength(1);
    // The process ends here: no flush, no close; only the store's handle goes.
    await first.close();

    const second = await createLanceStore({ uri: folder });
    try {
      const after = open(second);
      const queued = await after.recall({ query: 'grey cat Pixel', namespace, k: 5 });
      expect(queued.map((item) => [item.kind, item.sources])).toEqual(
        expect.arrayContaining([
          ['turn', ['r1']],
          ['turn', ['r2']],
        ]),
      );
      const asked = server.chatRequests().length;
      server.enqueue(
        reply([
          {
            subject: 'Ana',
            relation: 'adopted',
            object: 'grey cat Pixel',
            text: 'Ana adopted a grey cat called Pixel.',
            sources: ['r1'],
            label: 'new',
          },
        ]),
      );
      await after.flush();
      // Both resumed turns went to the one call, in the order they were observed.
      const turns = prompt(server.chatRequests()[asked] as RecordedRequest).turns.map((turn) => turn.id);
      expect(turns).toEqual(['r1', 'r2']);
      expect((await after.listThoughts({ namespace })).map((thought) => thought.sources)).toEqual([['r1']]);
      await after.close();

      // Post-thought turns leave the stored queue: a third opening has nothing to resume.
      const third = open(second);
      const asking = server.chatRequests().length;
      const items = await third.recall({ query: 'grey cat Pixel', namespace, k: 5 });
      expect(items.map((item) => item.kind)).toEqual(['thought']);
      await third.flush();
      expect(server.chatRequests().length).toBe(asking);
      await third.close();
    } finally {
      await second.close();
    }
  });

  it('hard deletion removes queued turns from the stored queue too', async () => {
    const folder = join(dir.path, `restart-forget-${Date.now().toString(36)}`);
    const namespace = 'restart-forget';
    const first = await createLanceStore({ uri: folder });
    const before = open(first);
    server.enqueue({ status: 500 });
    for (const [id, speaker, text] of [
      ['f1', 'Ana', 'My passport number is 12345.'],
      ['f2', 'Ben', 'Keep it safe.'],
    ] as const) {
      await before.observe({ namespace, event: { type: 'turn', id, speaker, text, at: at(3) } });
    }
    expect(await before.forget({ namespace, sources: ['f1'] })).toEqual({ thoughts: 0, turns: 1 });
    await first.close();
    const second = await createLanceStore({ uri: folder });
    try {
      const after = open(second);
      const items = await after.recall({ query: 'passport number', namespace, k: 5 });
      expect(items.map((item) => item.sources)).toEqual([['f2']]);
      expect(await after.forget({ namespace, all: true })).toEqual({ thoughts: 0, turns: 1 });
      expect(await after.recall({ query: 'Keep it safe', namespace, k: 5 })).toEqual([]);
    } finally {
      await second.close();
    }
  });
});

describe('hard deletion on LanceDB', () => {
  it('leaves nothing of the forgotten turns in vector, text or hybrid search', async () => {
    const embedder = createOpenAIEmbedder({
      model: 'scripted-embed',
      baseURL: server.url,
      apiKey: 'test-key',
      dimensions: 64,
    });
    const memory = createThoughtMemory({ embedder, store });
    const namespace = `tim-forget-${Date.now().toString(36)}`;
    await memory.addThoughts({
      namespace,
      thoughts: [
        { subject: 'Ana', text: 'Ana adopted a grey cat called Pixel.', sources: ['t1'] },
        { subject: 'Ana', text: 'Ana has a sister Lucia who teaches mathematics.', sources: ['t2', 't3'] },
        { subject: 'Ben', text: 'Ben fixed the brakes on his blue bicycle.', sources: ['t4'] },
      ],
    });
    const table = await store.openTable(thoughtsTable(embedder.modelId, embedder.dimensions));
    const text = 'Pixel cat Lucia mathematics sister Ana';
    const [vector] = await embedder.embed([text], { kind: 'query' });
    const searchAll = async () =>
      new Set(
        (
          await Promise.all([
            table.search({ namespace, mode: 'vector', vector: vector as Float32Array, k: 20 }),
            table.search({ namespace, mode: 'text', text, k: 20 }),
            table.search({ namespace, mode: 'hybrid', text, vector: vector as Float32Array, k: 20 }),
          ])
        ).flatMap((hits) => hits.map((hit) => hit.row.sources.join(','))),
      );
    expect(await searchAll()).toEqual(new Set(['t1', 't2,t3', 't4']));
    expect(await memory.forget({ namespace, sources: ['t2', 't1'] })).toEqual({ thoughts: 2, turns: 0 });
    expect(await searchAll()).toEqual(new Set(['t4']));
    const recalled = await memory.recall({ query: text, namespace, k: 10, history: true });
    expect(recalled.flatMap((item) => item.sources)).toEqual(['t4']);
  });
});

describeMemoryConformance('createThoughtMemory on LanceDB (post-thinking every exchange)', async () => {
  const embedder = createOpenAIEmbedder({
    model: 'scripted-embed',
    baseURL: server.url,
    apiKey: 'test-key',
    dimensions: 64,
  });
  return {
    memory: createThoughtMemory({
      model: recordingModel(echoThoughts),
      embedder,
      store,
      postThink: { every: 1 },
    }),
  };
});
