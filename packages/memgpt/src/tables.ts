import { defineTable, vectorColumn } from '@loci/core';
import { z } from 'zod';

/**
 * Agent states, one row per saved step (`<agentId>@<version>`): saving is a single append, which
 * LanceDB commits atomically, and the newest version is the state. Older rows are the history.
 */
export const agentsTable = defineTable({
  name: 'memgpt_agents',
  schema: z.object({
    id: z.string(),
    agentId: z.string(),
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

/**
 * Archival storage: passages the agent chose to keep, searched by meaning and by words. One table
 * per vector size, so agents with different embedders can share a store.
 */
export function archivalTable(dimensions: number) {
  return defineTable({
    name: `memgpt_archival_${dimensions}`,
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
