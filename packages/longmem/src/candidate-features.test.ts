import { describe, expect, it } from 'vitest';
import { createBm25Index } from './bm25-index.js';
import { collectCandidates, featureNames, prepareQuery, querySegments } from './candidate-features.js';
import { hasDateExpression, isTemporalQuestion, queryDateRanges, spokenDate } from './date-expressions.js';
import { createTurnBank } from './turn-bank.js';

/** Unit vectors along one axis: hand-built keys whose cosines are known exactly. */
function axis(index: number, dimensions = 4): Float32Array {
  const vector = new Float32Array(dimensions);
  vector[index] = 1;
  return vector;
}

function bank() {
  const turns = [
    { speaker: 'Ana', text: 'Shall we talk about your weekend?', session: 's1', axis: 0 },
    { speaker: 'Ben', text: 'I went kayaking on the river last Sunday.', session: 's1', axis: 1 },
    { speaker: 'Ana', text: 'My violin teacher moved to Porto.', session: 's1', axis: 2 },
    { speaker: 'Ben', text: 'The garden needs water.', session: 's2', axis: 3 },
  ];
  const built = createTurnBank(4);
  built.append(
    turns.map((turn, seq) => ({
      id: `t${seq + 1}`,
      speaker: turn.speaker,
      text: turn.text,
      at: new Date(Date.UTC(2024, 0, 1 + seq)),
      sessionId: turn.session,
      seq,
      vector: axis(turn.axis),
    })),
  );
  return built;
}

function featuresOf(candidates: ReturnType<typeof collectCandidates>, position: number) {
  const c = candidates.positions.indexOf(position);
  const out: Record<string, number> = {};
  featureNames.forEach((name, f) => {
    out[name] = candidates.features[c * featureNames.length + f] as number;
  });
  return out;
}

describe('collectCandidates', () => {
  it('describes each candidate by dense, lexical, window, speaker and date evidence', () => {
    const memory = bank();
    const query = prepareQuery('When was Ben kayaking?', [axis(1)]);
    const candidates = collectCandidates(memory, query);
    const kayak = featuresOf(candidates, 1);
    expect(candidates.base[candidates.positions.indexOf(1)]).toBeCloseTo(1);
    expect(kayak['dense']).toBeCloseTo(1);
    expect(kayak['bm25']).toBe(1);
    expect(kayak['bm25_rank']).toBe(1);
    expect(kayak['speaker_named']).toBe(1);
    expect(kayak['other_speaker_named']).toBe(0);
    expect(kayak['temporal_match']).toBe(1);
    expect(kayak['coverage']).toBe(1);
    const before = featuresOf(candidates, 0);
    // The turn before sees kayaking through its window and its next turn, not in itself.
    expect(before['bm25']).toBe(0);
    expect(before['bm25_next']).toBe(1);
    expect(before['coverage_window']).toBe(1);
    expect(before['other_speaker_named']).toBe(1);
    expect(before['is_question']).toBe(1);
    // Windows stop at session boundaries.
    const garden = featuresOf(candidates, 3);
    expect(garden['bm25_previous']).toBe(0);
    expect(garden['recency']).toBe(1);
  });

  it('brings in the turns said on a date the query names, and marks them as matching its time', () => {
    const memory = bank();
    // Nothing in the query's words or vector points at the garden turn (said on 4 January, the
    // only turn within a day of the 5th).
    const query = prepareQuery('What happened on 5 January, 2024?', [axis(0)]);
    const candidates = collectCandidates(memory, query, { perList: 1 });
    expect(candidates.positions).toContain(3);
    expect(featuresOf(candidates, 3)['temporal_match']).toBe(1);
    expect(featuresOf(candidates, 0)['temporal_match']).toBe(0);
    const undated = collectCandidates(memory, prepareQuery('What happened?', [axis(0)]), { perList: 1 });
    expect(undated.positions).not.toContain(3);
  });

  it('never returns excluded positions', () => {
    const memory = bank();
    const candidates = collectCandidates(memory, prepareQuery('kayaking river', [axis(1)]), {
      exclude: new Set([1]),
    });
    expect(candidates.positions).not.toContain(1);
    expect(featuresOf(candidates, 0)['bm25_next']).toBe(0);
  });
});

