import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { memoryEventSchema, parseObserveOptions, parseRecallOptions, turnSchema } from './memory-options.js';

const at = new Date(Date.UTC(2023, 4, 8));

function failure(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseObserveOptions', () => {
  it('passes every valid event through, without adding keys', () => {
    const turn = { type: 'turn' as const, id: 't1', speaker: 'Caroline', text: 'hi', at };
    expect(parseObserveOptions({ namespace: 'ns', event: turn })).toEqual({ namespace: 'ns', event: turn });
    const tool = { type: 'tool-result' as const, id: 'r1', toolName: 'search', text: '[]', at };
    expect(parseObserveOptions({ namespace: 'ns', event: tool }).event).toEqual(tool);
    const session = { type: 'session' as const, id: 's1', boundary: 'start' as const, at };
    expect(parseObserveOptions({ namespace: 'ns', event: session }).event).toEqual(session);
    const signal = new AbortController().signal;
    expect(parseObserveOptions({ namespace: 'ns', event: turn, signal }).signal).toBe(signal);
  });

  it.each([
    [{ namespace: '', event: { type: 'turn', id: 't', speaker: 's', text: '', at } }, 'namespace'],
    [{ namespace: 'ns', event: { type: 'turn', id: '', speaker: 's', text: '', at } }, 'event.id'],
    [{ namespace: 'ns', event: { type: 'turn', id: 't', speaker: '', text: '', at } }, 'event.speaker'],
    [{ namespace: 'ns', event: { type: 'turn', id: 't', speaker: 's', text: '', at: 'today' } }, 'event.at'],
    [
      { namespace: 'ns', event: { type: 'turn', id: 't', speaker: 's', text: '', at: new Date(Number.NaN) } },
      'event.at',
    ],
    [{ namespace: 'ns', event: { type: 'turn', id: 't', speaker: 's', text: 3, at } }, 'event.text'],
    [
      { namespace: 'ns', event: { type: 'tool-result', id: 'r', toolName: '', text: '', at } },
      'event.toolName',
    ],
    [{ namespace: 'ns', event: { type: 'session', id: 's', boundary: 'middle', at } }, 'event.boundary'],
    [{ namespace: 'ns', event: { type: 'note', id: 'n', at } }, 'event.type'],
  ])('names the failing field of %j', (input, field) => {
    const error = failure(() => parseObserveOptions(input as never));
    expect(error.category).toBe('user');
    expect(error.issues.map((issue) => issue.path)).toContain(field);
    expect(error.message).toContain(field);
  });
});

describe('parseRecallOptions', () => {
  it('keeps the given options and leaves out the absent ones', () => {
    expect(parseRecallOptions({ query: 'where?', namespace: 'ns', k: 5 })).toEqual({
      query: 'where?',
      namespace: 'ns',
      k: 5,
    });
    expect(parseRecallOptions({ query: 'q', namespace: 'ns', tokenBudget: 100, at })).toEqual({
      query: 'q',
      namespace: 'ns',
      tokenBudget: 100,
      at,
    });
  });

  it.each([
    [{ query: '  ', namespace: 'ns' }, 'query'],
    [{ query: 'q', namespace: '' }, 'namespace'],
    [{ query: 'q', namespace: 'ns', k: 0 }, 'k'],
    [{ query: 'q', namespace: 'ns', k: 1.5 }, 'k'],
    [{ query: 'q', namespace: 'ns', tokenBudget: 0 }, 'tokenBudget'],
    [{ query: 'q', namespace: 'ns', at: 'now' }, 'at'],
    [{ query: 'q', namespace: 'ns', signal: {} }, 'signal'],
  ])('names the failing field of %j', (input, field) => {
    const error = failure(() => parseRecallOptions(input as never));
    expect(error.issues.map((issue) => issue.path)).toContain(field);
  });
});

describe('turn schemas', () => {
  it('parses a turn from outside data and drops unknown keys', () => {
    expect(turnSchema.parse({ id: 't', speaker: 's', text: 'x', at, extra: 1 })).toEqual({
      id: 't',
      speaker: 's',
      text: 'x',
      at,
    });
    expect(() => turnSchema.parse({ id: 't', speaker: 's', text: 'x', at, sessionId: '' })).toThrow(
      /sessionId/,
    );
  });

  it('keeps the event union discriminated by type', () => {
    expect(memoryEventSchema.safeParse({ type: 'session', id: 's', boundary: 'end', at }).success).toBe(true);
    expect(memoryEventSchema.safeParse({ type: 'turn', id: 's', boundary: 'end', at }).success).toBe(false);
  });
});
