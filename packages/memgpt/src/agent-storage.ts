import { ConfigError } from '@loci/core';
import type { AgentState } from './agent-state.js';
import type { StoredMessage } from './stored-message.js';

const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/;

/** Checks an agent id or namespace before it reaches the store, naming what is wrong. */
export function checkName(value: string, what: 'agent id' | 'namespace'): string {
  if (!idPattern.test(value)) {
    throw new ConfigError(
      `invalid ${what} ${JSON.stringify(value.slice(0, 80))}: use 1-128 letters, digits, "_", ".", "@" or "-", starting with a letter or digit`,
      [{ path: what === 'agent id' ? 'id' : 'namespace', message: 'invalid characters' }],
    );
  }
  return value;
}

/**
 * The namespace of one agent: its recall and archival storage live there (no other agent or user
 * can reach them), and it is the default namespace of its attached memory systems.
 */
export function agentNamespace(namespace: string, agentId: string): string {
  // "#" is not allowed in either part, so two (namespace, id) pairs never share a namespace.
  return `${namespace}#${agentId}`;
}

/** A passage of archival memory; `score` is set on search results. */
export interface ArchivalPassage {
  id: string;
  text: string;
  at: Date;
  score?: number;
}

/**
 * Where an agent keeps what outlives a step: its saved state (one agent namespace per user
 * namespace), recall storage (every message) and archival storage (passages), the last two scoped
 * to the agent's own namespace. `openAgentStorage` puts it on a `MemoryStore`; unit tests use an
 * in-memory one.
 */
export interface AgentStorage {
  readonly namespace: string;
  /** `agentNamespace(namespace, agentId)`. */
  readonly agentNamespace: string;
  loadState(agentId: string): Promise<AgentState | undefined>;
  /**
   * Saves a new version of the state; the previous one stays intact until it is committed. Fails
   * with `agent_lease_lost` (nothing written) when another process has taken the agent over.
   * `written` (the step's last messages) is appended to recall storage at the same time, and the
   * state is never visible without it: the state row carries those messages until they are stored,
   * and a load writes any that recall storage lacks. The storage owns them from here: when their
   * append fails, they go with the next write (a failed step's flush), never twice.
   */
  saveState(state: AgentState, written?: readonly StoredMessage[]): Promise<void>;
  /**
   * Hands messages to recall storage without waiting for the write: they are appended in the
   * background, every later state row carries them until the append lands (so a saved state is
   * never without them), and every read of recall storage waits for it.
   */
  handOverMessages(messages: readonly StoredMessage[]): void;
  /** Appends messages to recall storage and waits for the write, with any handed over before. */
  appendMessages(messages: readonly StoredMessage[]): Promise<void>;
  /** Ends this process's hold on the agent (releases its single-writer lease, where there is one). */
  close(): Promise<void>;
  /** The messages with these ids, in the order given; missing ones are left out. */
  getMessages(ids: readonly string[]): Promise<StoredMessage[]>;
  /** Highest seq stored, or -1. */
  lastSeq(): Promise<number>;
  /** Full-text search over the messages (content and function calls), best first. */
  searchMessages(text: string, limit: number): Promise<StoredMessage[]>;
  /** Messages with `start <= at <= end`, oldest first (by seq), one page. */
  messagesBetween(start: Date, end: Date, limit: number, offset: number): Promise<StoredMessage[]>;
  countMessagesBetween(start: Date, end: Date): Promise<number>;
  /** Stores a passage (embedded) and returns its id. */
  insertPassage(text: string, at: Date): Promise<string>;
  /** Searches passages by meaning and by words, best first. */
  searchPassages(query: string, limit: number): Promise<ArchivalPassage[]>;
}
