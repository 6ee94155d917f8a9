import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@loci/core';
import { makeTempDir } from '@loci/testing/temp-dir';
import { describe, expect, it } from 'vitest';
import { tinyConversation } from './__fixtures__/tiny-conversation.js';
import { assertDisjoint, loadLocomo, parseConversation, parseLocomo, splitEvidence } from './locomo.js';

describe('LoCoMo loader', () => {
  it('parses sessions, dates, captions and answerable questions', () => {
    const conversation = parseConversation(tinyConversation(), 'tiny.json');
    expect(conversation.id).toBe('tiny.json');
    expect(conversation.speakers).toEqual(['Ana', 'Ben']);
    expect(conversation.sessions.map((session) => session.turns.length)).toEqual([2, 2]);
    const second = conversation.sessions[0]?.turns[1];
    expect(second?.text).toBe('Lovely! I started rowing on the canal. [shares a photo of a boat]');
    expect(second?.at.toISOString()).toBe('2023-05-08T13:56:01.000Z');
    expect(second?.sessionId).toBe('session_1');
    expect(conversation.questions).toEqual([
      { question: 'What is the name of the cat?', answer: 'Pixel', evidence: ['D1:1'], category: 4 },
      { question: 'What sport and race?', answer: 'rowing', evidence: ['D1:2', 'D2:2'], category: 1 },
    ]);
  });

  it('reads the combined list format with sample ids', () => {
    const list = [
      { sample_id: 'conv-1', conversation: tinyConversation(), qa: tinyConversation()['qa'] },
      { sample_id: 'conv-2', conversation: tinyConversation(['Cleo', 'Dev']), qa: [] },
    ];
    const conversations = parseLocomo(list, 'locomo10.json');
    expect(conversations.map((conversation) => conversation.id)).toEqual(['conv-1', 'conv-2']);
    expect(conversations[0]?.contentHash).not.toBe(conversations[1]?.contentHash);
  });

  it('names the broken field', () => {
    const broken = tinyConversation();
    broken['session_2_date_time'] = 'sometime';
    expect(() => parseConversation(broken, 'broken.json')).toThrow(/session_2_date_time/);
    const badTurn = tinyConversation();
    badTurn['session_1'] = [{ speaker: 'Ana', text: 'no id' }];
    expect(() => parseConversation(badTurn, 'bad.json')).toThrow(/session_1: 0\.dia_id/);
  });

  it('splits combined evidence entries', () => {
    expect(splitEvidence(['D8:6; D9:17', 'D1:2,D1:3', 'D1:2'])).toEqual(['D8:6', 'D9:17', 'D1:2', 'D1:3']);
  });

  it('loads a folder and reports files that are not JSON', async () => {
    const dir = await makeTempDir();
    try {
      await writeFile(join(dir.path, 'a.json'), JSON.stringify(tinyConversation()));
      await writeFile(join(dir.path, 'b.json'), JSON.stringify(tinyConversation(['Cleo', 'Dev'])));
      expect(await loadLocomo(dir.path)).toHaveLength(2);
      await writeFile(join(dir.path, 'c.json'), '{ not json');
      await expect(loadLocomo(dir.path)).rejects.toThrow(/c\.json is not valid JSON/);
      await expect(loadLocomo(join(dir.path, 'nope'))).rejects.toBeInstanceOf(ConfigError);
    } finally {
      await dir.remove();
    }
  });
});

describe('train/eval overlap', () => {
  it('refuses a training set that contains an evaluated conversation, even renamed', () => {
    const evaluated = parseConversation(tinyConversation(), 'eval.json');
    const renamed = parseConversation(tinyConversation(), 'other-name.json');
    const other = parseConversation(tinyConversation(['Cleo', 'Dev']), 'train.json');
    expect(() => assertDisjoint([other], [evaluated])).not.toThrow();
    expect(() => assertDisjoint([other, renamed], [evaluated])).toThrow(/share 1 conversation/);
  });

  it('refuses a shared sample id', () => {
    const [first] = parseLocomo(
      [{ sample_id: 'conv-7', conversation: tinyConversation(), qa: [] }],
      'x.json',
    );
    const [edited] = parseLocomo(
      [{ sample_id: 'conv-7', conversation: tinyConversation(['Cleo', 'Dev']), qa: [] }],
      'y.json',
    );
    expect(() => assertDisjoint([first!], [edited!])).toThrow(/same sample id/);
  });
});
