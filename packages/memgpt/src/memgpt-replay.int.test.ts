// The MemGPT replay benchmark (packages/memgpt/bench), checked on a short run: it was `loci bench memgpt`.
import { join } from 'node:path';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseReplayArgs, runMemgptReplay } from '../bench/memgpt-replay.js';
import { generateConversation } from '../bench/replay-conversation.js';

let dir: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  dir = await makeTempDir('loci-memgpt-replay-');
});

afterAll(async () => {
  await dir.remove();
});

it('generates the same multi-session conversation for a seed, with distinct turns', () => {
  const first = generateConversation({ turns: 300, sessions: 5, seed: 3 });
  expect(generateConversation({ turns: 300, sessions: 5, seed: 3 })).toEqual(first);
  expect(new Set(first.map((turn) => turn.text)).size).toBe(300);
  expect(new Set(first.map((turn) => turn.session)).size).toBe(5);
  expect(first.every((turn, index) => index === 0 || turn.at > (first[index - 1]?.at as Date))).toBe(true);
});

it('reads the flags of the former loci bench memgpt', () => {
  expect(parseReplayArgs(['--', '--turns', '300', '--context-window', '4096', '--json'])).toEqual({
    turns: '300',
    contextWindow: '4096',
    json: true,
  });
  expect(() => parseReplayArgs(['--turn', '3'])).toThrow(/turn/);
});

it('replays a conversation through the agent, within the window, with evictions, and finds every message', async () => {
  let stdout = '';
  const report = await runMemgptReplay(
    { turns: 60, sessions: 3, contextWindow: 4096, store: join(dir.path, 'store') },
    {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true },
      env: { LOCI_HOME: join(dir.path, 'home') },
    },
  );
  expect(report.turns).toBe(60);
  expect(report.overWindow).toBe(0);
  expect(report.contextTokens.max).toBeLessThanOrEqual(4096);
  expect(report.evictions).toBeGreaterThan(0);
  expect(report.summaries).toBe(report.evictions);
  expect(report.searchFound).toBe(60);
  expect(report.storedMessages).toBeGreaterThanOrEqual(180);
  expect(report.frameworkPlain.steps + report.frameworkSearch.steps).toBe(60);
  // 60 turns stay far below 5,000 messages: no figures rather than made-up ones.
  expect(report.frameworkAt5000).toEqual({ steps: 0, p50: null, p95: null });
  expect(stdout).toContain('conversation_search finds 60 of 60 replayed user messages');
});
