import { defineTool } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { nativeRequest, toOpenAIMessages } from './chat-request.js';

describe('toOpenAIMessages', () => {
  it('maps every core role to the OpenAI shape', () => {
    expect(
      toOpenAIMessages([
        { role: 'system', content: 's' },
        { role: 'user', content: 'u', name: 'bob' },
        { role: 'assistant', content: null },
        { role: 'assistant', content: 'thinking', toolCalls: [{ id: 'c1', name: 'f', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'c1', name: 'f', content: 'r' },
      ]),
    ).toEqual([
      { role: 'system', content: 's' },
      { role: 'user', content: 'u', name: 'bob' },
      { role: 'assistant', content: '' },
      {
        role: 'assistant',
        content: 'thinking',
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'r' },
    ]);
  });
});

describe('nativeRequest', () => {
  const tool = defineTool({ name: 'f', description: 'd', parameters: z.object({ x: z.number() }) });
  const settings = { model: 'm', maxTokensParameter: 'max_tokens' as const, sendTemperature: true };

  it('sends only what was asked for', () => {
    expect(nativeRequest({ messages: [{ role: 'user', content: 'hi' }] }, settings)).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
    });
  });

  it('sends tools, tool choice, temperature, the token limit and the response schema', () => {
    const request = nativeRequest(
      {
        messages: [{ role: 'user', content: 'hi' }],
        tools: [tool],
        toolChoice: { name: 'f' },
        temperature: 0,
        maxTokens: 5,
        responseSchema: z.object({ y: z.string() }),
      },
      settings,
    );
    expect(request).toMatchObject({
      temperature: 0,
      max_tokens: 5,
      tool_choice: { type: 'function', function: { name: 'f' } },
      tools: [
        { type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object' } } },
      ],
      response_format: { type: 'json_schema', json_schema: { name: 'response', strict: false } },
    });
    expect(JSON.stringify(request.tools)).not.toContain('$schema');
  });

  it('leaves the temperature out for models that refuse it', () => {
    const request = nativeRequest(
      { messages: [{ role: 'user', content: 'hi' }], temperature: 0.2 },
      { ...settings, sendTemperature: false },
    );
    expect(request.temperature).toBeUndefined();
  });
});
