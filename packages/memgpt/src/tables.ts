import { defineTable, vectorColumn } from '@loci/core';
import { z } from 'zod';

/** One row per agent: its whole state as JSON, replaced by one upsert after every step (atomic). */
export const agentsTable = defineTable({
  name: 'memgpt_agents',
  schema: z.object({
    id: z.string(),
    version: z.number().int(),
    state: z.string(),
    updatedAt: z.date(),
  }),
});

/** Recall storage: every message ever, in the agent's own namespace. */
export const messagesTable = defineTable({
  name: 'memgpt_messages',
  schema: z.object({
    id: z.string(),
    seq: z.number().int(),
    kind: z.string(),
    content: z.string(),
    /** Content plus function calls: what conversation_search matches. */
    search: z.string(),
    /** Speaker, tool calls, tool call id and name, as JSON. */
    data: z.string(),
    stepId: z.string(),
    at: z.date(),
  }),
  fullText: ['search'],
});

/** Archival storage: passages the agent chose to keep, searched by meaning and by words. */
export function archivalTable(dimensions: number) {
  return defineTable({
    name: 'memgpt_archival',
    schema: z.object({
      id: z.string(),
      text: z.string(),
      at: z.date(),
      vector: vectorColumn(),
    }),
    vectors: { vector: dimensions },
    metric: 'cosine',
    fullText: ['text'],
  });
}
