import { defineTool, type GenerateResult, ProviderError, type StreamPart } from '@loci/core';
import { chatRequestBody, type ScriptedServer, startScriptedServer } from '@loci/testing/scripted-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createOpenAIChatModel } from './chat-model.js';

const searchTool = defineTool({
  name: 'search',
  description: 'Search the archive.',
  parameters: z.object({ query: z.string() }),
});
const noteTool = defineTool({
  name: 'note',
  description: 'Write a note.',
  parameters: z.object({ text: z.string() }),
});
const user = (content: string) => [{ role: 'user' as const, content }];

describe('@loci/openai JSON tool mode (servers without tool calling)', () => {
  let server: ScriptedServer;
  const model = () =>
    createOpenAIChatModel({ model: 'plain-model', baseURL: server.url, toolMode: 'json', retryDelayMs: 1 });
  const body = (index = -1) => chatRequestBody(server.chatRequests().at(index)!);
  const systemText = (index = -1) => {
    const first = body(index).messages[0];
    expect(first?.role).toBe('system');
    return String(first?.content);
  };

  beforeEach(async () => {
    server = await startScriptedServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('describes the tools in the system prompt and asks for a JSON object instead of sending tools', async () => {
    server.enqueue({ content: '{"content":"Hello!"}' });
    await model().generate({
      messages: [{ role: 'system', content: 'You are Sam.' }, ...user('hi')],
      tools: [searchTool, noteTool],
    });
    const request = body();
    expect(request.tools).toBeUndefined();
    expect(request.tool_choice).toBeUndefined();
    expect(request.response_format).toEqual({ type: 'json_object' });
    const system = systemText();
    expect(system.startsWith('You are Sam.')).toBe(true);
    expect(system).toContain('"tool_calls"');
    expect(system).toContain('- search: Search the archive.');
    expect(system).toContain('- note: Write a note.');
    expect(system).toContain('"required":["query"]');
    expect(request.messages).toHaveLength(2);
  });

  it('reads tool calls from the JSON reply', async () => {
    server.enqueue({
      content:
        '{"content":"Looking.","tool_calls":[{"name":"search","arguments":{"query":"cats"}},{"name":"note","arguments":"{\\"text\\": raw"}]}',
    });
    const result = await model().generate({ messages: user('find cats'), tools: [searchTool, noteTool] });
    expect(result.toolCalls.map(({ name, arguments: args }) => ({ name, args }))).toEqual([
      { name: 'search', args: '{"query":"cats"}' },
      // Arguments the model wrote as a string are passed on raw, for the agent to report.
      { name: 'note', args: '{"text": raw' },
    ]);
    expect(new Set(result.toolCalls.map((call) => call.id)).size).toBe(2);
    expect(result.toolCalls.every((call) => /^call_/.test(call.id))).toBe(true);
    expect(result.message).toEqual({ role: 'assistant', content: 'Looking.', toolCalls: result.toolCalls });
    expect(result.finishReason).toBe('tool-calls');
  });

  it('reads a plain answer, also inside a Markdown fence', async () => {
    server.enqueue({ content: '```json\n{"content": "Hi there."}\n```' });
    const result = await model().generate({ messages: user('hi'), tools: [searchTool] });
    expect(result.message).toEqual({ role: 'assistant', content: 'Hi there.' });
    expect(result.toolCalls).toEqual([]);
    expect(result.finishReason).toBe('stop');
  });

  it('round-trips a conversation: earlier tool calls and results become plain messages', async () => {
    server.enqueue({ content: '{"tool_calls":[{"name":"search","arguments":{"query":"cats"}}]}' });
    const first = await model().generate({ messages: user('find cats'), tools: [searchTool] });
    const call = first.toolCalls[0]!;

    server.enqueue({ content: '{"content":"Found 3 cats."}' });
    const second = await model().generate({
      messages: [
        ...user('find cats'),
        first.message,
        { role: 'tool', toolCallId: call.id, content: '3 results' },
      ],
      tools: [searchTool],
    });
    expect(second.message.content).toBe('Found 3 cats.');
    const messages = body().messages;
    expect(messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(JSON.parse(String(messages[2]?.content))).toEqual({
      tool_calls: [{ name: 'search', arguments: { query: 'cats' } }],
    });
    expect(messages[3]?.content).toBe(`Result of tool "search" (call ${call.id}):\n3 results`);
  });

  it('fails clearly when the reply is not JSON', async () => {
    server.enqueue({ content: 'Sure! I will search for cats now.' });
    const error = await model()
      .generate({ messages: user('find cats'), tools: [searchTool] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'invalid_json_reply' });
    expect((error as Error).message).toContain('not JSON');
    expect((error as Error).message).toContain('Sure! I will search for cats now.');
  });

  it('fails clearly when the JSON has neither tool_calls nor content, or malformed calls', async () => {
    server.enqueue({ content: '{"answer":"cats"}' }, { content: '{"tool_calls":[{"arguments":{}}]}' });
    const missing = await model()
      .generate({ messages: user('x'), tools: [searchTool] })
      .catch((e: unknown) => e);
    expect((missing as Error).message).toContain('neither "tool_calls" nor "content"');
    const nameless = await model()
      .generate({ messages: user('x'), tools: [searchTool] })
      .catch((e: unknown) => e);
    expect(nameless).toBeInstanceOf(ProviderError);
    expect((nameless as Error).message).toContain('tool_calls.0.name');
  });

  it('turns the tool choice into an instruction, and drops tools for "none"', async () => {
    server.enqueue({ content: '{"content":"a"}' }, { content: '{"content":"b"}' }, { content: 'plain text' });
    await model().generate({ messages: user('x'), tools: [searchTool], toolChoice: 'required' });
    expect(systemText()).toContain('You must call at least one tool.');
    await model().generate({ messages: user('x'), tools: [searchTool], toolChoice: { name: 'search' } });
    expect(systemText()).toContain('You must call the tool "search".');
    const none = await model().generate({ messages: user('x'), tools: [searchTool], toolChoice: 'none' });
    expect(none.message.content).toBe('plain text');
    expect(body().response_format).toBeUndefined();
    expect(body().messages).toEqual([{ role: 'user', content: 'x' }]);
  });

  it('asks for a JSON object matching a response schema', async () => {
    server.enqueue({ content: '{"answer":"Paris"}' });
    const result = await model().generate({
      messages: user('capital?'),
      responseSchema: z.object({ answer: z.string() }),
    });
    expect(result.object).toEqual({ answer: 'Paris' });
    expect(body().response_format).toEqual({ type: 'json_object' });
    expect(systemText()).toContain('"answer"');
  });

  it('reads a structured content next to tools', async () => {
    server.enqueue({ content: '{"content":{"answer":"Paris"}}' });
    const result = await model().generate({
      messages: user('capital?'),
      tools: [searchTool],
      responseSchema: z.object({ answer: z.string() }),
    });
    expect(result.object).toEqual({ answer: 'Paris' });
    expect(result.message.content).toBe('{"answer":"Paris"}');
  });

  it('keeps native tool calls from a server that has them after all', async () => {
    server.enqueue({ toolCalls: [{ id: 'call_native', name: 'search', arguments: { query: 'x' } }] });
    const result = await model().generate({ messages: user('x'), tools: [searchTool] });
    expect(result.toolCalls).toEqual([{ id: 'call_native', name: 'search', arguments: '{"query":"x"}' }]);
  });

  it('streams the parsed result: deltas, then the same finish', async () => {
    server.enqueue({
      content: '{"content":"Checking.","tool_calls":[{"name":"search","arguments":{"query":"owls"}}]}',
    });
    const parts: StreamPart[] = [];
    for await (const part of model().stream!({ messages: user('owls'), tools: [searchTool] }))
      parts.push(part);
    const finish = parts.at(-1);
    expect(finish?.type).toBe('finish');
    const result = (finish as { result: GenerateResult }).result;
    expect(result.toolCalls).toEqual([
      { id: result.toolCalls[0]?.id, name: 'search', arguments: '{"query":"owls"}' },
    ]);
    expect(parts.slice(0, -1)).toEqual([
      { type: 'text-delta', text: 'Checking.' },
      {
        type: 'tool-call-delta',
        index: 0,
        id: result.toolCalls[0]?.id,
        name: 'search',
        argumentsDelta: '{"query":"owls"}',
      },
    ]);
  });
});
