import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ArchivalPassage } from './agent-storage.js';
import {
  type AgentTool,
  defineAgentTool,
  runToolCall,
  type ToolContext,
  withHeartbeat,
} from './agent-tool.js';
import { builtinFunctions } from './builtin-functions.js';
import { type Block, createBlocks } from './core-memory.js';
import type { StoredMessage } from './stored-message.js';

/** An in-memory context: the tool runner and the built-in functions without a store. */
function memoryContext() {
  let blocks: Block[] = createBlocks({ persona: 'I am Sam.', human: { value: 'Name: Ana', limit: 40 } }, 100);
  const sent: string[] = [];
  const passages: ArchivalPassage[] = [];
  const at = new Date('2024-05-07T10:00:00Z');
  const history: StoredMessage[] = [
    {
      id: 'm1',
      seq: 0,
      kind: 'user',
      content: 'I adopted a cat named Miso',
      at: new Date('2024-05-06T09:00:00Z'),
      stepId: 's1',
    },
    {
      id: 'm2',
      seq: 1,
      kind: 'user',
      content: 'Miso likes boxes',
      at: new Date('2024-05-07T09:00:00Z'),
      stepId: 's2',
    },
  ];
  let pausedUntil: Date | undefined;
  const context: ToolContext = {
    agentId: 'a1',
    namespace: 'u1',
    at,
    pageSize: 1,
    blocks: () => blocks,
    setBlocks: (next) => {
      blocks = next;
    },
    sendMessage: (text) => sent.push(text),
    pauseHeartbeats: (until) => {
      pausedUntil = until;
    },
    archivalInsert: async (text) => {
      passages.push({ id: `p${passages.length}`, text, at });
      return `p${passages.length - 1}`;
    },
    archivalSearch: async (query, limit) => passages.filter((p) => p.text.includes(query)).slice(0, limit),
    recallSearch: async (query, limit) => history.filter((m) => m.content.includes(query)).slice(0, limit),
    recallBetween: async (start, end, limit, offset) =>
      history.filter((m) => m.at >= start && m.at <= end).slice(offset, offset + limit),
    recallCountBetween: async (start, end) => history.filter((m) => m.at >= start && m.at <= end).length,
  };
  return { context, sent, passages, blocks: () => blocks, pausedUntil: () => pausedUntil };
}

const tools = new Map<string, AgentTool>(builtinFunctions.map((tool) => [tool.definition.name, tool]));
const call = (name: string, args: unknown) => ({
  id: 'c1',
  name,
  arguments: typeof args === 'string' ? args : JSON.stringify(args),
});
const parse = (content: string) => JSON.parse(content) as { status: string; message: string };

