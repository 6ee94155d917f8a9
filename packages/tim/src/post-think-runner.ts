import {
  embedInBatches,
  type LociError,
  type MemoryTable,
  reciprocalRankFusion,
  turnKeyText,
  where,
} from '@loci/core';
import { mergedThought, planConsolidation } from './consolidate.js';
import type { MemoryContext, NamespaceState } from './memory-context.js';
import { PostThinkError, postThink } from './post-think.js';
import type { Thought } from './thought.js';
import { subjectKey } from './thought.js';
import { searchThoughts } from './thought-search.js';
import { fromRow, type ThoughtRow, toRow } from './thought-tables.js';
import { type ThoughtWrite, type WriteOutcome, writeThoughts } from './thought-writer.js';

/**
 * Open thoughts near the batch's turns, what the model compares its new thoughts against: for each
 * turn, a multi-probe vector search and a text search, fused by reciprocal rank.
 */
async function candidateThoughts(
  context: MemoryContext,
  table: MemoryTable<ThoughtRow>,
  state: NamespaceState,
  texts: readonly string[],
): Promise<Thought[]> {
  const limit = context.settings.candidates;
  if (limit === 0 || texts.length === 0) return [];
  const vectors = await embedInBatches(context.embedder, texts, { kind: 'query' });
  const perTurn = Math.max(3, Math.ceil(limit / texts.length) + 1);
  const probes = await context.probes(state);
  const lists: Thought[][] = [];
  for (const [index, vector] of vectors.entries()) {
    const { byVector, byText } = await searchThoughts(table, state.lsh, {
      namespace: state.namespace,
      text: texts[index] as string,
      vector,
      probes,
      depth: perTurn,
    });
    lists.push(
      byVector.map((hit) => hit.thought),
      byText.map((hit) => hit.thought),
    );
  }
  return reciprocalRankFusion(lists, (thought) => thought.id)
    .slice(0, limit)
    .map(({ item }) => item);
}

export function countOutcomes(context: MemoryContext, outcomes: readonly WriteOutcome[]) {
  const counts = { created: 0, folded: 0, superseded: 0 };
  for (const outcome of outcomes) counts[outcome.action]++;
  context.stats.created += counts.created;
  context.stats.folded += counts.folded;
  context.stats.superseded += counts.superseded;
  return counts;
}

/** Writes under the namespace lock, then consolidates the buckets that grew. */
export async function applyWrites(
  context: MemoryContext,
  state: NamespaceState,
  writes: readonly ThoughtWrite[],
  before?: () => void,
): Promise<WriteOutcome[]> {
  const table = await context.thoughts();
  return context.exclusive(state, async () => {
    await context.storeLsh(state);
    const { outcomes, grownBuckets } = await writeThoughts(
      {
        embedder: context.embedder,
        duplicateThreshold: context.settings.duplicateThreshold,
        mergeThreshold: context.settings.mergeThreshold,
      },
      table,
      state.lsh,
      state.namespace,
      writes,
    );
    before?.();
    for (const bucket of grownBuckets) {
      // Consolidation is upkeep: a failure leaves a bucket unconsolidated until it grows again.
      await consolidateBucket(context, table, state, bucket).catch(() => undefined);
    }
    return outcomes;
  });
}

/** The consolidation pass of one bucket, when it has grown past `consolidateAt` since the last one. */
async function consolidateBucket(
  context: MemoryContext,
  table: MemoryTable<ThoughtRow>,
  state: NamespaceState,
  bucket: number,
): Promise<void> {
  const open = where.and(where.eq('bucket', bucket), where.isNull('valid_to'));
  const size = await table.count({ namespace: state.namespace, filter: open });
  const last = state.consolidated.get(bucket) ?? 0;
  if (size <= context.settings.consolidateAt || size < last + Math.ceil(context.settings.consolidateAt / 4))
    return;
  const thoughts = (await table.query({ namespace: state.namespace, filter: open })).map(fromRow);
  const plans = planConsolidation(thoughts, context.settings.mergeThreshold);
  if (plans.length > 0) {
    const merged = plans.map(mergedThought);
    // The merged thought is written before the absorbed ones go: a failure in between leaves a duplicate, never a loss.
    await table.upsert({
      namespace: state.namespace,
      rows: merged.map((thought) => toRow(thought, subjectKey(thought.subject))),
    });
    const absorbed = plans.flatMap((plan) => plan.absorb.map((thought) => thought.id));
    await table.delete({ namespace: state.namespace, ids: absorbed });
    context.stats.consolidated += absorbed.length;
    context.emit({ type: 'consolidated', namespace: state.namespace, bucket, merged: absorbed.length });
  }
  state.consolidated.set(bucket, size - plans.reduce((sum, plan) => sum + plan.absorb.length, 0));
}

