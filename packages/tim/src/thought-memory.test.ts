import { createInMemoryStore, type Filter, LociError, ProviderError } from '@loci/core';
import { describeMemoryConformance } from '@loci/testing/memory-conformance';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bagOfWordsEmbedder, echoThoughts, readPrompt, recordingModel } from './__fixtures__/fakes.js';
import type { ThoughtEvent } from './thought-events.js';
import { createThoughtMemory, type ThoughtMemory } from './thought-memory.js';
import type { ThoughtMemoryOptions } from './thought-memory-options.js';
import { lshTable, thoughtsTable } from './thought-tables.js';

const day = (d: number) => new Date(Date.UTC(2023, 4, d, 12));

function setup(options: Partial<ThoughtMemoryOptions> = {}) {
  const events: ThoughtEvent[] = [];
  const store = createInMemoryStore();
  const embedder = bagOfWordsEmbedder();
  const memory = createThoughtMemory({
    embedder,
    store,
    onEvent: (event) => events.push(event),
    ...options,
  });
  return { memory, store, embedder, events };
}

function turn(id: string, speaker: string, text: string, at = day(1)) {
  return { type: 'turn' as const, id, speaker, text, at };
}

describeMemoryConformance('createThoughtMemory (post-thinking every exchange, in-memory store)', async () => {
  const model = recordingModel(echoThoughts);
  return {
    memory: createThoughtMemory({
      model,
      embedder: bagOfWordsEmbedder(),
      store: createInMemoryStore(),
      postThink: { every: 1 },
    }),
  };
});

