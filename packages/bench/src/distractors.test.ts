import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tinyConversation } from './__fixtures__/tiny-conversation.js';
import { buildDistractors, loadDistractors } from './distractors.js';
import { parseConversation } from './locomo.js';

const source = parseConversation(tinyConversation(['Cleo', 'Dev']), 'other.json');

describe('buildDistractors', () => {
  it('takes the source turns first, then synthetic entries with other names, never a LoCoMo id', () => {
    const entries = buildDistractors([source], 30);
    expect(entries).toHaveLength(30);
    expect(entries.slice(0, 4).map((entry) => entry.id)).toEqual([
      'x0:D1:1',
      'x0:D1:2',
      'x0:D2:1',
      'x0:D2:2',
    ]);
    const synthetic = entries.slice(4);
    for (const entry of synthetic) {
      expect(entry.id).toMatch(/^s\d+$/);
      expect(entry.text).not.toMatch(/\b(Cleo|Dev)\b/);
    }
    expect(new Set(entries.map((entry) => entry.id)).size).toBe(30);
  });

  it('is the same for the same sources, count and seed', () => {
    expect(buildDistractors([source], 20)).toEqual(buildDistractors([source], 20));
    expect(buildDistractors([source], 20, 2)).not.toEqual(buildDistractors([source], 20));
  });

  it('refuses to build from nothing', () => {
    expect(() => buildDistractors([], 5)).toThrow(/no turns/);
  });
});

describe('loadDistractors', () => {
  it('builds once, then reads the cache under the home folder', async () => {
    const home = await mkdtemp(join(tmpdir(), 'loci-distractors-'));
    try {
      const first = await loadDistractors({ sources: [source], count: 12, home });
      expect(first.cached).toBe(false);
      expect((await stat(first.path)).isFile()).toBe(true);
      const second = await loadDistractors({ sources: [source], count: 12, home });
      expect(second.cached).toBe(true);
      expect(second.entries).toEqual(first.entries);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
