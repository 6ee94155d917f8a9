import { z } from 'zod';
import type { MemoryEvent, ObserveOptions, RecallOptions } from './memory.js';
import { parseWith } from './parse.js';

/** A namespace as every `Memory` accepts it: non-empty, at most 256 characters. */
export const namespaceSchema = z.string().min(1, 'namespace must not be empty').max(256);

const idSchema = (what: string) => z.string().min(1, `${what} must not be empty`);
const atSchema = z.date({ error: 'expected a valid Date' });

/** One utterance (`Turn`) as a `Memory` accepts it. */
export const turnSchema = z.object({
  id: idSchema('turn id'),
  speaker: z.string().min(1, 'speaker must not be empty'),
  text: z.string(),
  at: atSchema,
  sessionId: z.string().min(1, 'sessionId must not be empty').optional(),
});

/** A `MemoryEvent`: a turn, a tool result or a session boundary. */
export const memoryEventSchema = z.discriminatedUnion('type', [
  turnSchema.extend({ type: z.literal('turn') }),
  z.object({
    type: z.literal('tool-result'),
    id: idSchema('tool result id'),
    toolName: z.string().min(1, 'toolName must not be empty'),
    text: z.string(),
    at: atSchema,
  }),
  z.object({
    type: z.literal('session'),
    id: idSchema('session id'),
    boundary: z.enum(['start', 'end']),
    at: atSchema,
  }),
]);

const signalSchema = z.instanceof(AbortSignal, { message: 'expected an AbortSignal' }).optional();

export const observeOptionsSchema = z.object({
  namespace: namespaceSchema,
  event: memoryEventSchema,
  signal: signalSchema,
});

/** The rules `parseRecallOptions` applies: non-empty query, `k` 1–1000, whole-number `tokenBudget`. */
export const recallOptionsSchema = z.object({
  query: z.string().refine((text) => text.trim().length > 0, 'query must not be empty'),
  namespace: namespaceSchema,
  k: z.number().int('k must be a whole number').min(1, 'k must be at least 1').max(1000).optional(),
  tokenBudget: z
    .number()
    .int('tokenBudget must be a whole number')
    .min(1, 'tokenBudget must be at least 1')
    .optional(),
  at: atSchema.optional(),
  signal: signalSchema,
});

/** zod keeps an absent optional key as `undefined`; the `Memory` types (exactOptionalPropertyTypes) leave it out. */
function withoutUndefined<T>(value: object): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/**
 * What every `Memory.observe` calls first: throws a `ConfigError` (category `user`) naming the
 * failing field, e.g. `invalid observe options: event.speaker: speaker must not be empty`.
 */
export function parseObserveOptions(options: ObserveOptions): ObserveOptions {
  const parsed = parseWith(observeOptionsSchema, options, 'observe options');
  return withoutUndefined<ObserveOptions>({
    namespace: parsed.namespace,
    event: withoutUndefined<MemoryEvent>(parsed.event),
    signal: parsed.signal,
  });
}

/** What every `Memory.recall` calls first; same errors as `parseObserveOptions`. */
export function parseRecallOptions(options: RecallOptions): RecallOptions {
  return withoutUndefined<RecallOptions>(parseWith(recallOptionsSchema, options, 'recall options'));
}