describe('thoughts supplied without a model', () => {
  it('stores, lists and recalls them as thoughts with their sources', async () => {
    const { memory } = setup();
    const outcomes = await memory.addThoughts({
      namespace: 'n',
      thoughts: [
        {
          subject: 'Caroline',
          relation: 'attended',
          object: 'LGBTQ support group',
          text: 'Caroline attended an LGBTQ support group on 7 May 2023.',
          sources: ['D1:3'],
          at: day(8),
          validFrom: day(7),
        },
        {
          subject: 'Melanie',
          text: 'Melanie painted a lake sunrise last year.',
          sources: ['D1:14'],
          at: day(8),
        },
      ],
    });
    expect(outcomes.map((outcome) => outcome.action)).toEqual(['created', 'created']);
    const items = await memory.recall({
      query: 'What support group did Caroline attend?',
      namespace: 'n',
      k: 5,
    });
    expect(items[0]).toMatchObject({ kind: 'thought', sources: ['D1:3'] });
    expect(items[0]?.text).toBe('[2023-05-07] Caroline attended an LGBTQ support group on 7 May 2023.');
    expect(items[0]?.tokens).toBeGreaterThan(5);
    const listed = await memory.listThoughts({ namespace: 'n' });
    expect(listed.map((thought) => thought.subject)).toEqual(['Caroline', 'Melanie']);
    expect(listed[0]).toMatchObject({ relation: 'attended', object: 'LGBTQ support group' });
    // Observing without a model keeps nothing and calls nothing.
    await memory.observe({ namespace: 'n', event: turn('D2:1', 'Caroline', 'I went hiking yesterday.') });
    expect(await memory.recall({ query: 'hiking', namespace: 'n', k: 5 })).not.toContainEqual(
      expect.objectContaining({ sources: ['D2:1'] }),
    );
  });

  it('recalls a superseded thought for a past time only, and keeps it in history', async () => {
    const { memory } = setup();
    const [first] = await memory.addThoughts({
      namespace: 'n',
      thoughts: [
        {
          subject: 'Ana',
          relation: 'lives in',
          object: 'Porto',
          text: 'Ana lives in Porto.',
          sources: ['t1'],
          at: day(1),
        },
      ],
    });
    const [second] = await memory.addThoughts({
      namespace: 'n',
      thoughts: [
        {
          subject: 'Ana',
          relation: 'lives in',
          object: 'Lisbon',
          text: 'Ana moved to Lisbon and lives there now.',
          sources: ['t9'],
          at: day(20),
          supersedes: first?.id as string,
        },
      ],
    });
    expect(second).toMatchObject({ action: 'superseded', closed: first?.id, reason: 'updated' });
    const now = await memory.recall({ query: 'Where does Ana live?', namespace: 'n', k: 5 });
    expect(now.flatMap((item) => item.sources)).toEqual(['t9']);
    const then = await memory.recall({ query: 'Where does Ana live?', namespace: 'n', k: 5, at: day(10) });
    expect(then.flatMap((item) => item.sources)).toEqual(['t1']);
    const history = await memory.history({ namespace: 'n', subject: ' ana ' });
    expect(history.map((thought) => [thought.object, thought.validTo, thought.supersededBy])).toEqual([
      ['Porto', day(20), second?.id],
      ['Lisbon', undefined, undefined],
    ]);
    const all = await memory.recall({ query: 'Where does Ana live?', namespace: 'n', k: 5, history: true });
    expect(all.find((item) => item.sources[0] === 't1')?.text).toMatch(/until 2023-05-20; updated/);
  });

  it('does not store a near-duplicate twice, and merges same-subject thoughts by rule', async () => {
    // Two buckets, so the test is about the rule rather than where the hash puts these texts.
    const { memory } = setup({ mergeThreshold: 0.8, buckets: 2, probes: 2 });
    const text = 'Ben rows on the canal every Sunday morning.';
    const outcomes = await memory.addThoughts({
      namespace: 'n',
      thoughts: [
        { subject: 'Ben', text, sources: ['a'] },
        { subject: 'Someone', text: `${text}`, sources: ['b'] },
        {
          subject: 'ben',
          text: 'Ben rows on the canal every Sunday morning with his friends.',
          sources: ['c'],
        },
        {
          subject: 'Lucia',
          text: 'Lucia rows on the canal every Sunday morning.',
          sources: ['d'],
        },
      ],
    });
    expect(outcomes.map((outcome) => outcome.action)).toEqual(['created', 'folded', 'folded', 'created']);
    expect(outcomes[1]).toMatchObject({ why: 'duplicate', into: outcomes[0]?.id });
    expect(outcomes[2]).toMatchObject({ why: 'merge', into: outcomes[0]?.id });
    const listed = (await memory.listThoughts({ namespace: 'n' })).sort((a, b) =>
      a.subject.localeCompare(b.subject),
    );
    expect(listed.map((thought) => [thought.subject, thought.sources])).toEqual([
      ['Ben', ['a', 'b', 'c']],
      ['Lucia', ['d']],
    ]);
    // Also across calls: the stored thought is found in its bucket.
    const again = await memory.addThoughts({
      namespace: 'n',
      thoughts: [{ subject: 'Ben', text, sources: ['e'] }],
    });
    expect(again[0]).toMatchObject({ action: 'folded', into: outcomes[0]?.id });
  });

  it('folds a stored near-duplicate the same way when a bulk write reads its bucket at once', async () => {
    // Two buckets and 40 thoughts close to Ben's: his bucket gets 16 or more, the read-once path.
    const { memory } = setup({ buckets: 2, probes: 2 });
    const text = 'Ben rows on the canal every Sunday morning.';
    const [first] = await memory.addThoughts({
      namespace: 'n',
      thoughts: [{ subject: 'Ben', text, sources: ['a'] }],
    });
    const bulk = Array.from({ length: 40 }, (_, index) => ({
      subject: `Person ${index}`,
      text: `Person ${index} rows on the canal every Sunday evening with ${['a dog', 'two cousins', 'a radio', 'tea'][index % 4]}.`,
      sources: [`s${index}`],
    }));
    const outcomes = await memory.addThoughts({
      namespace: 'n',
      thoughts: [...bulk.slice(0, 20), { subject: 'Ben', text, sources: ['b'] }, ...bulk.slice(20)],
    });
    expect(outcomes[20]).toMatchObject({ action: 'folded', why: 'duplicate', into: first?.id });
    expect(outcomes.filter((outcome) => outcome.action === 'created')).toHaveLength(40);
    const ben = await memory.history({ namespace: 'n', subject: 'Ben' });
    expect(ben.map((thought) => thought.sources)).toEqual([['a', 'b']]);
  });

  it('searches every bucket while the namespace is small, and probes once it outgrows exactUpTo', async () => {
    const store = createInMemoryStore();
    // Records the buckets each vector search of the thoughts table was limited to (all: none).
    const probed: (number | 'all')[] = [];
    const recording: typeof store = {
      ...store,
      async openTable(definition) {
        const table = await store.openTable(definition);
        if (!definition.name.startsWith('tim_thoughts_')) return table;
        return {
          ...table,
          search(options) {
            if (options.mode === 'vector') probed.push(bucketsIn(options.filter));
            return table.search(options);
          },
        };
      },
    };
    const memory = createThoughtMemory({
      embedder: bagOfWordsEmbedder(),
      store: recording,
      buckets: 16,
      probes: 2,
      exactUpTo: 3,
    });
    const thoughts = ['kayak', 'cello', 'orchid', 'falcon'].map((word, index) => ({
      subject: `P${index}`,
      text: `P${index} loves the ${word}.`,
      sources: [`t${index}`],
    }));
    await memory.addThoughts({ namespace: 'n', thoughts: thoughts.slice(0, 3) });
    await memory.recall({ query: 'kayak', namespace: 'n', k: 3 });
    expect(probed.at(-1)).toBe('all');
    // A fourth thought: the count is taken again after the write, and the search probes 2 buckets.
    await memory.addThoughts({ namespace: 'n', thoughts: thoughts.slice(3) });
    await memory.recall({ query: 'kayak', namespace: 'n', k: 3 });
    expect(probed.at(-1)).toBe(2);
    // Forgetting one brings it back under.
    await memory.forget({ namespace: 'n', sources: ['t3'] });
    await memory.recall({ query: 'kayak', namespace: 'n', k: 3 });
    expect(probed.at(-1)).toBe('all');
  });

  it('refuses bad thoughts with an error naming the field, writing nothing', async () => {
    const { memory } = setup();
    const error = await memory
      .addThoughts({
        namespace: 'n',
        thoughts: [
          { subject: 'A', text: 'fine', sources: ['x'] },
          { subject: 'B', text: 'no provenance', sources: [] },
        ],
      })
      .catch((caught: unknown) => caught);
    expect(LociError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/thoughts\.1\.sources/);
    expect(await memory.listThoughts({ namespace: 'n' })).toEqual([]);
  });
});

