import { createInterface } from 'node:readline/promises';
import { LociError } from '@loci/core';
import { type Agent, AgentLockedError, type LoadAgentOptions, loadAgent } from '@loci/memgpt';
import type { CliIo } from '../cli-io.js';

export interface LeaseFlags {
  /** `--wait <seconds>`: wait that long for the holder to release the lease or let it expire. */
  wait?: number | undefined;
  /** `--take-over`: take a lease whose holder stopped renewing it. */
  takeOver: boolean;
}

function describeHolder(error: AgentLockedError): string {
  const state = error.expired
    ? `its lease expired at ${error.expiresAt.toISOString()} (the holder stopped renewing it)`
    : `its lease runs until ${error.expiresAt.toISOString()} and is being renewed`;
  return `agent ${error.agentId} is open in process ${error.owner} since ${error.since.toISOString()}; ${state}\n`;
}

async function askTakeOver(io: CliIo): Promise<boolean> {
  const lines = createInterface({ input: io.stdin, output: io.stdout, terminal: true });
  try {
    return /^y(es)?$/i.test((await lines.question('take over? [y/N] ')).trim());
  } finally {
    lines.close();
  }
}

/**
 * `loadAgent` with the lease flags. When another process holds the agent, the holder and its times
 * are printed; an expired lease is offered for take-over on a terminal (never prompted otherwise).
 */
export async function loadChatAgent(options: LoadAgentOptions, flags: LeaseFlags, io: CliIo): Promise<Agent> {
  const leaseOptions: Partial<LoadAgentOptions> = {
    ...(flags.wait === undefined ? {} : { waitForLeaseMs: flags.wait * 1000 }),
    ...(flags.takeOver ? { takeOver: true } : {}),
  };
  try {
    return await loadAgent({ ...options, ...leaseOptions });
  } catch (error) {
    if (
      !(error instanceof AgentLockedError || (LociError.isInstance(error) && error.code === 'agent_locked'))
    )
      throw error;
    const locked = error as AgentLockedError;
    io.stderr.write(describeHolder(locked));
    if (!locked.expired || flags.takeOver || io.stdin.isTTY !== true) throw error;
    if (!(await askTakeOver(io))) throw error;
    return await loadAgent({ ...options, ...leaseOptions, takeOver: true });
  }
}