describe('running a function call', () => {
  it('sends a message without a heartbeat unless asked', async () => {
    const memory = memoryContext();
    const outcome = await runToolCall(call('send_message', { message: 'Hi!' }), tools, memory.context);
    expect(outcome).toMatchObject({ ok: true, heartbeat: false });
    expect(memory.sent).toEqual(['Hi!']);
    const chained = await runToolCall(
      call('send_message', { message: 'Hi', request_heartbeat: true }),
      tools,
      memory.context,
    );
    expect(chained.heartbeat).toBe(true);
  });

  it('edits core memory', async () => {
    const memory = memoryContext();
    await runToolCall(
      call('core_memory_append', { label: 'human', content: 'Has a cat' }),
      tools,
      memory.context,
    );
    await runToolCall(
      call('core_memory_replace', { label: 'human', old_content: 'Ana', new_content: 'Ana Lima' }),
      tools,
      memory.context,
    );
    expect(memory.blocks()[1]?.value).toBe('Name: Ana Lima\nHas a cat');
  });

  it('turns an unknown function into a failed result with a heartbeat, listing the functions', async () => {
    const outcome = await runToolCall(call('delete_everything', {}), tools, memoryContext().context);
    expect(outcome).toMatchObject({ ok: false, heartbeat: true });
    expect(parse(outcome.content)).toMatchObject({ status: 'Failed' });
    expect(parse(outcome.content).message).toMatch(
      /unknown function "delete_everything"; the functions are: send_message, /,
    );
    expect(outcome.error?.code).toBe('unknown_tool');
  });

  it('reports arguments that are not JSON', async () => {
    const outcome = await runToolCall(
      call('send_message', '{"message": "unterminated'),
      tools,
      memoryContext().context,
    );
    expect(outcome.ok).toBe(false);
    expect(parse(outcome.content).message).toMatch(/arguments are not valid JSON/);
  });

  it('reports schema failures naming the field', async () => {
    const outcome = await runToolCall(
      call('core_memory_append', { label: 'human', content: 42 }),
      tools,
      memoryContext().context,
    );
    expect(parse(outcome.content).message).toMatch(/invalid arguments: content: /);
    const heartbeat = await runToolCall(
      call('send_message', { message: 'x', request_heartbeat: 'yes' }),
      tools,
      memoryContext().context,
    );
    expect(parse(heartbeat.content).message).toMatch(/request_heartbeat/);
  });

  it('reports replacing absent text and going over a block limit, and changes nothing', async () => {
    const memory = memoryContext();
    const absent = await runToolCall(
      call('core_memory_replace', { label: 'human', old_content: 'Bob', new_content: 'x' }),
      tools,
      memory.context,
    );
    expect(parse(absent.content).message).toMatch(/"Bob" is not in block "human"/);
    const over = await runToolCall(
      call('core_memory_append', { label: 'human', content: 'y'.repeat(40) }),
      tools,
      memory.context,
    );
    expect(parse(over.content).message).toMatch(/over its limit of 40/);
    expect(memory.blocks()[1]?.value).toBe('Name: Ana');
  });

  it('pages search results', async () => {
    const memory = memoryContext();
    const first = await runToolCall(call('conversation_search', { query: 'Miso' }), tools, memory.context);
    expect(parse(first.content).message).toMatch(
      /^Showing results 1-1 \(page 0\):\n.*quoted data.*\n<loci-memory>\n.*adopted a cat.*\n<\/loci-memory>$/,
    );
    const second = await runToolCall(
      call('conversation_search', { query: 'Miso', page: 1 }),
      tools,
      memory.context,
    );
    expect(parse(second.content).message).toMatch(/Miso likes boxes/);
    const third = await runToolCall(
      call('conversation_search', { query: 'Miso', page: 2 }),
      tools,
      memory.context,
    );
    expect(parse(third.content).message).toBe('No results on page 2.');
  });

  it('searches by date with whole days inclusive', async () => {
    const memory = memoryContext();
    const outcome = await runToolCall(
      call('conversation_search_date', { start_date: '2024-05-07', end_date: '2024-05-07' }),
      tools,
      memory.context,
    );
    expect(parse(outcome.content).message).toMatch(
      /^Showing results 1-1 of 1 \(page 0\):\n.*\n<loci-memory>\n.*Miso likes boxes/,
    );
    const bad = await runToolCall(
      call('conversation_search_date', { start_date: 'yesterday', end_date: '2024-05-07' }),
      tools,
      memory.context,
    );
    expect(parse(bad.content).message).toMatch(/start_date: expected a date/);
    const reversed = await runToolCall(
      call('conversation_search_date', { start_date: '2024-05-08', end_date: '2024-05-07' }),
      tools,
      memory.context,
    );
    expect(parse(reversed.content).message).toMatch(/is after end_date/);
  });

  it('inserts into and searches archival memory', async () => {
    const memory = memoryContext();
    await runToolCall(
      call('archival_memory_insert', { content: 'Ana works at a bakery' }),
      tools,
      memory.context,
    );
    const found = await runToolCall(
      call('archival_memory_search', { query: 'bakery' }),
      tools,
      memory.context,
    );
    expect(parse(found.content).message).toMatch(/Ana works at a bakery/);
  });

  it('pauses heartbeats', async () => {
    const memory = memoryContext();
    await runToolCall(call('pause_heartbeats', { minutes: 30 }), tools, memory.context);
    expect(memory.pausedUntil()?.toISOString()).toBe('2024-05-07T10:30:00.000Z');
  });

  it('runs user tools the same way, and reports what they throw', async () => {
    const weather = defineAgentTool({
      definition: {
        name: 'get_weather',
        description: 'Weather for a city.',
        parameters: z.object({ city: z.string() }),
      },
      run: (args) => {
        if (args.city === 'Atlantis') throw new Error('no such city');
        return `Sunny in ${args.city}`;
      },
    });
    const withWeather = new Map(tools).set('get_weather', weather as unknown as AgentTool);
    const ok = await runToolCall(
      call('get_weather', { city: 'Lisbon' }),
      withWeather,
      memoryContext().context,
    );
    expect(ok).toMatchObject({ ok: true, heartbeat: true });
    expect(parse(ok.content).message).toBe('Sunny in Lisbon');
    const failed = await runToolCall(
      call('get_weather', { city: 'Atlantis' }),
      withWeather,
      memoryContext().context,
    );
    expect(parse(failed.content).message).toMatch(/no such city/);
    expect(
      Object.keys((withHeartbeat(weather as unknown as AgentTool).parameters as z.ZodObject).shape),
    ).toEqual(['city', 'request_heartbeat']);
  });

  it('rejects a user tool that declares request_heartbeat itself', () => {
    expect(() =>
      defineAgentTool({
        definition: { name: 'x', description: '', parameters: z.object({ request_heartbeat: z.boolean() }) },
        run: () => '',
      }),
    ).toThrow(/request_heartbeat is added by the agent/);
  });
});
