import { parseWith } from '@loci/core';
import { z } from 'zod';

/** Tunables of one agent. Saved with the agent, so a resumed agent behaves the same. */
export const agentConfigSchema = z
  .object({
    /** Overrides the model's context window (tokens) for the queue manager. */
    contextWindow: z.number().int().min(512).optional(),
    /** Fraction of the window at which a memory-pressure alert is inserted. */
    warningThreshold: z.number().gt(0).max(1).default(0.7),
    /** Fraction of the window at which the oldest part of the queue is evicted and summarised. */
    flushThreshold: z.number().gt(0).max(1).default(1),
    /** Share of the queue's tokens evicted at a flush. */
    evictFraction: z.number().gt(0).max(1).default(0.5),
    /** LLM calls one step may make (the first plus heartbeats). */
    maxChainLength: z.number().int().min(1).max(100).default(8),
    /** Tokens the recalled-memory section may take. */
    recallTokenBudget: z.number().int().min(0).default(512),
    /** Items asked from each attached memory system. */
    recallK: z.number().int().min(1).default(8),
    /** Bound on the recursive summary, in tokens. */
    summaryMaxTokens: z.number().int().min(16).default(512),
    /** Results per page for the search functions. */
    pageSize: z.number().int().min(1).max(100).default(5),
    /** Largest share of the window one message may take in the prompt; longer ones are truncated there (and stored whole). */
    maxMessageFraction: z.number().gt(0).max(1).default(0.5),
    /** Tokens reserved for the model's reply; the prompt is kept below window minus this. */
    replyTokens: z.number().int().min(0).default(512),
    /** Character limit of a block created without one. */
    defaultBlockLimit: z.number().int().min(1).default(2000),
    temperature: z.number().min(0).max(2).optional(),
    /** Stream replies when the model can (send_message text arrives as deltas). */
    stream: z.boolean().default(true),
  })
  .strict();

/** An agent's config with defaults applied, as saved. */
export type AgentConfig = z.output<typeof agentConfigSchema>;
/** An agent's config as a caller writes it: every field optional. */
export type AgentConfigInput = z.input<typeof agentConfigSchema>;

/**
 * Keys that earlier versions accepted and saved but that no longer do anything; they are dropped
 * when read, so saved agents and old callers keep working. `maintenanceEverySteps`: the store
 * keeps its own indexes fresh now.
 */
const retiredKeys = ['maintenanceEverySteps'];

export function withoutRetiredKeys(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || !retiredKeys.some((key) => key in input)) return input;
  const copy: Record<string, unknown> = { ...input };
  for (const key of retiredKeys) delete copy[key];
  return copy;
}

export function parseAgentConfig(raw: unknown): AgentConfig {
  const input = withoutRetiredKeys(raw ?? {});
  const config = parseWith(agentConfigSchema, input, 'agent config');
  if (config.warningThreshold > config.flushThreshold) {
    return parseWith(
      agentConfigSchema.refine(() => false, {
        path: ['warningThreshold'],
        message: 'must not be above flushThreshold',
      }),
      input,
      'agent config',
    );
  }
  return config;
}