describe('hard deletion', () => {
  async function seeded() {
    const { memory, store, embedder } = setup();
    await memory.addThoughts({
      namespace: 'n',
      thoughts: [
        { subject: 'Ana', text: 'Ana adopted a grey cat called Pixel.', sources: ['t1'] },
        { subject: 'Ana', text: 'Ana has a sister Lucia who teaches mathematics.', sources: ['t2', 't3'] },
        { subject: 'Ben', text: 'Ben fixed the brakes on his blue bicycle.', sources: ['t4'] },
      ],
    });
    const table = await store.openTable(thoughtsTable(embedder.modelId, embedder.dimensions));
    const [vector] = await embedder.embed(['Pixel cat Lucia mathematics bicycle brakes'], { kind: 'query' });
    const everything = async () => {
      const text = 'Pixel cat Lucia mathematics bicycle brakes Ana Ben';
      const hits = [
        ...(await table.search({ namespace: 'n', mode: 'vector', vector: vector as Float32Array, k: 50 })),
        ...(await table.search({ namespace: 'n', mode: 'text', text, k: 50 })),
        ...(await table.search({
          namespace: 'n',
          mode: 'hybrid',
          text,
          vector: vector as Float32Array,
          k: 50,
        })),
      ].map((hit) => hit.row.sources.join(','));
      const recalled = (await memory.recall({ query: text, namespace: 'n', k: 50, history: true })).map(
        (item) => item.sources.join(','),
      );
      const listed = (await memory.listThoughts({ namespace: 'n', history: true })).map((thought) =>
        thought.sources.join(','),
      );
      return new Set([...hits, ...recalled, ...listed]);
    };
    return { memory, everything };
  }

  it('by sources leaves nothing derived from those turns in any search', async () => {
    const { memory, everything } = await seeded();
    expect(await everything()).toEqual(new Set(['t1', 't2,t3', 't4']));
    expect(await memory.forget({ namespace: 'n', sources: ['t3'] })).toEqual({ thoughts: 1, turns: 0 });
    expect(await everything()).toEqual(new Set(['t1', 't4']));
  });

  it('by subject and all', async () => {
    const { memory, everything } = await seeded();
    expect(await memory.forget({ namespace: 'n', subject: 'ANA' })).toMatchObject({ thoughts: 2 });
    expect(await everything()).toEqual(new Set(['t4']));
    // A bare namespace is Memory.forget: all of it, counted in thoughts.
    expect(await memory.forget({ namespace: 'n' })).toBe(1);
    expect(await everything()).toEqual(new Set());
    expect(await memory.forget({ namespace: 'n', all: true })).toMatchObject({ thoughts: 0 });
    const error = await memory
      .forget({ namespace: 'n', sources: [] } as never)
      .catch((caught: unknown) => caught);
    expect(LociError.isInstance(error)).toBe(true);
  });
});

