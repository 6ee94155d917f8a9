import { defineTable, vectorColumn } from '@loci/core';
import { z } from 'zod';

/**
 * Agent states, one row per saved step (`<agentId>@<version>`, or `<agentId>@<version>.t<token>`
 * when written under lease token `token`): saving is a single append, which LanceDB commits
 * atomically. The state is the newest version among the rows of the highest token (rows without a
 * token, from before leases, count as token 0). Older rows are the history, pruned to the last few.
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

/**
 * Single-writer leases, one claim row per opener (`<agentId>:<token>:<owner>`), in the agent's own
 * namespace; agent-lease.ts says how a claim wins. `stateVersion` is the newest state version a
 * holder saved, kept apart from the states so that a lost state version shows as a gap on load.
 */
export const leasesTable = defineTable({
  name: 'memgpt_agent_leases',
  schema: z.object({
    id: z.string(),
    agentId: z.string(),
    token: z.number().int(),
    owner: z.string(),
    acquiredAt: z.date(),
    expiresAt: z.date(),
    released: z.boolean(),
    stateVersion: z.number().int(),
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
