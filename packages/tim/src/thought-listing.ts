import { ConfigError, type Filter, namespaceSchema, parseWith, where } from '@loci/core';
import { z } from 'zod';
import type { MemoryContext } from './memory-context.js';
import { subjectKey, type Thought } from './thought.js';
import { validityFilter } from './thought-search.js';
import { fromRow } from './thought-tables.js';

/** Which thoughts `listThoughts` returns; `limit` and `offset` page through them. */
export interface ListThoughtsOptions {
  namespace: string;
  /** Only thoughts about this subject (compared without case). */
  subject?: string;
  /** Thoughts valid at this time; default the present. */
  at?: Date;
  /** Closed thoughts too. */
  history?: boolean;
  limit?: number;
  offset?: number;
}

const listSchema = z.object({
  namespace: namespaceSchema,
  subject: z.string().min(1).max(500).optional(),
  at: z.date({ error: 'expected a valid Date' }).optional(),
  history: z.boolean().optional(),
  limit: z.number().int().min(1).max(100_000).optional(),
  offset: z.number().int().min(0).optional(),
});

/** The namespace's thoughts, oldest `validFrom` first. */
export async function listThoughts(context: MemoryContext, options: ListThoughtsOptions): Promise<Thought[]> {
  const parsed = parseWith(listSchema, options, 'listThoughts options');
  const filters: Filter[] = [];
  const validity = validityFilter({
    ...(parsed.at ? { at: parsed.at } : {}),
    history: parsed.history ?? false,
  });
  if (validity) filters.push(validity);
  if (parsed.subject !== undefined) filters.push(where.eq('subject_key', subjectKey(parsed.subject)));
  const table = await context.thoughts();
  const rows = await table.query({
    namespace: parsed.namespace,
    ...(filters.length > 0 ? { filter: filters.length === 1 ? filters[0] : where.and(...filters) } : {}),
    orderBy: { field: 'valid_from' },
    ...(parsed.limit !== undefined ? { limit: parsed.limit } : {}),
    ...(parsed.offset !== undefined ? { offset: parsed.offset } : {}),
  });
  return rows.map(fromRow);
}

/** Exactly one of `sources`, `subject`, `all`. */
export type ForgetOptions =
  | { namespace: string; sources: readonly string[] }
  | { namespace: string; subject: string }
  | { namespace: string; all: true };

const forgetSchema = z.union([
  z.strictObject({
    namespace: namespaceSchema,
    sources: z.array(z.string().min(1)).min(1, 'name at least one turn id'),
  }),
  z.strictObject({ namespace: namespaceSchema, subject: z.string().min(1, 'subject must not be empty') }),
  z.strictObject({ namespace: namespaceSchema, all: z.literal(true) }),
]);

/** Turn ids per delete filter, so a forget of thousands of turns stays a few store calls. */
const sourcesPerDelete = 100;

/**
 * Hard deletion for removing a person's data: the thoughts citing any of `sources` (or about
 * `subject`, or all of the namespace) are deleted, queued turns among `sources` leave the queue,
 * and the table is compacted so nothing of them stays searchable. Runs after every earlier write
 * of the namespace; a post-think in flight cannot write a thought citing a forgotten turn.
 */
export async function forgetThoughts(
  context: MemoryContext,
  options: ForgetOptions,
): Promise<{ thoughts: number; turns: number }> {
  const parsed = parseWith(forgetSchema, options, 'forget options');
  const namespace = parsed.namespace;
  const state = await context.state(namespace);
  const table = await context.thoughts();
  const result = await context.exclusive(state, async () => {
    let thoughts = 0;
    let turns = 0;
    if ('sources' in parsed) {
      const ids = [...new Set(parsed.sources)];
      turns = ids.filter((id) => state.queue.has(id)).length;
      await context.dequeue(state, ids);
      for (let start = 0; start < ids.length; start += sourcesPerDelete) {
        const slice = ids.slice(start, start + sourcesPerDelete);
        thoughts += await table.delete({
          namespace,
          filter: where.or(...slice.map((id) => where.contains('sources', id))),
        });
      }
    } else if ('subject' in parsed) {
      thoughts = await table.delete({
        namespace,
        filter: where.eq('subject_key', subjectKey(parsed.subject)),
      });
    } else if (parsed.all) {
      turns = state.queue.size;
      await context.dequeue(
        state,
        state.queue.all().map((turn) => turn.id),
      );
      thoughts = await table.delete({ namespace, filter: where.isNotNull('id') });
      await (await context.lshRows()).delete({ namespace, ids: ['lsh'] });
      state.lshStored = false;
      state.consolidated.clear();
    } else {
      throw new ConfigError('forget needs sources, subject or all', [
        { path: '(root)', message: 'nothing to forget' },
      ]);
    }
    // Compaction drops the deleted rows from files and indexes, not only from results.
    await table.optimize();
    if (context.model) await (await context.pendingRows()).optimize();
    return { thoughts, turns };
  });
  context.emit({ type: 'forgotten', namespace, ...result });
  return result;
}
