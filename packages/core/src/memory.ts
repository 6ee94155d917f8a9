/** One utterance in a conversation. `id` is stable and is what provenance points to. */
export interface Turn {
  id: string;
  speaker: string;
  text: string;
  at: Date;
  sessionId?: string;
}

/** What a memory observes: a turn, a tool's result, or the start or end of a session. */
export type MemoryEvent =
  | ({ type: 'turn' } & Turn)
  | { type: 'tool-result'; id: string; toolName: string; text: string; at: Date }
  | { type: 'session'; id: string; boundary: 'start' | 'end'; at: Date };

/** What a recalled item is; memory systems may add their own kinds. */
export type RecalledKind = 'turn' | 'chunk' | 'thought' | 'kv' | 'summary' | (string & {});

/** One item `recall` returns, with the turns it came from. */
export interface Recalled {
  text: string;
  /** Higher is better, comparable only within one recall. */
  score: number;
  kind: RecalledKind;
  /** Ids of the turns this item came from. Never empty: provenance is mandatory. */
  sources: string[];
  /** Tokens `text` takes in a prompt. */
  tokens: number;
  at?: Date;
}

/** Options of `Memory.observe`; implementations check them with `parseObserveOptions`. */
export interface ObserveOptions {
  namespace: string;
  event: MemoryEvent;
  signal?: AbortSignal;
}

/** Options of `Memory.recall`; implementations check them with `parseRecallOptions`. */
export interface RecallOptions {
  query: string;
  namespace: string;
  /** How many items at most. */
  k?: number;
  /** Stop adding items once their tokens would pass this budget. */
  tokenBudget?: number;
  /** Recall as of this time (the present by default). */
  at?: Date;
  signal?: AbortSignal;
}

/**
 * What every memory system implements, so the agent and the benchmark treat them alike.
 * `observe` may buffer; a `recall` sees everything observed before it in the same namespace.
 */
export interface Memory {
  readonly name: string;
  /** Records one event in a namespace; invalid options throw `ConfigError`. */
  observe(options: ObserveOptions): Promise<void>;
  /** Items relevant to `query`, best first, cut to `k` and `tokenBudget`. */
  recall(options: RecallOptions): Promise<Recalled[]>;
  /** Writes anything buffered. */
  flush?(): Promise<void>;
  /**
   * Deletes everything this system holds for the namespace (items, keys, learned weights, state) and
   * returns how many rows went. The store may keep the bytes in old versions until it is purged
   * (`purgeLanceStore` in @loci/lancedb).
   */
  forget?(options: { namespace: string }): Promise<number>;
  /** Flushes and releases what the system holds open; the memory is not used afterwards. */
  close?(): Promise<void>;
}
