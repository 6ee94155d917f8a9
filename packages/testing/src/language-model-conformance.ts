import {
  type ChatMessage,
  defineTool,
  type GenerateResult,
  type LanguageModel,
  LociError,
  type StreamPart,
} from '@loci/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chatRequestBody, type ScriptedServer, startScriptedServer } from './scripted-server.js';

/**
 * The behaviour every `LanguageModel` that talks to an OpenAI-compatible endpoint must show, run
 * against the scripted server so the real client and adapter code do the work.
 */
export function describeLanguageModelConformance(
  name: string,
  make: (server: ScriptedServer) => Promise<LanguageModel>,
): void {
  describe(`LanguageModel conformance: ${name}`, () => {
    let server: ScriptedServer;
    let model: LanguageModel;

    beforeEach(async () => {
      server = await startScriptedServer();
      model = await make(server);
    });

    afterEach(async () => {
      await server.close();
    });

    const searchTool = defineTool({
      name: 'search',
      description: 'Search the archive.',
      parameters: z.object({ query: z.string(), limit: z.number().int().optional() }),
    });
    const user = (content: string): ChatMessage[] => [{ role: 'user', content }];
    const lastChatBody = () =>
      chatRequestBody(server.chatRequests().at(-1) ?? fail('no chat request was sent'));

    it('describes itself', () => {
      expect(model.provider.length).toBeGreaterThan(0);
      expect(model.modelId.length).toBeGreaterThan(0);
      expect(Number.isInteger(model.contextWindow) && model.contextWindow > 0).toBe(true);
    });

    it('returns plain text with a stop finish reason', async () => {
      server.enqueue({ content: 'Hello there.' });
      const result = await model.generate({ messages: user('hi') });
      expect(result.message).toEqual({ role: 'assistant', content: 'Hello there.' });
      expect(result.toolCalls).toEqual([]);
      expect(result.finishReason).toBe('stop');
      expect(result.object).toBeUndefined();
      expect(lastChatBody().messages).toEqual([{ role: 'user', content: 'hi' }]);
    });

    it('sends a whole conversation, tool calls and tool results included', async () => {
      server.enqueue({ content: 'Done.' });
      await model.generate({
        messages: [
          { role: 'system', content: 'You are helpful.' },
          { role: 'user', content: 'Find cats.', name: 'alice' },
          {
            role: 'assistant',
            content: null,
            toolCalls: [{ id: 'call_a', name: 'search', arguments: '{"query":"cats"}' }],
          },
          { role: 'tool', toolCallId: 'call_a', name: 'search', content: '3 results' },
        ],
        tools: [searchTool],
      });
      const messages = lastChatBody().messages;
      expect(messages[0]).toMatchObject({ role: 'system', content: 'You are helpful.' });
      expect(messages[1]).toMatchObject({ role: 'user', content: 'Find cats.', name: 'alice' });
      expect(messages[2]).toMatchObject({
        role: 'assistant',
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'search', arguments: '{"query":"cats"}' } },
        ],
      });
      expect(messages[3]).toMatchObject({ role: 'tool', tool_call_id: 'call_a', content: '3 results' });
    });

    it('sends tools as JSON Schema and parses the tool calls of the reply', async () => {
      server.enqueue({
        content: 'Let me look.',
        toolCalls: [
          { id: 'call_1', name: 'search', arguments: { query: 'cats', limit: 3 } },
          { id: 'call_2', name: 'search', arguments: { query: 'dogs' } },
        ],
      });
      const result = await model.generate({ messages: user('find pets'), tools: [searchTool] });
      const expected = [
        { id: 'call_1', name: 'search', arguments: '{"query":"cats","limit":3}' },
        { id: 'call_2', name: 'search', arguments: '{"query":"dogs"}' },
      ];
      expect(result.toolCalls).toEqual(expected);
      expect(result.message).toEqual({ role: 'assistant', content: 'Let me look.', toolCalls: expected });
      expect(result.finishReason).toBe('tool-calls');

      const tools = lastChatBody().tools ?? [];
      expect(tools).toHaveLength(1);
      expect(tools[0]).toMatchObject({
        type: 'function',
        function: {
          name: 'search',
          description: 'Search the archive.',
          parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
        },
      });
    });

    it('passes tool arguments that are not JSON through as raw text', async () => {
      server.enqueue({ toolCalls: [{ id: 'call_bad', name: 'search', arguments: '{"query": cats' }] });
      const result = await model.generate({ messages: user('find cats'), tools: [searchTool] });
      expect(result.toolCalls).toEqual([{ id: 'call_bad', name: 'search', arguments: '{"query": cats' }]);
    });

    it('sends the tool choice', async () => {
      server.enqueue({ content: 'a' }, { content: 'b' }, { content: 'c' });
      await model.generate({ messages: user('x'), tools: [searchTool], toolChoice: 'required' });
      expect(lastChatBody().tool_choice).toBe('required');
      await model.generate({ messages: user('x'), tools: [searchTool], toolChoice: { name: 'search' } });
      expect(lastChatBody().tool_choice).toEqual({ type: 'function', function: { name: 'search' } });
      await model.generate({ messages: user('x'), tools: [searchTool], toolChoice: 'none' });
      expect(lastChatBody().tool_choice).toBe('none');
    });

    it('sends temperature and the token limit', async () => {
      server.enqueue({ content: 'ok' });
      await model.generate({ messages: user('x'), temperature: 0.25, maxTokens: 77 });
      const body = lastChatBody();
      expect(body.temperature).toBe(0.25);
      expect(body.max_tokens ?? body.max_completion_tokens).toBe(77);
    });

    it('returns a parsed object for a response schema', async () => {
      const schema = z.object({ answer: z.string(), confidence: z.number() });
      server.enqueue({ content: '{"answer":"Paris","confidence":0.9}' });
      const result = await model.generate({ messages: user('capital of France?'), responseSchema: schema });
      expect(result.object).toEqual({ answer: 'Paris', confidence: 0.9 });
      expect(lastChatBody().response_format?.type).toMatch(/^json_/);
    });

    it('rejects a reply that does not match the response schema, naming the field', async () => {
      const schema = z.object({ answer: z.string(), confidence: z.number() });
      server.enqueue({ content: '{"answer":"Paris","confidence":"high"}' });
      const error = await model
        .generate({ messages: user('capital?'), responseSchema: schema })
        .catch((e) => e);
      expect(LociError.isInstance(error)).toBe(true);
      expect((error as LociError).category).toBe('provider');
      expect((error as Error).message).toContain('confidence');
    });

    it('reports usage and the length finish reason', async () => {
      server.enqueue({
        content: 'cut',
        finishReason: 'length',
        usage: { prompt_tokens: 21, completion_tokens: 4 },
      });
      const result = await model.generate({ messages: user('x') });
      expect(result.usage).toEqual({ inputTokens: 21, outputTokens: 4, totalTokens: 25 });
      expect(result.finishReason).toBe('length');
    });

    it('stops at an abort signal', async () => {
      server.enqueue({ content: 'too late', delayMs: 30_000 });
      const controller = new AbortController();
      const pending = model.generate({ messages: user('x'), signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      const error = await pending.catch((e) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).name).toBe('AbortError');
    });

    it('sends nothing when the signal is already aborted', async () => {
      server.enqueue({ content: 'unused' });
      await expect(model.generate({ messages: user('x'), signal: AbortSignal.abort() })).rejects.toThrow();
      expect(server.chatRequests()).toHaveLength(0);
      expect(server.pending()).toBe(1);
    });

    describe('stream', () => {
      async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
        const out: StreamPart[] = [];
        for await (const part of parts) out.push(part);
        return out;
      }

      it('yields text and tool-call deltas, then a finish part equal to what generate returns', async (context) => {
        if (!model.stream) return context.skip();
        const reply = {
          content: 'Searching the archive for you now.',
          toolCalls: [
            { id: 'call_s1', name: 'search', arguments: { query: 'cats and dogs', limit: 5 } },
            { id: 'call_s2', name: 'search', arguments: { query: 'birds' } },
          ],
          usage: { prompt_tokens: 30, completion_tokens: 12 },
        };
        server.enqueue(reply, reply);
        const generated: GenerateResult = await model.generate({
          messages: user('pets'),
          tools: [searchTool],
        });
        const parts = await collect(model.stream({ messages: user('pets'), tools: [searchTool] }));

        const texts = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : []));
        expect(texts.length).toBeGreaterThan(1);
        expect(texts.join('')).toBe(reply.content);

        const toolDeltas = parts.flatMap((part) => (part.type === 'tool-call-delta' ? [part] : []));
        for (const index of [0, 1]) {
          const forCall = toolDeltas.filter((part) => part.index === index);
          expect(forCall.length).toBeGreaterThan(0);
          expect(forCall.map((part) => part.argumentsDelta).join('')).toBe(
            generated.toolCalls[index]?.arguments,
          );
          expect(forCall.find((part) => part.name)?.name).toBe('search');
        }

        const finishes = parts.filter((part) => part.type === 'finish');
        expect(finishes).toHaveLength(1);
        expect(parts.at(-1)).toEqual({ type: 'finish', result: generated });
      });

      it('streams plain text with usage', async (context) => {
        if (!model.stream) return context.skip();
        server.enqueue({ content: 'Just some words.', usage: { prompt_tokens: 9, completion_tokens: 4 } });
        const parts = await collect(model.stream({ messages: user('x') }));
        const finish = parts.at(-1);
        expect(finish?.type).toBe('finish');
        if (finish?.type !== 'finish') return;
        expect(finish.result.message).toEqual({ role: 'assistant', content: 'Just some words.' });
        expect(finish.result.usage).toEqual({ inputTokens: 9, outputTokens: 4, totalTokens: 13 });
        expect(finish.result.finishReason).toBe('stop');
      });

      it('returns a parsed object at the end of a stream with a response schema', async (context) => {
        if (!model.stream) return context.skip();
        server.enqueue({ content: '{"answer":"Rome","confidence":1}' });
        const parts = await collect(
          model.stream({
            messages: user('capital of Italy?'),
            responseSchema: z.object({ answer: z.string(), confidence: z.number() }),
          }),
        );
        const finish = parts.at(-1);
        expect(finish?.type === 'finish' && finish.result.object).toEqual({ answer: 'Rome', confidence: 1 });
      });

      it('stops a stream at an abort signal', async (context) => {
        if (!model.stream) return context.skip();
        server.enqueue({ content: 'too late', delayMs: 30_000 });
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 50);
        const error = await collect(model.stream({ messages: user('x'), signal: controller.signal })).catch(
          (e) => e,
        );
        expect((error as Error).name).toBe('AbortError');
      });
    });
  });
}

function fail(message: string): never {
  throw new Error(message);
}
