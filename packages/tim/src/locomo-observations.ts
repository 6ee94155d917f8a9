import { ConfigError, parseWith } from '@loci/core';
import { z } from 'zod';
import type { ThoughtInput } from './thought.js';

/** `session_N_observation`: per speaker, `[text, dia_id]` pairs (a few name several dia_ids). */
const observationsSchema = z.record(
  z.string(),
  z.array(z.tuple([z.string(), z.union([z.string(), z.array(z.string())])])),
);

/**
 * LoCoMo's generated observations as thoughts, so TiM's storage and recall can be measured without
 * a model: each observation is a thought about its speaker, its dia_id(s) are the sources, and it
 * holds from its session's time. `conversation` is one parsed LoCoMo conversation object (the keys
 * `session_N_observation`); `sessions` gives each session's id (`session_N`) and time, as
 * `@loci/bench`'s parser returns them. Sessions without observations are skipped; observations of
 * a session not in `sessions` are an error naming it.
 */
export function thoughtsFromObservations(
  conversation: Readonly<Record<string, unknown>>,
  sessions: readonly { id: string; at: Date }[],
): ThoughtInput[] {
  const times = new Map(sessions.map((session) => [session.id, session.at]));
  const keys = Object.keys(conversation)
    .map((key) => ({ key, number: /^session_(\d+)_observation$/.exec(key)?.[1] }))
    .filter((entry): entry is { key: string; number: string } => entry.number !== undefined)
    .sort((a, b) => Number(a.number) - Number(b.number));
  const thoughts: ThoughtInput[] = [];
  for (const { key, number } of keys) {
    const session = `session_${number}`;
    const at = times.get(session);
    if (!at) {
      throw new ConfigError(`${key}: no time is known for ${session}`, [
        { path: key, message: 'unknown session' },
      ]);
    }
    const observations = parseWith(observationsSchema, conversation[key], `LoCoMo ${key}`);
    for (const [speaker, entries] of Object.entries(observations)) {
      for (const [text, ids] of entries) {
        const sources = (Array.isArray(ids) ? ids : [ids])
          .flatMap((id) => id.split(/[;,]/))
          .map((id) => id.trim())
          .filter((id) => id.length > 0);
        if (text.trim().length === 0 || sources.length === 0) continue;
        thoughts.push({
          subject: speaker,
          relation: 'observation',
          object: '',
          text: text.trim(),
          sources,
          at,
          validFrom: at,
        });
      }
    }
  }
  return thoughts;
}
