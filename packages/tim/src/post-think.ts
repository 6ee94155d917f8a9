import {
  countTokens,
  type LanguageModel,
  LociError,
  ProviderError,
  truncateToTokens,
  type Usage,
} from '@loci/core';
import {
  type PostThinkReply,
  type PromptCandidate,
  type PromptTurn,
  postThinkMessages,
  postThinkReplySchema,
} from './post-think-prompt.js';
import type { Thought } from './thought.js';

export type ThoughtLabel = 'new' | 'same' | 'update' | 'contradicts';

/** A thought the model proposed, checked: its sources are turns it was shown, its target exists. */
export interface ProposedThought {
  subject: string;
  relation: string;
  object: string;
  text: string;
  sources: string[];
  label: ThoughtLabel;
  /** The real id of the existing thought `same`, `update` and `contradicts` refer to. */
  target?: string;
  validFrom?: Date;
  at: Date;
}

/** A thought the model proposed that was not stored, because it named turns or thoughts that do not exist. */
export interface DroppedThought {
  reason: 'unknown-source' | 'unknown-target' | 'missing-target';
  text: string;
  detail: string;
}

export interface PostThinkResult {
  proposals: ProposedThought[];
  dropped: DroppedThought[];
  usage: Usage;
  /** Turns whose text was cut to fit the prompt. */
  truncated: string[];
}

export interface PostThinkTurn {
  id: string;
  speaker: string;
  text: string;
  at: Date;
}

export interface PostThinkOptions {
  model: LanguageModel;
  turns: readonly PostThinkTurn[];
  candidates: readonly Thought[];
  /** A turn longer than this is cut in the prompt (the turn itself is kept whole). */
  maxTurnTokens: number;
  timeoutMs: number;
  maxTokens?: number;
  signal?: AbortSignal;
}

/** Why a post-think call produced nothing usable; the turns stay queued. */
export class PostThinkError extends LociError {
  readonly turns: readonly string[];
  constructor(message: string, options: { code: string; turns: readonly string[]; cause?: unknown }) {
    super(message, { code: options.code, category: 'provider', cause: options.cause });
    this.name = 'PostThinkError';
    this.turns = options.turns;
  }
}

function parseDay(text: string | null | undefined): Date | undefined {
  if (!text) return undefined;
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(text.trim());
  if (!match) return undefined;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * One structured call: the new turns and the candidate thoughts in, labelled thoughts out. Throws a
 * `PostThinkError` (code `post_think_failed`, `post_think_timeout` or `post_think_malformed`) when
 * the call fails or its reply does not match the schema; the caller keeps the turns for a retry.
 */
export async function postThink(options: PostThinkOptions): Promise<PostThinkResult> {
  const { model, turns, candidates } = options;
  const turnIds = turns.map((turn) => turn.id);
  const truncated: string[] = [];
  const promptTurns: PromptTurn[] = turns.map((turn) => {
    if (countTokens(turn.text) <= options.maxTurnTokens) return turn;
    truncated.push(turn.id);
    return { ...turn, text: truncateToTokens(turn.text, options.maxTurnTokens) };
  });
  const aliases = new Map<string, string>();
  const promptCandidates: PromptCandidate[] = candidates.map((thought, index) => {
    const alias = `T${index + 1}`;
    aliases.set(alias, thought.id);
    return { alias, ...thought };
  });
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let reply: PostThinkReply;
  let usage: Usage;
  try {
    const result = await model.generate({
      messages: postThinkMessages(promptTurns, promptCandidates),
      responseSchema: postThinkReplySchema,
      temperature: 0,
      ...(options.maxTokens ? { maxTokens: options.maxTokens } : {}),
      signal,
    });
    usage = result.usage;
    const parsed = postThinkReplySchema.safeParse(result.object);
    if (!parsed.success) {
      throw new PostThinkError(
        `post-think reply does not match the thought schema: ${parsed.error.issues
          .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
          .join('; ')}`,
        { code: 'post_think_malformed', turns: turnIds },
      );
    }
    reply = parsed.data;
  } catch (error) {
    if (error instanceof PostThinkError) throw error;
    if (timeout.aborted && !options.signal?.aborted) {
      throw new PostThinkError(`post-think timed out after ${options.timeoutMs} ms`, {
        code: 'post_think_timeout',
        turns: turnIds,
        cause: error,
      });
    }
    const malformed =
      LociError.isInstance(error) &&
      (error.code === 'invalid_response_object' || error.code === 'invalid_json_reply');
    const reason = error instanceof Error ? error.message : String(error);
    throw new PostThinkError(`post-think call failed: ${reason}`, {
      code: malformed ? 'post_think_malformed' : 'post_think_failed',
      turns: turnIds,
      cause: error instanceof ProviderError || error instanceof Error ? error : undefined,
    });
  }
  return { ...checkProposals(reply, turns, aliases), usage, truncated };
}

/** Keeps what can be trusted: sources among the shown turns, targets among the shown thoughts. */
export function checkProposals(
  reply: PostThinkReply,
  turns: readonly PostThinkTurn[],
  aliases: ReadonlyMap<string, string>,
): { proposals: ProposedThought[]; dropped: DroppedThought[] } {
  const turnsById = new Map(turns.map((turn) => [turn.id, turn]));
  const proposals: ProposedThought[] = [];
  const dropped: DroppedThought[] = [];
  for (const thought of reply.thoughts) {
    const sources = [...new Set(thought.sources)];
    const unknown = sources.filter((id) => !turnsById.has(id));
    if (unknown.length > 0) {
      dropped.push({
        reason: 'unknown-source',
        text: thought.text,
        detail: `names turn ids that were not in the batch: ${unknown.map((id) => JSON.stringify(id)).join(', ')}`,
      });
      continue;
    }
    let target: string | undefined;
    if (thought.label !== 'new') {
      if (!thought.target) {
        dropped.push({
          reason: 'missing-target',
          text: thought.text,
          detail: `label "${thought.label}" without a target`,
        });
        continue;
      }
      target = aliases.get(thought.target.trim());
      if (target === undefined) {
        dropped.push({
          reason: 'unknown-target',
          text: thought.text,
          detail: `target ${JSON.stringify(thought.target)} is not one of the existing thoughts shown`,
        });
        continue;
      }
    }
    const at = new Date(Math.max(...sources.map((id) => (turnsById.get(id) as PostThinkTurn).at.getTime())));
    const proposal: ProposedThought = {
      subject: thought.subject.trim(),
      relation: thought.relation.trim(),
      object: thought.object.trim(),
      text: thought.text.trim(),
      sources,
      label: thought.label,
      at,
    };
    if (target !== undefined) proposal.target = target;
    const validFrom = parseDay(thought.validFrom);
    if (validFrom) proposal.validFrom = validFrom;
    proposals.push(proposal);
  }
  return { proposals, dropped };
}
