import { describe, expect, it } from 'vitest';
import { createInMemoryAgentStorage, fakeEmbedder } from './__fixtures__/in-memory-agent-storage.js';
import type { AgentEvent } from './agent-events.js';
import { newAgentState } from './agent-persistence.js';
import { createStepJournal } from './step-journal.js';
import type { StoredMessage } from './stored-message.js';

function setup() {
  const storage = createInMemoryAgentStorage();
  const state = newAgentState({ id: 'agent', namespace: 'user', embedder: fakeEmbedder });
  const events: AgentEvent[] = [];
  const remembered: StoredMessage[] = [];
  let seq = 10;
  const journal = createStepJournal({
    state,
    at: new Date('2024-05-07T10:00:00Z'),
    storage,
    nextSeq: () => seq++,
    onRecord: (message) => remembered.push(message),
    onEvent: (event) => events.push(event),
  });
  return { storage, state, journal, events, remembered };
}

describe('step journal', () => {
  it('records messages into the draft only, with the step id, time and the next seqs', () => {
    const { state, journal, remembered } = setup();
    const first = journal.record({ kind: 'user', content: 'hi' });
    journal.record({ kind: 'assistant', content: 'thinking' });
    expect(first).toMatchObject({ seq: 10, stepId: journal.stepId, at: journal.at });
    expect(journal.draft.queue).toEqual(remembered.map((message) => message.id));
    expect(journal.draft.recallCount).toBe(2);
    expect(state.queue).toEqual([]);
  });

  it('writes pending messages in one append, and keeps them when the append fails', async () => {
    const { storage, journal } = setup();
    journal.record({ kind: 'user', content: 'one' });
    storage.failNextAppends(1);
    await expect(journal.flush()).rejects.toThrow('unavailable');
    journal.record({ kind: 'user', content: 'two' });
    await journal.flush();
    await journal.flush();
    expect(storage.messages.map((message) => message.content)).toEqual(['one', 'two']);
  });

  it('traces every event but the streaming deltas, and sums usage and LLM time', async () => {
    const { journal, events } = setup();
    journal.emit({ type: 'message-delta', toolCallId: 'c', text: 'He' });
    journal.emit({ type: 'message', text: 'Hello' });
    expect(events).toHaveLength(2);
    expect(journal.trace).toEqual([{ type: 'message', text: 'Hello' }]);
    journal.addUsage({ inputTokens: 3, outputTokens: 1, totalTokens: 4 });
    journal.addUsage({ inputTokens: 3, outputTokens: 1, totalTokens: 4 });
    expect(journal.usage).toEqual({ inputTokens: 6, outputTokens: 2, totalTokens: 8 });
    await journal.timed(() => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(journal.llmMs()).toBeGreaterThanOrEqual(15);
  });
});
