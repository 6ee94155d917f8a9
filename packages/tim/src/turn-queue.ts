/** A turn waiting to be post-thought. Kept until a post-think over it succeeds. */
export interface QueuedTurn {
  id: string;
  speaker: string;
  text: string;
  at: Date;
  /** Filled at recall time, so pending turns can be recalled before they are thought about. */
  vector?: Float32Array | undefined;
}

/**
 * The turns of one namespace not yet post-thought, and how many exchanges they complete. An
 * exchange is a turn (or several by one speaker) and the reply from another speaker: it completes
 * when the speaker changes; the next turn after a reply opens the next exchange.
 */
export interface TurnQueue {
  readonly size: number;
  /** Exchanges completed by the queued turns. */
  readonly exchanges: number;
  /** Adds a turn (a turn observed again by id replaces its text); returns true when it completed an exchange. */
  push(turn: QueuedTurn): boolean;
  /** The oldest `max` turns, still queued. */
  peek(max: number): QueuedTurn[];
  all(): QueuedTurn[];
  /** Removes these turns (after a successful post-think, or a hard deletion). */
  remove(ids: Iterable<string>): void;
  has(id: string): boolean;
  clear(): void;
}

export function createTurnQueue(): TurnQueue {
  let turns: QueuedTurn[] = [];
  let exchanges = 0;
  let opener: string | undefined;
  let replied = false;

  function push(turn: QueuedTurn): boolean {
    const existing = turns.findIndex((queued) => queued.id === turn.id);
    if (existing !== -1) {
      turns[existing] = turn;
      return false;
    }
    turns.push(turn);
    if (opener === undefined || replied) {
      opener = turn.speaker;
      replied = false;
      return false;
    }
    if (turn.speaker !== opener) {
      replied = true;
      exchanges++;
      return true;
    }
    return false;
  }

  return {
    push,
    get size() {
      return turns.length;
    },
    get exchanges() {
      return exchanges;
    },
    peek(max) {
      return turns.slice(0, Math.max(0, max));
    },
    all() {
      return [...turns];
    },
    remove(ids) {
      const gone = new Set(ids);
      if (gone.size === 0) return;
      const left = turns.filter((turn) => !gone.has(turn.id));
      // Count the exchanges of what is left, as if those turns had just arrived.
      turns = [];
      exchanges = 0;
      opener = undefined;
      replied = false;
      for (const turn of left) push(turn);
    },
    has(id) {
      return turns.some((turn) => turn.id === id);
    },
    clear() {
      turns = [];
      exchanges = 0;
      opener = undefined;
      replied = false;
    },
  };
}
