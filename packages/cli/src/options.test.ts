import { LociError } from '@loci/core';
import { describe, expect, it } from 'vitest';
import { parseBenchRecallOptions } from './commands/bench-recall.js';
import { parseChatOptions } from './commands/chat.js';
import { parseDemoOptions } from './commands/demo.js';
import {
  parseModelsBuildOptions,
  parseModelsListOptions,
  parseModelsPullOptions,
} from './commands/models.js';
import { parseTrainSideNetOptions } from './commands/train.js';
import { collect, parseOptions, wholeNumberOption } from './options.js';

/** The error a parse throws, checked to be the CLI's `invalid_options` for that command. */
function rejection(parse: () => unknown, command: string): LociError {
  try {
    parse();
  } catch (error) {
    if (!LociError.isInstance(error)) throw error;
    expect(error.code).toBe('invalid_options');
    expect(error.category).toBe('user');
    expect((error as LociError & { facts: Record<string, string> }).facts).toEqual({ command });
    return error;
  }
  throw new Error('expected the options to be rejected');
}

describe('command options, parsed once from what commander hands over', () => {
  it('demo: defaults, strings turned into numbers, and bounds', () => {
    expect(parseDemoOptions({})).toEqual({ k: 5, question: [], json: false });
    expect(parseDemoOptions({ k: '3', json: true, question: ['a?', 'b?'], store: ' /tmp/s ' })).toEqual({
      k: 3,
      json: true,
      question: ['a?', 'b?'],
      store: '/tmp/s',
    });
    expect(rejection(() => parseDemoOptions({ k: 'lots' }), 'demo').message).toBe(
      'invalid loci demo options: k: expected a whole number',
    );
    expect(rejection(() => parseDemoOptions({ k: '0' }), 'demo').message).toMatch(/k: must be at least 1/);
    expect(rejection(() => parseDemoOptions({ k: '2.5' }), 'demo').message).toMatch(
      /k: expected a whole number/,
    );
    expect(rejection(() => parseDemoOptions({ question: ['  '] }), 'demo').message).toMatch(/question\.0/);
    expect(rejection(() => parseDemoOptions({ store: '' }), 'demo').message).toMatch(/store: give a folder/);
  });

  it('chat: the LLM flags are checked before anything connects', () => {
    const options = parseChatOptions({
      baseUrl: 'http://localhost:11434/v1',
      contextWindow: '8192',
      new: true,
    });
    expect(options).toMatchObject({
      baseUrl: 'http://localhost:11434/v1',
      contextWindow: 8192,
      new: true,
      user: 'default',
      verbose: false,
    });
    expect(rejection(() => parseChatOptions({ baseUrl: 'localhost:11434' }), 'chat').message).toMatch(
      /baseUrl: expected an http\(s\) URL/,
    );
    expect(rejection(() => parseChatOptions({ contextWindow: '100' }), 'chat').message).toMatch(
      /contextWindow: must be at least 512/,
    );
  });

  it('chat: --wait and --take-over only when resuming, never with --new', () => {
    expect(parseChatOptions({ agent: 'ana', wait: '30', takeOver: true })).toMatchObject({
      wait: 30,
      takeOver: true,
      new: false,
    });
    for (const lease of [{ takeOver: true }, { wait: '30' }, { wait: '0' }, { takeOver: true, wait: '5' }]) {
      expect(
        rejection(() => parseChatOptions({ new: true, agent: 'ana', ...lease }), 'chat').message,
      ).toMatch(
        /new: --new creates an agent nobody holds yet; --wait and --take-over apply only when resuming one/,
      );
    }
  });

  it('models build, list and pull', () => {
    expect(parseModelsBuildOptions({ force: true })).toEqual({ force: true });
    expect(parseModelsListOptions({ home: '/h' })).toEqual({ home: '/h', verify: false, json: false });
    expect(parseModelsPullOptions({ revision: 'v1' })).toEqual({ revision: 'v1', force: false });
    expect(rejection(() => parseModelsPullOptions({ hub: 'ftp://hub' }), 'models pull').message).toMatch(
      /^invalid loci models pull options: hub: /,
    );
  });

  it('bench recall: method names, k lists and the token budget', () => {
    expect(
      parseBenchRecallOptions({ data: ['a.json'], method: 'best', k: '1, 5', tokenBudget: '256' }),
    ).toEqual({
      data: ['a.json'],
      method: 'best',
      k: [1, 5],
      tokenBudget: 256,
      distractors: 0,
      embedder: 'glove-sif-100d',
      json: false,
    });
    expect(
      rejection(() => parseBenchRecallOptions({ data: ['a'], method: 'magic' }), 'bench recall').message,
    ).toMatch(/method: use one of bm25, dense, hybrid, longmem, best/);
    expect(
      rejection(() => parseBenchRecallOptions({ data: ['a'], method: 'bm25', k: '1,zero' }), 'bench recall')
        .message,
    ).toMatch(/k\.1: /);
    expect(
      rejection(() => parseBenchRecallOptions({ data: [], method: 'bm25' }), 'bench recall').message,
    ).toMatch(/data: give --data/);
  });

  it('train sidenet', () => {
    expect(parseTrainSideNetOptions({ data: ['a.json'], out: 'w.json', epochs: '40' })).toEqual({
      data: ['a.json'],
      out: 'w.json',
      epochs: 40,
      selfSupervised: false,
    });
    expect(
      rejection(() => parseTrainSideNetOptions({ data: ['a'], out: 'w', epochs: '5000' }), 'train sidenet')
        .message,
    ).toMatch(/epochs: must be at most 1000/);
  });
});

describe('option helpers', () => {
  it('reads whole numbers from flag text', () => {
    const schema = wholeNumberOption(1, 10);
    expect(schema.parse(' 7 ')).toBe(7);
    expect(schema.parse(3)).toBe(3);
    expect(schema.safeParse('').success).toBe(false);
    expect(schema.safeParse('11').success).toBe(false);
  });

  it('collects repeated flags in order', () => {
    expect(collect('b', collect('a', undefined))).toEqual(['a', 'b']);
  });

  it('lets errors other than bad options through unchanged', async () => {
    const { z } = await import('zod');
    const boom = new TypeError('not an options problem');
    const schema = z.string().transform(() => {
      throw boom;
    });
    expect(() => parseOptions(schema, 'x', 'demo')).toThrow(boom);
  });
});
