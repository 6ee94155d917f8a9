import { ContextOverflowError } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { createFakeLanguageModel } from './__fixtures__/fake-language-model.js';
import { createInMemoryAgentStorage, fakeEmbedder } from './__fixtures__/in-memory-agent-storage.js';
import type { AgentEvent } from './agent-events.js';
import { newAgentState } from './agent-persistence.js';
import type { AgentConfigInput } from './config.js';
import { createContextManager } from './context-manager.js';
import { createStepJournal } from './step-journal.js';

/** A context manager over a fresh state, and a step journal recording into it. */
function setup(config: AgentConfigInput, summary: string | Error = 'Ana talked about trips.') {
  const model = createFakeLanguageModel(() => (summary instanceof Error ? summary : { content: summary }), {
    contextWindow: 2000,
  });
  const storage = createInMemoryAgentStorage();
  const context = createContextManager({ model, toolTokens: 100 });
  const state = newAgentState({ id: 'agent', namespace: 'user', embedder: fakeEmbedder, config });
  const events: AgentEvent[] = [];
  let seq = 0;
  const journal = createStepJournal({
    state,
    at: new Date('2024-05-07T10:00:00Z'),
    storage,
    nextSeq: () => seq++,
    onRecord: (message) => context.remember(message),
    onEvent: (event) => events.push(event),
  });
  const fill = (count: number, words: number) => {
    for (let i = 0; i < count; i++)
      journal.record({ kind: 'user', content: `note ${i} ${'word '.repeat(words)}` });
  };
  return { model, storage, context, journal, events, fill };
}

describe('context manager', () => {
  it('renders the queue in order and counts it', () => {
    const { context, journal, fill } = setup({});
    fill(3, 5);
    const rendered = context.render(journal.draft, '');
    expect(rendered.messages.slice(1).map((message) => String(message.content).slice(0, 6))).toEqual([
      'note 0',
      'note 1',
      'note 2',
    ]);
    expect(rendered.tokens.queue).toBeGreaterThan(0);
    expect(rendered.tokens.tools).toBe(100);
    expect(rendered.tokens.total).toBeGreaterThan(rendered.tokens.queue + 100);
  });

  it('adds a memory-pressure alert once above the warning threshold, without evicting', async () => {
    const { context, journal, events, fill, model } = setup({ replyTokens: 200, warningThreshold: 0.5 });
    const limits = context.limits(journal.draft);
    while (context.render(journal.draft, '').tokens.total <= limits.warning) fill(1, 20);
    await context.prepare(journal, '');
    await context.prepare(journal, '');
    expect(events.filter((event) => event.type === 'memory-pressure')).toHaveLength(1);
    expect(context.queued(journal.draft).at(-1)?.content).toMatch(/^Memory pressure: the context holds/);
    expect(model.calls).toHaveLength(0);
  });

  it('evicts the oldest messages into a recursive summary until the prompt fits, writing them first', async () => {
    const { context, journal, events, fill, model, storage } = setup({ replyTokens: 200 });
    const limits = context.limits(journal.draft);
    while (context.render(journal.draft, '').tokens.total <= limits.flush) fill(1, 20);
    const rendered = await context.prepare(journal, '');
    expect(rendered.tokens.total).toBeLessThanOrEqual(limits.flush);
    const eviction = events.find((event) => event.type === 'eviction');
    expect(eviction).toBeDefined();
    expect(events.filter((event) => event.type === 'summary')).toEqual([
      {
        type: 'summary',
        ok: true,
        tokens: expect.any(Number),
        evicted: (eviction as { messages: number }).messages,
      },
    ]);
    expect(journal.draft.summary).toBe('Ana talked about trips.');
    expect(journal.draft.summarizedCount).toBe((eviction as { messages: number }).messages);
    expect(journal.draft.queue.length + journal.draft.summarizedCount).toBe(journal.draft.recallCount);
    // The summary call has no tools and gets the evicted messages; they are in recall storage.
    expect(model.calls[0]?.tools).toBeUndefined();
    expect(String(model.calls[0]?.messages[1]?.content)).toContain('note 0');
    // Everything recorded before the eviction (the memory-pressure alert too) was written first.
    expect(storage.messages.length).toBe(journal.draft.recallCount);
    expect(events.findIndex((event) => event.type === 'memory-pressure')).toBeLessThan(
      events.indexOf(eviction as AgentEvent),
    );
    expect(String(rendered.messages[1]?.content)).toContain('earlier messages were evicted');
    // Evicted messages leave the kept queue once pruned.
    context.prune(journal.draft);
    expect(() => context.queued({ ...journal.draft, queue: [storage.messages[0]?.id as string] })).toThrow(
      /not loaded/,
    );
  });

  it('keeps the old summary and tells the LLM where to look when the summary call fails', async () => {
    const { context, journal, events, fill } = setup({ replyTokens: 200 }, new Error('summary server down'));
    const limits = context.limits(journal.draft);
    while (context.render(journal.draft, '').tokens.total <= limits.flush) fill(1, 20);
    await context.prepare(journal, '');
    expect(journal.draft.summary).toBe('');
    expect(journal.draft.summarizedCount).toBeGreaterThan(0);
    expect(events.find((event) => event.type === 'summary')).toMatchObject({
      ok: false,
      error: 'summary server down',
    });
    const alert = context.queued(journal.draft).find((message) => message.content.startsWith('Summarizing'));
    expect(alert?.content).toMatch(/failed \(summary server down\).*conversation_search_date/);
  });

  it('refuses when the fixed parts alone pass the limit', async () => {
    const { context, journal } = setup({ contextWindow: 600, replyTokens: 100 });
    await expect(context.prepare(journal, '')).rejects.toBeInstanceOf(ContextOverflowError);
  });
});
