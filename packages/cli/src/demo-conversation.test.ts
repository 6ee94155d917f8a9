import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@loci/core';
import { makeTempDir } from '@loci/testing/temp-dir';
import { describe, expect, it } from 'vitest';
import { demoConversationPath, loadDemoConversation, parseDemoConversation } from './demo-conversation.js';

async function rawDemo(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(demoConversationPath, 'utf8')) as Record<string, unknown>;
}

describe('the bundled demo conversation', () => {
  it('is a LoCoMo-format conversation of 5–6 dated sessions and 100–120 turns', async () => {
    const conversation = await loadDemoConversation();
    expect(conversation.speakers).toEqual(['Priya', 'Tomas']);
    expect(conversation.sessions.length).toBeGreaterThanOrEqual(5);
    expect(conversation.sessions.length).toBeLessThanOrEqual(6);
    expect(conversation.turns.length).toBeGreaterThanOrEqual(100);
    expect(conversation.turns.length).toBeLessThanOrEqual(120);
    // Spans several months, in order.
    const first = conversation.sessions[0]!.at.getTime();
    const last = conversation.sessions.at(-1)!.at.getTime();
    expect(last - first).toBeGreaterThan(90 * 24 * 3600 * 1000);
    const ids = conversation.turns.map((turn) => turn.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('shares images through captions the memory can read', async () => {
    const conversation = await loadDemoConversation();
    const withImages = conversation.turns.filter((turn) => turn.caption !== undefined);
    expect(withImages.length).toBeGreaterThanOrEqual(2);
    for (const turn of withImages) expect(turn.text).toContain(turn.caption!);
  });

  it('has 25–35 questions covering all four categories, each with evidence in the conversation', async () => {
    const conversation = await loadDemoConversation();
    expect(conversation.questions.length).toBeGreaterThanOrEqual(25);
    expect(conversation.questions.length).toBeLessThanOrEqual(35);
    expect(new Set(conversation.questions.map((question) => question.category))).toEqual(
      new Set([1, 2, 3, 4]),
    );
    for (const question of conversation.questions) {
      expect(question.evidence.length).toBeGreaterThan(0);
      for (const id of question.evidence) expect(conversation.turnsById.has(id)).toBe(true);
    }
    // Multi-hop questions need more than one turn.
    for (const question of conversation.questions.filter((item) => item.category === 1)) {
      expect(question.evidence.length).toBeGreaterThan(1);
    }
  });

  it('keeps the raw LoCoMo field layout (session_N_date_time before session_N, qa last)', async () => {
    const keys = Object.keys(await rawDemo());
    expect(keys.slice(0, 4)).toEqual(['speaker_a', 'speaker_b', 'session_1_date_time', 'session_1']);
    expect(keys.at(-1)).toBe('qa');
  });
});

describe('parseDemoConversation on broken input', () => {
  function errorOf(input: unknown): ConfigError {
    try {
      parseDemoConversation(input, 'test.json');
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error('expected a ConfigError');
  }

  it('names evidence that points at no turn', async () => {
    const raw = await rawDemo();
    const qa = raw['qa'] as { evidence: string[] }[];
    qa[3]!.evidence = ['D9:99'];
    expect(errorOf(raw).message).toMatch(/qa\.3\.evidence: no turn "D9:99"/);
  });

  it('names sessions out of time order', async () => {
    const raw = await rawDemo();
    raw['session_3_date_time'] = '9:00 am on 1 January, 2020';
    expect(errorOf(raw).message).toMatch(/session_3_date_time: .* is not after session_2/);
  });

  it('names a missing or unreadable session time', async () => {
    const raw = await rawDemo();
    raw['session_2_date_time'] = 'yesterday';
    expect(errorOf(raw).message).toMatch(/session_2_date_time: expected a time like/);
  });

  it('names a turn id that does not match its place', async () => {
    const raw = await rawDemo();
    const session = raw['session_2'] as { dia_id: string }[];
    session[4]!.dia_id = 'D2:1';
    expect(errorOf(raw).message).toMatch(/session_2\.4\.dia_id: expected "D2:5", got "D2:1"/);
  });

  it('names a speaker who is not one of the two', async () => {
    const raw = await rawDemo();
    const session = raw['session_1'] as { speaker: string }[];
    session[0]!.speaker = 'Mallory';
    expect(errorOf(raw).message).toMatch(/session_1\.0\.speaker: "Mallory"/);
  });

  it('names fields of the wrong type', () => {
    expect(errorOf({ speaker_a: 'A', speaker_b: 7, qa: [] }).message).toMatch(/speaker_b/);
    expect(
      errorOf({
        speaker_a: 'A',
        speaker_b: 'B',
        qa: [{ question: 'q', answer: 'a', evidence: [], category: 9 }],
      }).message,
    ).toMatch(/qa\.0\.(evidence|category)/);
  });

  it('reports a file that is not JSON, and one that is missing', async () => {
    const dir = await makeTempDir();
    try {
      const path = join(dir.path, 'broken.json');
      await writeFile(path, '{ "speaker_a": ');
      await expect(loadDemoConversation(path)).rejects.toThrow(/broken\.json is not valid JSON/);
      await expect(loadDemoConversation(join(dir.path, 'nope.json'))).rejects.toThrow(
        /cannot read the conversation file/,
      );
    } finally {
      await dir.remove();
    }
  });
});
