import { LociError, StoreError } from '@loci/core';

/** `createAgent` was given an id that is already saved in the namespace (resume it with `loadAgent`). */
export class AgentExistsError extends LociError {
  readonly agentId: string;
  readonly namespace: string;
  constructor(facts: { agentId: string; namespace: string }) {
    super(`agent "${facts.agentId}" already exists in namespace "${facts.namespace}"`, {
      code: 'agent_exists',
      category: 'user',
    });
    this.name = 'AgentExistsError';
    this.agentId = facts.agentId;
    this.namespace = facts.namespace;
  }
}

/** `loadAgent` found no saved agent with this id in the namespace (create it with `createAgent`). */
export class AgentNotFoundError extends LociError {
  readonly agentId: string;
  readonly namespace: string;
  /** The store that was searched. */
  readonly storeUri: string;
  constructor(facts: { agentId: string; namespace: string; storeUri: string }) {
    super(`no agent "${facts.agentId}" in namespace "${facts.namespace}" of ${facts.storeUri}`, {
      code: 'agent_not_found',
      category: 'user',
    });
    this.name = 'AgentNotFoundError';
    this.agentId = facts.agentId;
    this.namespace = facts.namespace;
    this.storeUri = facts.storeUri;
  }
}

/**
 * The codes of this package's own errors, next to those of `@loci/core`'s errors it also throws
 * (`invalid_config`, `context_overflow`, `store_failed`, `provider_failed`). `agent_state_damaged`
 * is a `StoreError`: queued messages are missing from recall storage, or state versions have a gap.
 */
export type AgentErrorCode =
  | 'agent_exists'
  | 'agent_not_found'
  | 'agent_state_damaged'
  | 'agent_locked'
  | 'agent_lease_lost';

/** Another process holds the agent's single-writer lease (wait for it, or take it over once expired). */
export class AgentLockedError extends LociError {
  readonly agentId: string;
  readonly namespace: string;
  /** Who holds the lease: `<pid>-<random>`. */
  readonly owner: string;
  readonly since: Date;
  readonly expiresAt: Date;
  /** The holder stopped renewing: `takeOver: true` (or `waitForLeaseMs`) takes the lease. */
  readonly expired: boolean;
  constructor(facts: {
    agentId: string;
    namespace: string;
    owner: string;
    since: Date;
    expiresAt: Date;
    expired: boolean;
  }) {
    super(
      `agent "${facts.agentId}" in namespace "${facts.namespace}" is open in another process (${facts.owner}, since ${facts.since.toISOString()}); ` +
        (facts.expired
          ? `its lease expired at ${facts.expiresAt.toISOString()}`
          : `its lease expires at ${facts.expiresAt.toISOString()} unless renewed`),
      { code: 'agent_locked', category: 'user' },
    );
    this.name = 'AgentLockedError';
    this.agentId = facts.agentId;
    this.namespace = facts.namespace;
    this.owner = facts.owner;
    this.since = facts.since;
    this.expiresAt = facts.expiresAt;
    this.expired = facts.expired;
  }
}

/** Another process took over this agent's lease: this one may no longer save its state. Nothing was written. */
export class AgentLeaseLostError extends LociError {
  readonly agentId: string;
  readonly namespace: string;
  /** This process's fencing token. */
  readonly token: number;
  readonly holder: string;
  readonly holderToken: number;
  constructor(facts: {
    agentId: string;
    namespace: string;
    token: number;
    holder: string;
    holderToken: number;
  }) {
    super(
      `agent "${facts.agentId}" in namespace "${facts.namespace}" was taken over by ${facts.holder} (token ${facts.holderToken} > ${facts.token}); this process can no longer save it`,
      { code: 'agent_lease_lost', category: 'user' },
    );
    this.name = 'AgentLeaseLostError';
    this.agentId = facts.agentId;
    this.namespace = facts.namespace;
    this.token = facts.token;
    this.holder = facts.holder;
    this.holderToken = facts.holderToken;
  }
}

/** The saved state versions have a gap (or end before the version last recorded): loading would rewind the agent. */
export class AgentStateDamagedError extends StoreError {
  readonly agentId: string;
  /** State versions found, newest first. */
  readonly versionsFound: number[];
  /** The newest version a lease holder recorded saving. */
  readonly expectedVersion: number;
  constructor(facts: { agentId: string; versionsFound: number[]; expectedVersion: number; reason: string }) {
    super(
      `agent "${facts.agentId}": ${facts.reason} (versions found: ${facts.versionsFound.slice(0, 10).join(', ') || 'none'}; last saved: ${facts.expectedVersion}); the store was changed outside Loci or lost a commit`,
      { code: 'agent_state_damaged' },
    );
    this.name = 'AgentStateDamagedError';
    this.agentId = facts.agentId;
    this.versionsFound = facts.versionsFound;
    this.expectedVersion = facts.expectedVersion;
  }
}