describe('namespaces', () => {
  it('never see each other’s thoughts, whatever the ids', async () => {
    const id = fc.string({ minLength: 1, maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(id, id).filter(([a, b]) => a !== b),
        fc.array(fc.tuple(fc.option(id, { nil: undefined }), id), { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.option(id, { nil: undefined }), id), { minLength: 1, maxLength: 4 }),
        async ([first, second], ofFirst, ofSecond) => {
          const { memory } = setup();
          const add = (namespace: string, entries: [string | undefined, string][], tag: string) =>
            memory.addThoughts({
              namespace,
              thoughts: entries.map(([thoughtId, source], index) => ({
                ...(thoughtId === undefined ? {} : { id: thoughtId }),
                subject: 'Ana',
                text: `Ana noted fact ${index} about the shared topic.`,
                sources: [`${tag}${source}`],
              })),
            });
          await add(first, ofFirst, 'A:');
          await add(second, ofSecond, 'B:');
          for (const [namespace, tag] of [
            [first, 'A:'],
            [second, 'B:'],
          ] as const) {
            const recalled = await memory.recall({
              query: 'Ana noted fact about the shared topic',
              namespace,
              k: 50,
              history: true,
            });
            const listed = await memory.listThoughts({ namespace, history: true });
            for (const source of [
              ...recalled.flatMap((item) => item.sources),
              ...listed.flatMap((t) => t.sources),
            ])
              expect(source.startsWith(tag)).toBe(true);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

/** The alias the prompt gave an existing thought; fails the test when it was not shown. */
function aliasOf(options: never, text: string): string {
  const shown = readPrompt(options).existing.find((thought) => thought.text === text);
  if (!shown) throw new Error(`"${text}" was not among the candidate thoughts`);
  return shown.id;
}

describe('post-thinking', () => {
  const exchange = (n: number, at = day(n)) => [
    turn(`u${n}`, 'Ana', `Exchange ${n}: I visited museum number ${n} in Lisbon.`, at),
    turn(`a${n}`, 'Ben', `Exchange ${n}: nice, museum ${n} sounds great.`, at),
  ];

  async function observeAll(memory: ThoughtMemory, events: ReturnType<typeof exchange>) {
    for (const event of events) await memory.observe({ namespace: 'n', event });
  }

  it('batches every N exchanges and at a session boundary, and reports calls and tokens per exchange', async () => {
    const model = recordingModel(echoThoughts);
    const { memory } = setup({ model, postThink: { every: 2 } });
    await observeAll(memory, exchange(1));
    await memory.flush();
    expect(model.calls).toHaveLength(1); // flush post-thinks what is queued
    for (const n of [2, 3, 4, 5]) await observeAll(memory, exchange(n));
    await memory.flush();
    expect(model.calls.map((call) => readPrompt(call).turns.map((t) => t.id))).toEqual([
      ['u1', 'a1'],
      ['u2', 'a2', 'u3', 'a3'],
      ['u4', 'a4', 'u5', 'a5'],
    ]);
    await observeAll(memory, exchange(6));
    expect(model.calls).toHaveLength(3); // one exchange waits for the next
    await memory.observe({
      namespace: 'n',
      event: { type: 'session', id: 's1', boundary: 'end', at: day(7) },
    });
    await memory.flush();
    expect(model.calls).toHaveLength(4);
    const stats = memory.stats();
    expect(stats).toMatchObject({ exchanges: 6, turns: 12, postThinkCalls: 4, failedCalls: 0, created: 12 });
    expect(stats.callsPerExchange).toBeCloseTo(4 / 6);
    expect(stats.tokensPerExchange).toBeGreaterThan(0);
    expect(stats.every).toBe(2);
    expect(stats.inputTokensPerExchange).toBeCloseTo(stats.inputTokens / 6);
    expect(stats.outputTokensPerExchange).toBeCloseTo(stats.outputTokens / 6);
    expect(stats.inputTokensPerExchange + stats.outputTokensPerExchange).toBeCloseTo(stats.tokensPerExchange);
  });

  it('keeps the turns queued and recallable when a call fails, says so, and succeeds on retry', async () => {
    const model = recordingModel(echoThoughts);
    model.queue.push(
      new ProviderError('upstream 503', { status: 503 }),
      new ProviderError('again', { status: 503 }),
    );
    const { memory, events } = setup({ model, postThink: { every: 1 } });
    await observeAll(memory, exchange(1));
    // The background call fails; flush tries once more and reports that failure.
    const error = await memory.flush().catch((caught: unknown) => caught);
    expect(LociError.isInstance(error) && error.code).toBe('post_think_failed');
    expect(events.filter((event) => event.type === 'post-think-failed')).toEqual([
      expect.objectContaining({ turns: ['u1', 'a1'], attempt: 1 }),
      expect.objectContaining({ turns: ['u1', 'a1'], attempt: 2 }),
    ]);
    const pending = await memory.recall({ query: 'museum Lisbon', namespace: 'n', k: 5 });
    expect(pending.map((item) => [item.kind, item.sources[0]])).toEqual(
      expect.arrayContaining([
        ['turn', 'u1'],
        ['turn', 'a1'],
      ]),
    );
    // The next trigger retries the queued turns together with the new ones.
    await observeAll(memory, exchange(2));
    await memory.flush();
    expect(
      readPrompt(model.calls[2] as never)
        .turns.map((t) => t.id)
        .slice(0, 2),
    ).toEqual(['u1', 'a1']);
    const items = await memory.recall({ query: 'museum Lisbon', namespace: 'n', k: 10 });
    expect(items.every((item) => item.kind === 'thought')).toBe(true);
    expect(new Set(items.flatMap((item) => item.sources))).toEqual(new Set(['u1', 'a1', 'u2', 'a2']));
  });

  it('treats an out-of-schema reply as malformed and an unknown turn id as a dropped thought', async () => {
    const model = recordingModel();
    model.queue.push({ thoughts: [{ subject: 'Ana', text: 'no label or sources' }] });
    const { memory, events } = setup({ model, postThink: { every: 100 } });
    await observeAll(memory, exchange(1));
    const error = await memory.flush().catch((caught: unknown) => caught);
    expect(LociError.isInstance(error) && error.code).toBe('post_think_malformed');
    expect(await memory.listThoughts({ namespace: 'n' })).toEqual([]);
    model.queue.push({
      thoughts: [
        {
          subject: 'Ana',
          relation: 'visited',
          object: 'museum 1',
          text: 'Ana visited museum 1 in Lisbon.',
          sources: ['u1'],
          label: 'new',
        },
        {
          subject: 'Ana',
          relation: 'owns',
          object: 'boat',
          text: 'Ana owns a boat.',
          sources: ['u1', 'D99:1'],
          label: 'new',
        },
        {
          subject: 'Ana',
          relation: 'likes',
          object: 'art',
          text: 'Ana likes art.',
          sources: ['a1'],
          label: 'update',
          target: 'T7',
        },
      ],
    });
    await memory.flush();
    expect((await memory.listThoughts({ namespace: 'n' })).map((thought) => thought.text)).toEqual([
      'Ana visited museum 1 in Lisbon.',
    ]);
    expect(
      events
        .filter((event) => event.type === 'thought-dropped')
        .map((event) => 'reason' in event && event.reason),
    ).toEqual(['unknown-source', 'unknown-target']);
  });

  it('labels against recalled candidates: same folds sources, update and contradicts close the old thought', async () => {
    const model = recordingModel();
    const { memory } = setup({ model, postThink: { every: 1 } });
    const [old] = await memory.addThoughts({
      namespace: 'n',
      thoughts: [
        {
          subject: 'Ana',
          relation: 'lives in',
          object: 'Porto',
          text: 'Ana lives in Porto.',
          sources: ['t0'],
          at: day(1),
        },
      ],
    });
    model.queue.push((options: never) => {
      const { existing } = readPrompt(options);
      const porto = existing.find((thought) => thought.text === 'Ana lives in Porto.');
      return {
        thoughts: [
          {
            subject: 'Ana',
            relation: 'lives in',
            object: 'Porto',
            text: 'Ana lives in Porto.',
            sources: ['u1'],
            label: 'same',
            target: porto?.id,
          },
        ],
      };
    });
    await observeAll(memory, [
      turn('u1', 'Ana', 'I still live in Porto.', day(5)),
      turn('a1', 'Ben', 'Lovely city.', day(5)),
    ]);
    await memory.flush();
    let thoughts = await memory.listThoughts({ namespace: 'n' });
    expect(thoughts.map((thought) => thought.sources)).toEqual([['t0', 'u1']]);
    model.queue.push((options: never) => ({
      thoughts: [
        {
          subject: 'Ana',
          relation: 'lives in',
          object: 'Lisbon',
          text: 'Ana moved to Lisbon on 9 May 2023.',
          sources: ['u2'],
          label: 'update',
          target: aliasOf(options, 'Ana lives in Porto.'),
          validFrom: '2023-05-09',
        },
      ],
    }));
    await observeAll(memory, [
      turn('u2', 'Ana', 'I moved to Lisbon yesterday!', day(10)),
      turn('a2', 'Ben', 'Wow.', day(10)),
    ]);
    await memory.flush();
    thoughts = await memory.history({ namespace: 'n', subject: 'Ana' });
    expect(thoughts.map((thought) => [thought.object, thought.validTo, thought.closedReason])).toEqual([
      ['Porto', new Date(Date.UTC(2023, 4, 9)), 'updated'],
      ['Lisbon', undefined, undefined],
    ]);
    expect(thoughts[0]?.id).toBe(old?.id);
    expect(thoughts[0]?.supersededBy).toBe(thoughts[1]?.id);
    model.queue.push((options: never) => ({
      thoughts: [
        {
          subject: 'Ana',
          relation: 'lives in',
          object: 'Braga',
          text: 'Ana actually lives in Braga, not Lisbon.',
          sources: ['u3'],
          label: 'contradicts',
          target: aliasOf(options, 'Ana moved to Lisbon on 9 May 2023.'),
        },
      ],
    }));
    await observeAll(memory, [
      turn('u3', 'Ana', 'Correction: I live in Braga.', day(12)),
      turn('a3', 'Ben', 'Ah, ok.', day(12)),
    ]);
    await memory.flush();
    const present = await memory.listThoughts({ namespace: 'n' });
    expect(present.map((thought) => thought.object)).toEqual(['Braga']);
    const closed = (await memory.history({ namespace: 'n', subject: 'Ana' })).find(
      (thought) => thought.object === 'Lisbon',
    );
    expect(closed?.closedReason).toBe('contradicted');
  });

  it('skips an empty turn, cuts a 100k-character turn in the prompt, and times out cleanly', async () => {
    const model = recordingModel();
    const { memory, events } = setup({ model, postThink: { every: 100, maxTurnTokens: 200, timeoutMs: 50 } });
    await memory.observe({ namespace: 'n', event: turn('e1', 'Ana', '   ') });
    expect(events).toContainEqual({ type: 'turn-skipped', namespace: 'n', turn: 'e1', reason: 'empty' });
    model.queue.push(
      (options: { signal?: AbortSignal }) =>
        new Promise((resolve) =>
          options.signal?.addEventListener('abort', () => resolve(new Error('aborted'))),
        ),
    );
    await observeAll(memory, [
      turn('big', 'Ana', 'word '.repeat(20_000)),
      turn('r', 'Ben', 'That was long.'),
    ]);
    const error = await memory.flush().catch((caught: unknown) => caught);
    expect(LociError.isInstance(error) && error.code).toBe('post_think_timeout');
    model.queue.push(echoThoughts);
    await memory.flush();
    const prompt = readPrompt(model.calls[1] as never).prompt;
    expect(prompt.length).toBeLessThan(5_000);
    expect(events).toContainEqual({ type: 'turn-truncated', namespace: 'n', turn: 'big' });
    // The thought keeps the whole turn as its source.
    const sources = (await memory.listThoughts({ namespace: 'n' })).flatMap((thought) => thought.sources);
    expect(sources.sort()).toEqual(['big', 'r']);
  });

  it('does not write a thought whose turn was forgotten while the call ran', async () => {
    const model = recordingModel();
    const { memory } = setup({ model, postThink: { every: 1 } });
    let release: () => void = () => undefined;
    model.queue.push(async (options: never) => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return echoThoughts(options);
    });
    await observeAll(memory, exchange(1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await memory.forget({ namespace: 'n', sources: ['u1'] })).toEqual({ thoughts: 0, turns: 1 });
    release();
    await memory.flush();
    expect((await memory.listThoughts({ namespace: 'n' })).flatMap((thought) => thought.sources)).toEqual([
      'a1',
    ]);
  });
});

describe('idle post-thinking', () => {
  it('post-thinks what is queued once no turn came for idleMs', async () => {
    const model = recordingModel(echoThoughts);
    const { memory } = setup({ model, postThink: { every: 100, idleMs: 30 } });
    await memory.observe({ namespace: 'n', event: turn('i1', 'Ana', 'I planted tomatoes in the garden.') });
    await memory.observe({ namespace: 'n', event: turn('i2', 'Ben', 'Tomatoes need sun.') });
    expect(model.calls).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(model.calls).toHaveLength(1);
    await memory.close();
    expect((await memory.listThoughts({ namespace: 'n' })).flatMap((t) => t.sources).sort()).toEqual([
      'i1',
      'i2',
    ]);
  });
});

describe('the LSH matrix', () => {
  it('is stored with the memory on the first write, so a memory opened later keeps the buckets', async () => {
    const store = createInMemoryStore();
    const embedder = bagOfWordsEmbedder();
    const first = createThoughtMemory({ embedder, store, seed: 1 });
    await first.recall({ query: 'anything', namespace: 'n' });
    const lshRows = await store.openTable(lshTable(embedder.modelId));
    expect(await lshRows.count({ namespace: 'n' })).toBe(0); // a recall writes nothing
    const texts = [
      'Ana adopted a grey cat called Pixel.',
      'Ben fixed the brakes on his bicycle.',
      'Lucia teaches maths.',
    ];
    await first.addThoughts({
      namespace: 'n',
      thoughts: texts.map((text, i) => ({ subject: 'x', text, sources: [`s${i}`] })),
    });
    expect(await lshRows.count({ namespace: 'n' })).toBe(1);
    // Another seed in the options: the stored matrix wins, so every duplicate lands in its original's bucket.
    const later = createThoughtMemory({ embedder, store, seed: 2 });
    const outcomes = await later.addThoughts({
      namespace: 'n',
      thoughts: texts.map((text, i) => ({ subject: 'x', text, sources: [`again${i}`] })),
    });
    expect(outcomes.map((outcome) => outcome.action)).toEqual(['folded', 'folded', 'folded']);
    await later.forget({ namespace: 'n', all: true });
    expect(await lshRows.count({ namespace: 'n' })).toBe(0);
  });
});

/** How many buckets a filter limits a search to ('all' when it names none). */
function bucketsIn(filter: Filter | undefined): number | 'all' {
  if (!filter) return 'all';
  if (filter.op === 'in' && filter.field === 'bucket') return filter.values.length;
  if (filter.op === 'and') {
    const counts = filter.filters.map(bucketsIn).filter((count) => count !== 'all');
    return counts[0] ?? 'all';
  }
  return 'all';
}
