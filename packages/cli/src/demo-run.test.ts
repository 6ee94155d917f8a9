import { ingestConversation } from '@loci/bench';
import { countTokens, type Memory, type MemoryEvent, type Recalled } from '@loci/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DemoConversation, loadDemoConversation } from './demo-conversation.js';
import { renderDemoReport } from './demo-render.js';
import { askQuestion, type DemoReport, pickQuestions, summarise } from './demo-run.js';

/**
 * A small word-overlap memory that records what it was given: enough to check what the demo sends
 * and how it reads the results, independent of the retrieval Loci ships (tested in its package).
 */
function createOverlapMemory(): Memory & { events: { namespace: string; event: MemoryEvent }[] } {
  const events: { namespace: string; event: MemoryEvent }[] = [];
  const words = (text: string) => new Set(text.toLowerCase().match(/[a-z0-9]+/g) ?? []);
  return {
    name: 'overlap',
    events,
    async observe({ namespace, event }) {
      events.push({ namespace, event });
    },
    async recall({ query, namespace, k = 5 }) {
      const wanted = words(query);
      const scored: Recalled[] = [];
      for (const { namespace: ns, event } of events) {
        if (ns !== namespace || event.type !== 'turn') continue;
        const overlap = [...words(event.text)].filter((word) => wanted.has(word) && word.length > 3).length;
        if (overlap > 0) {
          scored.push({
            text: event.text,
            score: overlap,
            kind: 'turn',
            sources: [event.id],
            tokens: countTokens(event.text),
          });
        }
      }
      return scored.sort((a, b) => b.score - a.score).slice(0, k);
    },
  };
}

let conversation: DemoConversation;
beforeAll(async () => {
  conversation = await loadDemoConversation();
});

describe('the demo conversation through the benchmark ingest loop', () => {
  it('observes every turn in order, inside session boundaries, in the given namespace', async () => {
    const memory = createOverlapMemory();
    const progress: number[] = [];
    const result = await ingestConversation({
      memory,
      sessions: conversation.sessions,
      namespace: 'ns-1',
      onTurn: (done) => progress.push(done),
    });
    expect(result.turns).toBe(conversation.turns.length);
    expect(progress.at(-1)).toBe(conversation.turns.length);
    const turnIds = memory.events.flatMap(({ event }) => (event.type === 'turn' ? [event.id] : []));
    expect(turnIds).toEqual(conversation.turns.map((turn) => turn.id));
    expect(memory.events.every(({ namespace }) => namespace === 'ns-1')).toBe(true);
    const boundaries = memory.events.filter(({ event }) => event.type === 'session');
    expect(boundaries).toHaveLength(2 * conversation.sessions.length);
    expect(memory.events[0]!.event).toMatchObject({ type: 'session', boundary: 'start', id: 'session_1' });
    // Times never go backwards.
    const times = memory.events.map(({ event }) => event.at.getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });
});

describe('askQuestion', () => {
  it('reports which evidence turns came back and resolves sources to turns', async () => {
    const memory = createOverlapMemory();
    await ingestConversation({ memory, sessions: conversation.sessions, namespace: 'ns', onTurn: () => {} });
    const question = conversation.questions.find((item) => item.question.includes('Peak District'))!;
    const answer = await askQuestion({
      memory,
      conversation,
      namespace: 'ns',
      question,
      k: 3,
      at: new Date(),
    });
    expect(answer.evidenceRecalled).toEqual(question.evidence);
    expect(answer.recalled.length).toBeLessThanOrEqual(3);
    const top = answer.recalled[0]!;
    expect(top.turns[0]).toMatchObject({ id: question.evidence[0], speaker: 'Tomas', isEvidence: true });
  });

  it('finds nothing in another namespace, and takes free-form questions', async () => {
    const memory = createOverlapMemory();
    await ingestConversation({ memory, sessions: conversation.sessions, namespace: 'a', onTurn: () => {} });
    const answer = await askQuestion({
      memory,
      conversation,
      namespace: 'b',
      question: 'Where does Priya swim?',
      k: 5,
      at: new Date(),
    });
    expect(answer.recalled).toEqual([]);
    expect(answer.evidence).toBeUndefined();
  });
});

describe('pickQuestions', () => {
  it('takes each category in turn', () => {
    const picked = pickQuestions(conversation.questions, 6);
    expect(picked.map((question) => question.category)).toEqual([4, 2, 1, 3, 4, 2]);
    expect(pickQuestions(conversation.questions, 100)).toHaveLength(conversation.questions.length);
  });
});

describe('summarise and renderDemoReport', () => {
  it('counts questions whose evidence was all recalled, and prints each recalled turn', async () => {
    const memory = createOverlapMemory();
    const ingest = await ingestConversation({ memory, sessions: conversation.sessions, namespace: 'ns' });
    const at = new Date();
    const answers = [];
    for (const question of pickQuestions(conversation.questions, 4)) {
      answers.push(await askQuestion({ memory, conversation, namespace: 'ns', question, k: 5, at }));
    }
    answers.push(await askQuestion({ memory, conversation, namespace: 'ns', question: 'zzz qqq', k: 5, at }));
    const summary = summarise(answers);
    expect(summary.questions).toBe(5);
    expect(summary.withEvidence).toBe(4);
    const expectedAll = answers.filter(
      (answer) => answer.evidence && answer.evidenceRecalled?.length === answer.evidence.length,
    );
    expect(summary.allEvidenceRecalled).toBe(expectedAll.length);

    const report: DemoReport = {
      conversation: {
        speakers: conversation.speakers,
        sessions: 6,
        turns: ingest.turns,
        from: conversation.sessions[0]!.at.toISOString(),
        to: conversation.sessions.at(-1)!.at.toISOString(),
      },
      embedder: { provider: 'test', modelId: 'none', dimensions: 0, readySeconds: 0 },
      store: { uri: '/tmp/x', namespace: 'ns', fresh: true },
      memory: memory.name,
      ingest,
      k: 5,
      questions: answers,
      summary,
      notes: ['A note for the reader.'],
    };
    const text = renderDemoReport(report);
    expect(text).toContain(
      'Loci demo: 119 turns between Priya and Tomas over 6 sessions, 14 Jan 2024 to 28 Jul 2024',
    );
    expect(text).toContain(`Q1 [single-hop] ${answers[0]!.question}`);
    expect(text).toContain('Q5 zzz qqq');
    expect(text).toMatch(/recalled 0 in .*\n {3}\(nothing\)/);
    const firstTurn = answers[0]!.recalled[0]!.turns[0]!;
    expect(text).toContain(firstTurn.id);
    expect(text).toMatch(/evidence recalled: \d of \d/);
    expect(text).toContain(`${summary.allEvidenceRecalled} of 4 questions had all their evidence recalled`);
    expect(text).toContain('\nA note for the reader.\n');
  });
});
