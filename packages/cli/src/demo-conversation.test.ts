import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@loci/testing/temp-dir';
import { describe, expect, it } from 'vitest';
import { demoConversationPath, loadDemoConversation } from './demo-conversation.js';

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
    expect(conversation.turnsById.get(ids[0]!)).toBe(conversation.turns[0]);
  });

  it('numbers sessions 1..N in time order, each turn by its place, spoken by the two speakers', async () => {
    const conversation = await loadDemoConversation();
    conversation.sessions.forEach((session, index) => {
      expect(session.id).toBe(`session_${index + 1}`);
      if (index > 0)
        expect(session.at.getTime()).toBeGreaterThan(conversation.sessions[index - 1]!.at.getTime());
      session.turns.forEach((turn, position) => {
        expect(turn.id).toBe(`D${index + 1}:${position + 1}`);
        expect(conversation.speakers).toContain(turn.speaker);
      });
    });
  });

  it('shares images through captions the memory can read', async () => {
    const raw = await rawDemo();
    const captioned = Object.entries(raw)
      .filter(([key]) => /^session_\d+$/.test(key))
      .flatMap(([, turns]) => turns as { dia_id: string; blip_caption?: string }[])
      .filter((turn) => turn.blip_caption !== undefined);
    expect(captioned.length).toBeGreaterThanOrEqual(2);
    const conversation = await loadDemoConversation();
    for (const turn of captioned) {
      expect(conversation.turnsById.get(turn.dia_id)?.text).toContain(turn.blip_caption!);
    }
  });

  it('has 25–35 answered questions covering all four categories, each with evidence in the conversation', async () => {
    const conversation = await loadDemoConversation();
    expect(conversation.questions.length).toBeGreaterThanOrEqual(25);
    expect(conversation.questions.length).toBeLessThanOrEqual(35);
    expect(new Set(conversation.questions.map((question) => question.category))).toEqual(
      new Set([1, 2, 3, 4]),
    );
    // Every question in the file survives the benchmark's parser (none lost to bad evidence ids).
    expect(conversation.questions).toHaveLength(((await rawDemo())['qa'] as unknown[]).length);
    for (const question of conversation.questions) {
      expect(question.answer).toBeTruthy();
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

describe('loadDemoConversation on other files', () => {
  it('reports a file that is not JSON, one that is missing, and one that holds several conversations', async () => {
    const dir = await makeTempDir();
    try {
      const broken = join(dir.path, 'broken.json');
      await writeFile(broken, '{ "speaker_a": ');
      await expect(loadDemoConversation(broken)).rejects.toThrow(/broken\.json is not valid JSON/);
      await expect(loadDemoConversation(join(dir.path, 'nope.json'))).rejects.toThrow(/cannot read/);
      const two = join(dir.path, 'two.json');
      const one = await rawDemo();
      await writeFile(two, JSON.stringify([one, one]));
      await expect(loadDemoConversation(two)).rejects.toThrow(/holds 2 conversations; the demo reads one/);
    } finally {
      await dir.remove();
    }
  });
});