describe('query segments and dates', () => {
  it('splits several sentences or lines, and leaves one sentence whole', () => {
    expect(querySegments('What did Ben do on Sunday?')).toEqual([]);
    expect(querySegments('I lost my keys. Where did I leave them?')).toEqual([
      'I lost my keys.',
      'Where did I leave them?',
    ]);
    expect(querySegments('Ana: hi\nBen: the garden again')).toEqual(['Ana: hi', 'Ben: the garden again']);
  });

  it('reads the calendar dates a question names as ranges, a day either side', () => {
    const day = 24 * 60 * 60 * 1000;
    expect(queryDateRanges('What did Gina find on 1 February, 2023?')).toEqual([
      { start: Date.UTC(2023, 1, 1) - day, end: Date.UTC(2023, 1, 3) - 1 },
    ]);
    expect(queryDateRanges('the week before August 3rd, 2023')).toEqual([
      { start: Date.UTC(2023, 7, 2), end: Date.UTC(2023, 7, 5) - 1 },
    ]);
    expect(queryDateRanges('on the 3rd of June 2023')).toEqual([
      { start: Date.UTC(2023, 5, 2), end: Date.UTC(2023, 5, 5) - 1 },
    ]);
    expect(queryDateRanges('What did Maria start in December 2023?')).toEqual([
      { start: Date.UTC(2023, 11, 1) - day, end: Date.UTC(2024, 0, 1) + day - 1 },
    ]);
    expect(queryDateRanges('May I ask what you did last week?')).toEqual([]);
    expect(queryDateRanges('on 31 February, 2023')).toEqual([]);
    const said = new Date(Date.UTC(2023, 4, 8, 13, 56));
    expect([0, 1, 2].map((style) => spokenDate(said, style))).toEqual([
      'on 8 May, 2023',
      'on May 8, 2023',
      'in May 2023',
    ]);
    for (const style of [0, 1, 2]) {
      const [range] = queryDateRanges(`What did Ana say ${spokenDate(said, style)}?`);
      expect(range && said.getTime() >= range.start && said.getTime() <= range.end).toBe(true);
    }
  });

  it('spots date expressions and temporal questions', () => {
    expect(hasDateExpression('I went kayaking last Sunday')).toBe(true);
    expect(hasDateExpression('We met in 2019')).toBe(true);
    expect(hasDateExpression('The garden needs water')).toBe(false);
    expect(isTemporalQuestion('When did Ben go kayaking?')).toBe(true);
    expect(isTemporalQuestion('How long has Ana played the violin?')).toBe(true);
    expect(isTemporalQuestion('What does Ana play?')).toBe(false);
  });
});

describe('turn bank', () => {
  it('replaces a turn in place and evicts the oldest', () => {
    const memory = bank();
    memory.append([{ ...memory.entry(2), text: 'My cello teacher moved to Porto.' }]);
    expect(memory.size).toBe(4);
    expect(memory.turnIndex.search('cello', 5).map((hit) => hit.index)).toEqual([2]);
    const dropped = memory.dropOldest(2);
    expect(dropped.map((entry) => entry.id)).toEqual(['t1', 't2']);
    expect(memory.positionOf('t3')).toBe(0);
    expect(memory.positionOf('t1')).toBeUndefined();
    expect(() => memory.append([{ ...memory.entry(0), id: 'bad', vector: new Float32Array(3) }])).toThrow(
      /3 dimensions, expected 4/,
    );
  });

  it('indexes windows and sessions as the texts of their turns, turn by turn or all at once', () => {
    const whole = bank();
    const byTurn = createTurnBank(4);
    for (const entry of whole.entries()) byTurn.append([entry]);
    const windows = indexOver(whole.entries().map((_, i) => windowText(whole, i, 1)));
    const wide = indexOver(whole.entries().map((_, i) => windowText(whole, i, 2)));
    const sessions = indexOver([
      'Ana: Shall we talk about your weekend?\nBen: I went kayaking on the river last Sunday.\n' +
        'Ana: My violin teacher moved to Porto.',
      'Ben: The garden needs water.',
    ]);
    for (const query of ['kayaking weekend', 'Ben garden water', 'violin Porto Sunday']) {
      for (const built of [whole, byTurn]) {
        expect([...built.windowIndex.scoreAll(query)]).toEqual([...windows.scoreAll(query)]);
        expect([...built.wideIndex.scoreAll(query)]).toEqual([...wide.scoreAll(query)]);
        expect([...built.sessionIndex.scoreAll(query)]).toEqual([...sessions.scoreAll(query)]);
      }
    }
  });

  it('a replaced turn updates its window and its session', () => {
    const memory = bank();
    memory.append([{ ...memory.entry(1), text: 'I went sailing on the lake.' }]);
    expect(memory.windowIndex.search('kayaking', 5)).toEqual([]);
    expect(memory.sessionIndex.search('kayaking', 5)).toEqual([]);
    const windows = memory.windowIndex.search('sailing', 5).map((hit) => hit.index);
    expect(windows.sort()).toEqual([0, 1, 2]);
    expect(memory.sessionIndex.search('sailing', 5).map((hit) => hit.index)).toEqual([0]);
  });
});

function windowText(memory: ReturnType<typeof bank>, position: number, radius: number): string {
  const [start, end] = memory.window(position, radius);
  return memory
    .entries()
    .slice(start, end + 1)
    .map((entry) => `${entry.speaker}: ${entry.text}`)
    .join('\n');
}

function indexOver(texts: readonly string[]) {
  const index = createBm25Index();
  for (const text of texts) index.add(text);
  return index;
}
