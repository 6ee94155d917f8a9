import { ContextOverflowError } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { createFakeLanguageModel, say } from './__fixtures__/fake-language-model.js';
import { startFakeAgent } from './__fixtures__/start-fake-agent.js';
import type { AgentEvent } from './agent-events.js';

describe('an agent step on fakes', () => {
  it('answers through send_message, saves the state and writes every message once', async () => {
    const model = createFakeLanguageModel([say('Hello Ana!')]);
    const { agent, storage } = await startFakeAgent({ model });
    const result = await agent.step({ text: 'Hi, I am Ana', speaker: 'Ana' });
    expect(result.messages).toEqual(['Hello Ana!']);
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
    expect(storage.messages.map((message) => message.kind)).toEqual(['user', 'assistant', 'tool']);
    expect(storage.messages.map((message) => message.seq)).toEqual([0, 1, 2]);
    expect(storage.states.at(-1)).toEqual(agent.state());
    expect(agent.state()).toMatchObject({ stepCount: 1, nextSeq: 3, recallCount: 3 });
    expect(agent.queue().map((message) => message.id)).toEqual(storage.messages.map((message) => message.id));
    // The prompt: system (instructions + core memory), then the user message with its speaker.
    const [system, user] = model.calls[0]?.messages ?? [];
    expect(system?.role).toBe('system');
    expect(String(system?.content)).toContain('<human characters="13/120">');
    expect(user).toEqual({ role: 'user', content: 'Hi, I am Ana', name: 'Ana' });
    expect(model.calls[0]?.tools?.map((tool) => tool.name)).toContain('conversation_search');
    expect(result.usage.totalTokens).toBe(12);
    expect(result.timings.llmMs).toBeGreaterThanOrEqual(0);
    expect(result.timings.totalMs).toBeGreaterThanOrEqual(result.timings.llmMs);
  });

  it('chains calls on heartbeats, feeding results back, and stops at maxChainLength', async () => {
    const model = createFakeLanguageModel([
      { toolCalls: [{ name: 'core_memory_append', arguments: { label: 'human', content: 'Has a cat.' } }] },
      say('one', true),
      say('two', true),
      say('never sent', true),
    ]);
    const { agent } = await startFakeAgent({ model, config: { maxChainLength: 3 } });
    const result = await agent.step('I have a cat');
    expect(result.messages).toEqual(['one', 'two']);
    expect(model.calls).toHaveLength(3);
    expect(result.trace.filter((entry) => entry.type === 'heartbeat')).toHaveLength(2);
    expect(result.trace.at(-2)).toEqual({ type: 'chain-limit', calls: 3 });
    expect(agent.blocks()[1]?.value).toBe('Name: unknown\nHas a cat.');
    // The second call sees the first call's result.
    const results = model.calls[1]?.messages.filter((message) => message.role === 'tool') ?? [];
    expect(JSON.parse(String(results[0]?.content))).toMatchObject({ status: 'OK' });
  });

  it('gives a heartbeat after a failed function, so the LLM sees the error', async () => {
    const model = createFakeLanguageModel([
      { toolCalls: [{ name: 'launch_rockets', arguments: {} }] },
      say('Sorry.'),
    ]);
    const { agent } = await startFakeAgent({ model });
    const result = await agent.step('go');
    expect(result.trace.filter((entry) => entry.type === 'heartbeat')).toEqual([
      { type: 'heartbeat', reason: 'function-failed' },
    ]);
    const failed = model.calls[1]?.messages.at(-1);
    expect(JSON.parse(String(failed?.content)).message).toMatch(/unknown function "launch_rockets"/);
  });

  it('keeps the saved state when the LLM fails, and still writes the step messages', async () => {
    const model = createFakeLanguageModel([say('First.'), new Error('server down')]);
    const { agent, storage } = await startFakeAgent({ model });
    await agent.step('first');
    const saved = agent.state();
    await expect(agent.step('second')).rejects.toThrow('server down');
    expect(agent.state()).toEqual(saved);
    expect(agent.queue().map((message) => message.id)).toEqual(saved.queue);
    expect(storage.messages.at(-1)).toMatchObject({ kind: 'user', content: 'second', seq: 3 });
    expect(storage.states).toHaveLength(2);
  });

  it('does not fail a step whose earlier round failed to append: the save writes it with the last, once', async () => {
    const model = createFakeLanguageModel([say('first', true), say('ok')]);
    const { agent, storage } = await startFakeAgent({ model });
    // The first round's append (written behind) fails; the state carries the round to the next write.
    storage.failNextAppends(1);
    expect((await agent.step('hello')).messages).toEqual(['first', 'ok']);
    expect(storage.messages.map((message) => message.kind)).toEqual([
      'user',
      'assistant',
      'tool',
      'assistant',
      'tool',
    ]);
    expect(storage.messages.map((message) => message.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(agent.state().stepCount).toBe(1);
  });

  it('writes the messages of a failed step and waits for them, losing none', async () => {
    const model = createFakeLanguageModel([say('first', true)]);
    const { agent, storage } = await startFakeAgent({ model });
    // The first round's append fails, then the second call (no reply scripted): the step's catch
    // writes the round and waits for it.
    storage.failNextAppends(1);
    await expect(agent.step('hello')).rejects.toThrow('no reply scripted');
    expect(storage.messages.map((message) => message.kind)).toEqual(['user', 'assistant', 'tool']);
    expect(agent.state().stepCount).toBe(0);
  });

  it('keeps a step whose last messages failed to append: the saved state carries them to the next write', async () => {
    const model = createFakeLanguageModel([say('ok'), say('again')]);
    const { agent, storage } = await startFakeAgent({ model });
    storage.failNextAppends(1);
    expect((await agent.step('hello')).messages).toEqual(['ok']);
    expect(agent.state().stepCount).toBe(1);
    expect(storage.messages).toEqual([]);
    await agent.step('second');
    expect(storage.messages.map((message) => message.content)).toEqual([
      'hello',
      expect.any(String),
      expect.any(String),
      'second',
      expect.any(String),
      expect.any(String),
    ]);
    expect(storage.messages.map((message) => message.seq)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('sees the committed state at step-end and refuses empty input', async () => {
    let stepCountAtEnd = -1;
    const { agent } = await startFakeAgent({
      model: createFakeLanguageModel([say('ok')]),
      onEvent: (event: AgentEvent) => {
        if (event.type === 'step-end') stepCountAtEnd = agent.state().stepCount;
      },
    });
    await agent.step('hi');
    expect(stepCountAtEnd).toBe(1);
    await expect(agent.step('')).rejects.toThrow(/non-empty/);
    await expect(agent.step({ text: 'x', at: new Date('nope') })).rejects.toThrow(/not a valid date/);
  });

  it('runs steps one at a time in call order', async () => {
    const model = createFakeLanguageModel([say('a'), say('b')]);
    const { agent } = await startFakeAgent({ model });
    const [first, second] = await Promise.all([agent.step('one'), agent.step('two')]);
    expect([first.messages, second.messages]).toEqual([['a'], ['b']]);
    expect(String(model.calls[1]?.messages.at(-1)?.content)).toBe('two');
  });

  it('refuses a step whose fixed parts cannot fit, before any LLM call', async () => {
    const model = createFakeLanguageModel([say('never')]);
    const { agent } = await startFakeAgent({ model, config: { contextWindow: 1200, replyTokens: 100 } });
    const failure = await agent.step('hello').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ContextOverflowError);
    expect(model.calls).toHaveLength(0);
  });
});
