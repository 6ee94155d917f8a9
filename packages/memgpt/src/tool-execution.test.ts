import { toJsonSchema } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createInMemoryAgentStorage, fakeEmbedder } from './__fixtures__/in-memory-agent-storage.js';
import type { AgentEvent } from './agent-events.js';
import { newAgentState } from './agent-persistence.js';
import { defineAgentTool } from './agent-tool.js';
import { createStepJournal } from './step-journal.js';
import { createToolbox, createToolContext, executeToolCalls, withCallIds } from './tool-execution.js';

const echo = defineAgentTool({
  definition: { name: 'echo', description: 'Echoes.', parameters: z.object({ text: z.string() }) },
  run: ({ text }) => `echo: ${text}`,
});

function setup() {
  const storage = createInMemoryAgentStorage();
  const events: AgentEvent[] = [];
  let seq = 0;
  const journal = createStepJournal({
    state: newAgentState({ id: 'agent', namespace: 'user', embedder: fakeEmbedder }),
    at: new Date('2024-05-07T10:00:00Z'),
    storage,
    nextSeq: () => seq++,
    onRecord: () => {},
    onEvent: (event) => events.push(event),
  });
  return { storage, journal, events, context: createToolContext(journal, storage, undefined) };
}

const call = (name: string, args: Record<string, unknown>, id = `id-${name}`) => ({
  id,
  name,
  arguments: JSON.stringify(args),
});

describe('tool execution', () => {
  it('puts built-in and custom functions in one toolbox, refusing a reused name', () => {
    const toolbox = createToolbox([echo]);
    expect([...toolbox.tools.keys()]).toContain('echo');
    expect(
      toolbox.definitions.every((definition) =>
        JSON.stringify(toJsonSchema(definition.parameters)).includes('"request_heartbeat"'),
      ),
    ).toBe(true);
    expect(toolbox.tokens).toBeGreaterThan(createToolbox(undefined).tokens);
    expect(() =>
      createToolbox([{ ...echo, definition: { ...echo.definition, name: 'send_message' } }]),
    ).toThrow(/defined twice/);
  });

  it('runs calls in order, records each result, and decides the heartbeat', async () => {
    const toolbox = createToolbox([echo]);
    const { journal, context, events } = setup();
    const quiet = await executeToolCalls(
      [call('send_message', { message: 'Hi!' })],
      toolbox,
      context,
      journal,
    );
    expect(quiet.heartbeat).toBeUndefined();
    const [userTool] = journal.draft.queue;
    expect(quiet.saidTurns).toEqual([{ id: userTool, text: 'Hi!' }]);
    expect(journal.said).toEqual(['Hi!']);

    const chained = await executeToolCalls([call('echo', { text: 'a' })], toolbox, context, journal);
    expect(chained.heartbeat).toBe('requested');
    const failed = await executeToolCalls(
      [call('echo', { text: 'b', request_heartbeat: false }), call('nope', {}), call('echo', { text: 'c' })],
      toolbox,
      context,
      journal,
    );
    expect(failed.heartbeat).toBe('function-failed');
    expect(events.filter((event) => event.type === 'tool-result').map((event) => event.ok)).toEqual([
      true,
      true,
      true,
      false,
      true,
    ]);
    const results = journal.draft.queue.length;
    expect(results).toBe(5);
  });

  it('gives the functions the step draft and storage; recall search sees the rounds handed over', async () => {
    const toolbox = createToolbox(undefined);
    const { journal, context, storage } = setup();
    journal.record({ kind: 'user', content: 'my walrus is called Wally' });
    // The round in progress is in the context window, not yet in recall storage.
    expect(await context.recallSearch('walrus', 5)).toEqual([]);
    journal.handOver();
    await executeToolCalls(
      [
        call('archival_memory_insert', { content: 'Wally the walrus' }),
        call('core_memory_append', { label: 'human', content: 'Owns a walrus.' }),
      ],
      toolbox,
      context,
      journal,
    );
    expect(storage.passages.map((passage) => passage.text)).toEqual(['Wally the walrus']);
    expect(journal.draft.archivalCount).toBe(1);
    expect(journal.draft.blocks.find((block) => block.label === 'human')?.value).toContain('Owns a walrus.');
    const hits = await context.recallSearch('walrus', 5);
    expect(hits.map((message) => message.content)).toContain('my walrus is called Wally');
  });

  it('fills in tool call ids a server left out', () => {
    const filled = withCallIds(
      [
        { id: '', name: 'echo', arguments: '{}' },
        { id: 'x', name: 'echo', arguments: '{}' },
      ],
      'abcdef123456',
      2,
    );
    expect(filled.map((toolCall) => toolCall.id)).toEqual(['call_abcdef12_2_0', 'x']);
  });
});