/**
 * One post-think over the oldest queued turns: recall candidates, one structured call, then write
 * under the namespace lock and drop the turns from the queue. On failure the turns stay queued
 * and a `post-think-failed` event says why; the error is rethrown for `flush()`.
 */
async function postThinkOnce(context: MemoryContext, state: NamespaceState): Promise<void> {
  const model = context.model;
  const { settings } = context;
  const batch = state.queue.peek(settings.maxBatchTurns);
  if (!model || batch.length === 0) return;
  const namespace = state.namespace;
  const turnIds = batch.map((turn) => turn.id);
  const started = Date.now();
  const table = await context.thoughts();
  let result: Awaited<ReturnType<typeof postThink>>;
  try {
    const candidates = await candidateThoughts(context, table, state, batch.map(turnKeyText));
    context.emit({ type: 'post-think-start', namespace, turns: turnIds, candidates: candidates.length });
    context.stats.postThinkCalls++;
    result = await postThink({
      model,
      turns: batch,
      candidates,
      maxTurnTokens: settings.maxTurnTokens,
      timeoutMs: settings.timeoutMs,
      maxTokens: settings.maxTokens,
    });
  } catch (error) {
    state.attempts++;
    context.stats.failedCalls++;
    const failure =
      error instanceof PostThinkError
        ? error
        : new PostThinkError(`post-think failed: ${error instanceof Error ? error.message : String(error)}`, {
            code: 'post_think_failed',
            turns: turnIds,
            cause: error,
          });
    context.emit({
      type: 'post-think-failed',
      namespace,
      turns: turnIds,
      attempt: state.attempts,
      error: failure as LociError,
    });
    throw failure;
  }
  context.stats.inputTokens += result.usage.inputTokens;
  context.stats.outputTokens += result.usage.outputTokens;
  for (const turn of result.truncated) context.emit({ type: 'turn-truncated', namespace, turn });
  for (const dropped of result.dropped) {
    context.stats.dropped++;
    context.emit({ type: 'thought-dropped', namespace, ...dropped });
  }
  // A turn forgotten while the call ran must not come back through a thought.
  const writes: ThoughtWrite[] = result.proposals.filter((proposal) =>
    proposal.sources.every((id) => state.queue.has(id)),
  );
  let outcomes: WriteOutcome[];
  try {
    outcomes = await applyWrites(context, state, writes, () => {
      state.queue.remove(turnIds);
      state.attempts = 0;
    });
  } catch (error) {
    state.attempts++;
    const failure = new PostThinkError(
      `post-think could not write its thoughts: ${error instanceof Error ? error.message : String(error)}`,
      { code: 'post_think_write_failed', turns: turnIds, cause: error },
    );
    context.emit({
      type: 'post-think-failed',
      namespace,
      turns: turnIds,
      attempt: state.attempts,
      error: failure,
    });
    throw failure;
  }
  // The stored queue forgets the turns only now; if this fails, a restart post-thinks them again
  // and the duplicate rule folds what it proposes into the thoughts just written.
  await context
    .pendingRows()
    .then((pending) => pending.delete({ namespace, ids: turnIds }))
    .catch(() => undefined);
  const counts = countOutcomes(context, outcomes);
  context.emit({
    type: 'post-think-done',
    namespace,
    turns: turnIds,
    ...counts,
    usage: result.usage,
    ms: Date.now() - started,
  });
}

/**
 * Starts post-thinking for the namespace unless a run is in progress; that run goes on while
 * enough exchanges are queued (or once more when `force`d, e.g. by a session boundary or `flush`).
 * Rejects with the failure (the turns stay queued).
 */
export function schedulePostThink(
  context: MemoryContext,
  state: NamespaceState,
  force = false,
): Promise<void> {
  if (state.thinking) {
    if (force) state.again = true;
    return state.thinking;
  }
  const run = (async () => {
    try {
      do {
        state.again = false;
        await postThinkOnce(context, state);
      } while (
        state.again ||
        state.queue.exchanges >= context.settings.every ||
        state.queue.size >= context.settings.maxBatchTurns
      );
    } finally {
      state.thinking = undefined;
    }
  })();
  state.thinking = run;
  return run;
}
