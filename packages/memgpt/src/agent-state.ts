import { ConfigError, parseWith } from '@loci/core';
import { z } from 'zod';
import { agentConfigSchema, withoutRetiredKeys } from './config.js';

const blockSchema = z.object({
  label: z.string(),
  value: z.string(),
  limit: z.number().int().min(1),
  description: z.string().optional(),
});

/** What is saved after every step. The queue holds ids into recall storage, not copies. */
export const agentStateSchema = z.object({
  formatVersion: z.literal(1),
  id: z.string(),
  namespace: z.string(),
  memoryNamespace: z.string(),
  createdAt: z.iso.datetime(),
  /** The embedder archival passages were stored with; a resumed agent must use the same one. */
  embedder: z.object({ provider: z.string(), modelId: z.string(), dimensions: z.number().int().min(1) }),
  /** The read-only system instructions, kept so a resumed agent sees the same prompt. */
  instructions: z.string(),
  blocks: z.array(blockSchema),
  /** The recursive summary: slot 0 of the queue. */
  summary: z.string(),
  /** How many messages the summary stands for. */
  summarizedCount: z.number().int().min(0),
  queue: z.array(z.string()),
  config: z.preprocess(withoutRetiredKeys, agentConfigSchema),
  nextSeq: z.number().int().min(0),
  recallCount: z.number().int().min(0),
  archivalCount: z.number().int().min(0),
  stepCount: z.number().int().min(0),
  /** Set once a memory-pressure alert was sent, cleared by the next flush. */
  memoryPressureWarned: z.boolean(),
  /** Set by `pause_heartbeats`; Loci has no timed heartbeats, so an app that schedules wake-ups honours it. */
  heartbeatsPausedUntil: z.iso.datetime().nullable(),
});

/** The agent's saved state, as `agentStateSchema` parses it. */
export type AgentState = z.output<typeof agentStateSchema>;

export function parseAgentState(json: string, agentId: string): AgentState {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new ConfigError(
      `invalid saved state of agent "${agentId}": not JSON (${(error as Error).message}); the store was changed outside Loci`,
      [{ path: '(root)', message: 'not JSON' }],
      error,
    );
  }
  return parseWith(agentStateSchema, raw, `saved state of agent "${agentId}"`);
}

/** A deep copy, so a step can work on a draft and drop it if the step fails. */
export function cloneState(state: AgentState): AgentState {
  return structuredClone(state);
}
