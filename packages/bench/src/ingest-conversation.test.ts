import type { Memory, MemoryEvent } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { tinyConversation } from './__fixtures__/tiny-conversation.js';
import { ingestConversation } from './ingest-conversation.js';
import { parseConversation } from './locomo.js';

/** A memory that records what it was given. */
function recordingMemory() {
  const calls: string[] = [];
  const memory: Memory = {
    name: 'recording',
    async observe({ namespace, event }: { namespace: string; event: MemoryEvent }) {
      calls.push(
        `${namespace} ${event.type === 'session' ? `session ${event.id} ${event.boundary}` : `${event.type} ${event.id}`}`,
      );
    },
    async recall() {
      return [];
    },
    async flush() {
      calls.push('flush');
    },
  };
  return { memory, calls };
}

describe('ingestConversation', () => {
  it('observes every session between its boundaries, in order, then flushes', async () => {
    const { memory, calls } = recordingMemory();
    const conversation = parseConversation(tinyConversation(), 'tiny.json');
    const progress: string[] = [];
    const result = await ingestConversation({
      memory,
      sessions: conversation.sessions,
      namespace: 'ns',
      onTurn: (done, total) => progress.push(`${done}/${total}`),
    });
    expect(calls).toEqual([
      'ns session session_1 start',
      'ns turn D1:1',
      'ns turn D1:2',
      'ns session session_1 end',
      'ns session session_2 start',
      'ns turn D2:1',
      'ns turn D2:2',
      'ns session session_2 end',
      'flush',
    ]);
    expect(progress).toEqual(['1/4', '2/4', '3/4', '4/4']);
    expect(result.turns).toBe(4);
    expect(result.turnsPerSecond).toBeGreaterThan(0);
  });
});
