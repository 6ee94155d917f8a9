import { countMessagesTokens } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { createBlocks } from './core-memory.js';
import { renderContext, renderRecalled } from './main-context.js';
import { type StoredMessage, toChatMessage } from './stored-message.js';

const at = new Date('2024-05-07T10:00:00Z');
const message = (
  fields: Partial<StoredMessage> & Pick<StoredMessage, 'kind' | 'content'>,
): StoredMessage => ({
  id: 'm',
  seq: 0,
  at,
  stepId: 's',
  ...fields,
});

describe('main context', () => {
  const queue = [
    message({ kind: 'user', content: 'Hello', speaker: 'Ana' }),
    message({
      kind: 'assistant',
      content: 'Greet her.',
      toolCalls: [{ id: 'c1', name: 'send_message', arguments: '{"message":"Hi Ana"}' }],
    }),
    message({ kind: 'tool', content: '{"status":"OK"}', toolCallId: 'c1', toolName: 'send_message' }),
  ].map((stored) => {
    const chat = toChatMessage(stored);
    return { message: chat, tokens: countMessagesTokens([chat]) - 3 };
  });

  it('renders system, working context, summary, queue and recalled memory in order, counting every part', () => {
    const rendered = renderContext({
      instructions: 'You are an agent.',
      blocks: createBlocks({ persona: 'I am Sam.', human: 'Name: Ana' }, 100),
      summary: 'Ana likes tea.',
      summarizedCount: 12,
      queue,
      recalled: renderRecalled([
        { text: 'Ana has a cat', score: 1, kind: 'thought', sources: ['t1', 't2'], tokens: 4, at },
      ]),
      recallCount: 15,
      archivalCount: 2,
      now: at,
      toolTokens: 100,
    });
    const roles = rendered.messages.map((m) => m.role);
    expect(roles).toEqual(['system', 'user', 'user', 'assistant', 'tool', 'system']);
    const system = rendered.messages[0]?.content ?? '';
    expect(system).toMatch(/^You are an agent\.\n\n### Memory/);
    expect(system).toContain('15 messages are in recall storage and 2 passages in archival storage');
    expect(system).toContain('<persona characters="9/100">');
    expect(rendered.messages[1]?.content).toContain('12 earlier messages were evicted');
    expect(rendered.messages[1]?.content).toContain('Ana likes tea.');
    expect(rendered.messages[2]).toEqual({ role: 'user', content: 'Hello', name: 'Ana' });
    expect(rendered.messages[5]?.content).toContain(
      '- (thought, from turns t1, t2, 2024-05-07) Ana has a cat',
    );
    // The total is what the messages and the tools take, counted part by part (never less than the whole).
    const exact = countMessagesTokens(rendered.messages) + 100;
    expect(rendered.tokens.total).toBeGreaterThanOrEqual(exact);
    expect(rendered.tokens.total).toBeLessThanOrEqual(exact + 8);
    expect(rendered.tokens.tools).toBe(100);
    expect(rendered.tokens.summary).toBeGreaterThan(0);
    expect(rendered.tokens.recalled).toBeGreaterThan(0);
  });

  it('leaves out an empty summary and an empty recalled section', () => {
    const rendered = renderContext({
      instructions: 'x',
      blocks: [],
      summary: '',
      summarizedCount: 0,
      queue: [],
      recalled: '',
      recallCount: 0,
      archivalCount: 0,
      now: at,
      toolTokens: 0,
    });
    expect(rendered.messages).toHaveLength(1);
    expect(rendered.tokens.summary + rendered.tokens.recalled + rendered.tokens.queue).toBe(0);
  });

  it('truncates a message for the prompt only', () => {
    const long = message({ kind: 'user', content: 'word '.repeat(5000) });
    const chat = toChatMessage(long, 100);
    expect(countMessagesTokens([chat])).toBeLessThan(120);
    expect(chat.content).toMatch(/…\[truncated\]$/);
    expect(long.content.length).toBe(25000);
  });

  it('sends system alerts as user-role JSON', () => {
    const chat = toChatMessage(message({ kind: 'system-alert', content: 'Memory pressure' }));
    expect(chat.role).toBe('user');
    expect(JSON.parse(chat.content as string)).toMatchObject({
      type: 'system_alert',
      message: 'Memory pressure',
    });
  });
});
