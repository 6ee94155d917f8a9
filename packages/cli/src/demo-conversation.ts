import { fileURLToPath } from 'node:url';
import { type BenchConversation, type BenchTurn, loadLocomo } from '@loci/bench';
import { ConfigError } from '@loci/core';

/** The sample conversation that ships with the CLI (the project's own text, redistributable). */
export const demoConversationPath = fileURLToPath(new URL('../data/demo-conversation.json', import.meta.url));

/** A LoCoMo conversation as the benchmark reads it, with its turns in order and by id. */
export interface DemoConversation extends BenchConversation {
  turns: BenchTurn[];
  turnsById: ReadonlyMap<string, BenchTurn>;
}

/**
 * Reads a one-conversation LoCoMo file (the bundled demo conversation by default) with the
 * benchmark's parser, so the demo and `loci bench recall` see the same turns and questions.
 */
export async function loadDemoConversation(path: string = demoConversationPath): Promise<DemoConversation> {
  const conversations = await loadLocomo(path);
  const [conversation] = conversations;
  if (conversations.length !== 1 || !conversation) {
    throw new ConfigError(`${path} holds ${conversations.length} conversations; the demo reads one`);
  }
  if (conversation.sessions.length === 0) throw new ConfigError(`${path} has no sessions`);
  const turns = conversation.sessions.flatMap((session) => session.turns);
  return { ...conversation, turns, turnsById: new Map(turns.map((turn) => [turn.id, turn])) };
}
