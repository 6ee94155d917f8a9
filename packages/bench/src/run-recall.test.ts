import type { Memory, Recalled } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { tinyConversation } from './__fixtures__/tiny-conversation.js';
import { parseConversation } from './locomo.js';
import { runRecall, toJsonLine } from './run-recall.js';

/**
 * A memory double with known answers: it records what it observed and answers each question
 * with a fixed list of turn ids, so the harness's bookkeeping can be checked exactly.
 */
function answeringMemory(answers: Record<string, string[][]>) {
  const observed: { namespace: string; type: string; id: string; text?: string }[] = [];
  let flushed = 0;
  const memory: Memory = {
    name: 'answering',
    async observe({ namespace, event }) {
      observed.push({
        namespace,
        type: event.type,
        id: event.id,
        ...('text' in event ? { text: event.text } : {}),
      });
    },
    async recall({ query, k }): Promise<Recalled[]> {
      const items = (answers[query] ?? []).map((sources, rank) => ({
        text: sources.join(' '),
        score: -rank,
        kind: 'turn',
        sources,
        tokens: 100 * sources.length,
      }));
      return items.slice(0, k);
    },
    async flush() {
      flushed++;
    },
  };
  return { memory, observed, flushes: () => flushed };
}

describe('runRecall', () => {
  const conversation = parseConversation(tinyConversation(), 'tiny.json');

  it('ingests every turn in a fresh namespace per conversation, then scores each question', async () => {
    const double = answeringMemory({
      // Found at rank 1.
      'What is the name of the cat?': [['D1:1'], ['D2:1']],
      // Half the evidence at rank 2, the other half inside a 3-turn item at rank 3.
      'What sport and race?': [['D1:1'], ['D1:2'], ['D2:1', 'D2:2', 'D1:1']],
    });
    const other = parseConversation(tinyConversation(['Cleo', 'Dev']), 'other.json');
    const result = await runRecall({
      conversations: [conversation, other],
      memory: double.memory,
      ks: [1, 2, 5],
      tokenBudget: 250,
    });
    const namespaces = new Set(double.observed.map((event) => event.namespace));
    expect(namespaces.size).toBe(2);
    expect(double.observed.filter((event) => event.type === 'turn')).toHaveLength(8);
    // Each of the 4 sessions opens and closes with a boundary event.
    expect(double.observed.filter((event) => event.type === 'session')).toHaveLength(8);
    expect(double.observed.find((event) => event.id === 'D1:2')?.text).toContain(
      '[shares a photo of a boat]',
    );
    expect(double.flushes()).toBe(2);

    expect(result.questions).toBe(4);
    // Per conversation: cat question 1/1/1; sport question 0 @1, 0.5 @2, 1 @5 (the 3-turn item fits in 5).
    expect(result.recallAtK).toEqual({ '1': 0.5, '2': 0.75, '5': 1 });
    // Budget 250 tokens: cat → the first two 100-token items fit; sport → 2 items (found 1 of 2).
    expect(result.recallAtBudget).toBe(0.75);
    expect(result.contextTokensMean).toBe(200);
    expect(result.byCategory['4']?.recallAtK['1']).toBe(1);
    expect(result.byCategory['1']?.recallAtK['2']).toBe(0.5);
    expect(Object.keys(result.byConversation)).toEqual(['tiny.json', 'other.json']);
    expect(result.ingestTurnsPerSecond).toBeGreaterThan(0);
  });

  it('prints exactly the specified JSON keys', async () => {
    const result = await runRecall({
      conversations: [conversation],
      memory: answeringMemory({}).memory,
      method: 'x',
    });
    const line = JSON.parse(toJsonLine(result)) as Record<string, unknown>;
    expect(Object.keys(line)).toEqual([
      'method',
      'conversations',
      'questions',
      'recall_at_k',
      'recall_at_budget',
      'ingest_turns_per_s',
      'recall_ms',
      'context_tokens_mean',
    ]);
    expect(line['method']).toBe('x');
    expect(Object.keys(line['recall_at_k'] as object)).toEqual(['1', '5', '10', '20']);
    expect(Object.keys(line['recall_ms'] as object)).toEqual(['p50', 'p95']);
    expect(line['recall_at_budget']).toBe(0);
  });
});
