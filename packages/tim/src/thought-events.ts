import type { LociError, Usage } from '@loci/core';
import type { DroppedThought } from './post-think.js';

/** What the memory reports as it works; `onEvent` receives these (a throwing listener is ignored). */
export type ThoughtEvent =
  | { type: 'post-think-start'; namespace: string; turns: string[]; candidates: number }
  | {
      type: 'post-think-done';
      namespace: string;
      turns: string[];
      created: number;
      folded: number;
      superseded: number;
      usage: Usage;
      ms: number;
    }
  /** The call failed, timed out or replied out of schema; the turns stay queued for the next attempt. */
  | { type: 'post-think-failed'; namespace: string; turns: string[]; attempt: number; error: LociError }
  /** A proposed thought was refused (e.g. it names a turn that was not in the batch); the rest were kept. */
  | ({ type: 'thought-dropped'; namespace: string } & DroppedThought)
  | { type: 'turn-skipped'; namespace: string; turn: string; reason: 'empty' }
  /** The turn is longer than `maxTurnTokens`: post-thinking reads its beginning only. */
  | { type: 'turn-truncated'; namespace: string; turn: string }
  | { type: 'consolidated'; namespace: string; bucket: number; merged: number }
  | { type: 'forgotten'; namespace: string; thoughts: number; turns: number };

/** Cost and work so far, for one memory (all namespaces). */
export interface ThoughtStats {
  turns: number;
  exchanges: number;
  postThinkCalls: number;
  failedCalls: number;
  inputTokens: number;
  outputTokens: number;
  created: number;
  folded: number;
  superseded: number;
  dropped: number;
  consolidated: number;
  /** Exchanges per post-think call the memory is set to (`postThink.every`), so a report names its schedule. */
  every: number;
  /** Post-think calls per completed exchange (0 before the first exchange). */
  callsPerExchange: number;
  /** Post-think tokens (input + output) per completed exchange. */
  tokensPerExchange: number;
  /** Post-think prompt tokens per completed exchange. */
  inputTokensPerExchange: number;
  /** Post-think completion tokens per completed exchange. */
  outputTokensPerExchange: number;
}
