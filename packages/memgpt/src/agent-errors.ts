import { LociError } from '@loci/core';

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
 * is a `StoreError`: queued messages are missing from recall storage.
 */
export type AgentErrorCode = 'agent_exists' | 'agent_not_found' | 'agent_state_damaged';
