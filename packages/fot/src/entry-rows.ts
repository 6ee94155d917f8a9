import { ConfigError, DimensionMismatchError, parseWith } from '@loci/core';
import { z } from 'zod';
import type { FocusedEntry, KeyInput } from './focused-memory-types.js';
import { MAIN_CONTEXT, type ValueRow } from './namespace-state.js';
import type { KeyRow } from './reprojection.js';
import { type KeyOptions, valueKeys } from './value-keys.js';

const valueSchema = z.object({
  id: z.string().min(1, 'value id must not be empty'),
  text: z.string(),
  sources: z.array(z.string().min(1)).min(1, 'sources must name at least one turn').optional(),
  speaker: z.string().optional(),
  at: z.date().optional(),
  context: z.string().min(1).optional(),
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

type ParsedValue = z.output<typeof valueSchema> & { context: string; speaker: string };

/** An entry validated, its keys listed: texts still to embed, or vectors given by the caller. */
export interface PreparedEntry {
  value: ParsedValue;
  keys: { kind: string; text?: string; vector?: Float32Array }[];
}

function keyOf(input: KeyInput, dimensions: number): PreparedEntry['keys'][number] {
  if (typeof input === 'string') return { kind: 'custom', text: input };
  if ('vector' in input) {
    if (!(input.vector instanceof Float32Array)) throw new ConfigError('a key vector must be a Float32Array');
    if (input.vector.length !== dimensions) {
      throw new DimensionMismatchError({
        expected: dimensions,
        actual: input.vector.length,
        what: 'key vector',
      });
    }
    return { kind: input.kind ?? 'custom', vector: input.vector };
  }
  return { kind: input.kind ?? 'custom', text: input.text };
}

/**
 * Validates entries (a `ConfigError` naming the entry and field) and lists their keys: the
 * caller's, or those derived from the text. `previous` is the last value per context, updated as
 * entries go by. An id given twice keeps its last entry.
 */
export function prepareEntries(
  entries: readonly FocusedEntry[],
  options: {
    dimensions: number;
    keys?: KeyOptions;
    previous: Map<string, { speaker: string; text: string }>;
  },
): PreparedEntry[] {
  const byId = new Map<string, PreparedEntry>();
  entries.forEach((entry, index) => {
    const parsed = parseWith(valueSchema, entry.value, `entry ${index} value`);
    const value = { ...parsed, context: parsed.context ?? MAIN_CONTEXT, speaker: parsed.speaker ?? '' };
    const previous = options.previous.get(value.context);
    options.previous.set(value.context, { speaker: value.speaker, text: value.text });
    const keys = entry.keys
      ? entry.keys.map((key) => keyOf(key, options.dimensions))
      : valueKeys({ speaker: value.speaker, text: value.text }, options.keys, previous);
    if (keys.length === 0) throw new ConfigError(`invalid entry ${index}: keys must not be empty`);
    byId.delete(value.id);
    byId.set(value.id, { value, keys });
  });
  return [...byId.values()];
}

/** Value and key rows of embedded entries, keys numbered from `firstSeq`. */
export function entryRows(
  prepared: readonly PreparedEntry[],
  firstSeq: number,
  origin: string,
): { values: ValueRow[]; keys: KeyRow[]; nextSeq: number } {
  let seq = firstSeq;
  const values: ValueRow[] = [];
  const keys: KeyRow[] = [];
  for (const { value, keys: entryKeys } of prepared) {
    const at = value.at ?? new Date();
    values.push({
      id: value.id,
      text: value.text,
      speaker: value.speaker,
      at,
      context: value.context,
      seq,
      origin,
      sources: [...(value.sources ?? [value.id])],
      metadata: JSON.stringify(value.metadata ?? {}),
    });
    entryKeys.forEach((key, index) => {
      keys.push({
        id: `${value.id}#${index}`,
        value_id: value.id,
        kind: key.kind,
        context: value.context,
        seq: seq++,
        origin,
        at,
        key: key.vector as Float32Array,
      });
    });
  }
  return { values, keys, nextSeq: seq };
}
