import { randomUUID } from 'node:crypto';
import { cosine, type EmbeddingModel, embedInBatches, type MemoryTable, where } from '@loci/core';
import type { Lsh } from './lsh.js';
import type { ThoughtLabel } from './post-think.js';
import { containment, duplicateWordOverlap, jaccard, mergeWordContainment, termsOf } from './text-terms.js';
import { type ClosedReason, subjectKey, type Thought, thoughtKeyText } from './thought.js';
import { fromRow, type ThoughtRow, toRow } from './thought-tables.js';

/** One thought to write, from post-thinking or from `addThoughts`. */
export interface ThoughtWrite {
  id?: string;
  subject: string;
  relation: string;
  object: string;
  text: string;
  sources: string[];
  at: Date;
  validFrom?: Date;
  label: ThoughtLabel;
  target?: string;
}

/** What became of one thought on writing: stored, folded into an existing one, or stored closing an older one. */
export type WriteOutcome =
  | { action: 'created'; id: string }
  /** Not stored twice: its sources were added to an existing thought (duplicate, merge or `same`). */
  | { action: 'folded'; id: string; into: string; why: 'same' | 'duplicate' | 'merge' }
  | { action: 'superseded'; id: string; closed: string; reason: ClosedReason };

export interface WriterSettings {
  embedder: EmbeddingModel;
  /** Cosine at or above which a new thought in the same bucket is a duplicate, whatever its subject. */
  duplicateThreshold: number;
  /** Cosine at or above which a new thought with the same subject in the same bucket merges. */
  mergeThreshold: number;
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

function fold(into: Thought, write: { sources: string[]; at: Date }): void {
  into.sources = union(into.sources, write.sources);
  if (write.at.getTime() > into.at.getTime()) into.at = write.at;
}

/** A rule merge keeps the statement that says more (the other's words are all but contained in it). */
function keepFuller(into: Thought, candidate: Thought): void {
  if (termsOf(candidate).size <= termsOf(into).size) return;
  into.text = candidate.text;
  into.relation = candidate.relation;
  into.object = candidate.object;
  into.vector = candidate.vector;
  into.bucket = candidate.bucket;
}

/**
 * Writes thoughts as one upsert (so a failure leaves nothing half-written): `same` folds sources
 * into its target, `update` / `contradicts` close the target (validTo, supersededBy) and add the
 * new thought, and `new` is checked against the open thoughts of its bucket first, so a
 * near-duplicate is folded into the one already there instead of stored twice.
 * Returns one outcome per write, in order, and the buckets that grew.
 */
export async function writeThoughts(
  settings: WriterSettings,
  table: MemoryTable<ThoughtRow>,
  lsh: Lsh,
  namespace: string,
  writes: readonly ThoughtWrite[],
): Promise<{ outcomes: WriteOutcome[]; grownBuckets: Set<number> }> {
  if (writes.length === 0) return { outcomes: [], grownBuckets: new Set() };
  const vectors = await embedInBatches(settings.embedder, writes.map(thoughtKeyText), { kind: 'document' });
  const targetIds = [...new Set(writes.flatMap((write) => (write.target ? [write.target] : [])))];
  const changed = new Map<string, Thought>();
  for (const row of targetIds.length > 0 ? await table.get({ namespace, ids: targetIds }) : [])
    changed.set(row.id, fromRow(row));
  const buckets = vectors.map((vector) => lsh.bucketOf(vector as Float32Array));
  const neighbours = await bucketPools(table, namespace, writes, buckets);
  const touched = new Set<string>();
  const created: Thought[] = [];
  // The thoughts this batch created, per bucket: what a later one of the batch may duplicate.
  const createdIn = new Map<number, Thought[]>();
  const remember = (thought: Thought) => {
    created.push(thought);
    const inBucket = createdIn.get(thought.bucket);
    if (inBucket) inBucket.push(thought);
    else createdIn.set(thought.bucket, [thought]);
  };
  const outcomes: WriteOutcome[] = [];
  const grownBuckets = new Set<number>();

  for (const [index, write] of writes.entries()) {
    const vector = vectors[index] as Float32Array;
    const bucket = buckets[index] as number;
    const target = write.target ? changed.get(write.target) : undefined;
    if (write.label === 'same' && target) {
      fold(target, write);
      touched.add(target.id);
      outcomes.push({ action: 'folded', id: target.id, into: target.id, why: 'same' });
      continue;
    }
    const thought: Thought = {
      id: write.id ?? `th_${randomUUID()}`,
      subject: write.subject,
      relation: write.relation,
      object: write.object,
      text: write.text,
      sources: [...new Set(write.sources)],
      at: write.at,
      validFrom: write.validFrom ?? write.at,
      bucket,
      vector,
    };
    if ((write.label === 'update' || write.label === 'contradicts') && target) {
      if (target.validTo === undefined) {
        target.validTo = new Date(Math.max(thought.validFrom.getTime(), target.validFrom.getTime()));
        target.supersededBy = thought.id;
        target.closedReason = write.label === 'update' ? 'updated' : 'contradicted';
        touched.add(target.id);
      }
      remember(thought);
      grownBuckets.add(bucket);
      outcomes.push({
        action: 'superseded',
        id: thought.id,
        closed: target.id,
        reason: target.closedReason ?? 'updated',
      });
      continue;
    }
    const match = await nearest(
      settings,
      { table, namespace, pools: neighbours },
      thought,
      createdIn.get(bucket) ?? [],
      changed,
    );
    if (match) {
      fold(match.thought, write);
      keepFuller(match.thought, thought);
      touched.add(match.thought.id);
      outcomes.push({ action: 'folded', id: match.thought.id, into: match.thought.id, why: match.why });
      continue;
    }
    remember(thought);
    grownBuckets.add(bucket);
    outcomes.push({ action: 'created', id: thought.id });
  }

  const rows = [...[...touched].flatMap((id) => changed.get(id) ?? []), ...created].map((thought) =>
    toRow(thought, subjectKey(thought.subject)),
  );
  if (rows.length > 0) await table.upsert({ namespace, rows });
  return { outcomes, grownBuckets };
}

/**
 * Below this many new thoughts for one bucket in one write, each looks up its neighbours with a
 * vector search; from this many on, the bucket's open thoughts are read once and compared in
 * memory. A filtered search without a vector index scans the bucket anyway, so reading it once is
 * cheaper than a search per thought; a bulk `addThoughts` of thousands goes from one search per
 * thought (which grows with the table) to one read per bucket.
 */
const bulkPerBucket = 16;

/** Open thoughts of the buckets that many new writes of this batch fall into (see `bulkPerBucket`). */
async function bucketPools(
  table: MemoryTable<ThoughtRow>,
  namespace: string,
  writes: readonly ThoughtWrite[],
  buckets: readonly number[],
): Promise<Map<number, Thought[]>> {
  const perBucket = new Map<number, number>();
  for (const [index, write] of writes.entries()) {
    if (write.label !== 'new') continue;
    const bucket = buckets[index] as number;
    perBucket.set(bucket, (perBucket.get(bucket) ?? 0) + 1);
  }
  const pools = new Map<number, Thought[]>();
  for (const [bucket, count] of perBucket) {
    if (count < bulkPerBucket) continue;
    const rows = await table.query({ namespace, filter: openIn(bucket) });
    pools.set(bucket, rows.map(fromRow));
  }
  return pools;
}

function openIn(bucket: number) {
  return where.and(where.eq('bucket', bucket), where.isNull('valid_to'));
}

/** The stored open thoughts of its bucket nearest `thought`: from a read pool, else a vector search. */
async function storedNeighbours(
  store: { table: MemoryTable<ThoughtRow>; namespace: string; pools: Map<number, Thought[]> },
  thought: Thought,
  k: number,
): Promise<Thought[]> {
  const pool = store.pools.get(thought.bucket);
  if (pool) {
    // The k most similar, kept sorted while scanning: a full sort per thought would cost more.
    const best: { other: Thought; similarity: number }[] = [];
    for (const other of pool) {
      const similarity = cosine(thought.vector, other.vector);
      if (best.length === k && similarity <= (best[k - 1] as { similarity: number }).similarity) continue;
      let at = best.length;
      while (at > 0 && (best[at - 1] as { similarity: number }).similarity < similarity) at--;
      best.splice(at, 0, { other, similarity });
      if (best.length > k) best.pop();
    }
    return best.map(({ other }) => other);
  }
  const hits = await store.table.search({
    namespace: store.namespace,
    mode: 'vector',
    vector: thought.vector,
    filter: openIn(thought.bucket),
    k,
  });
  return hits.map((hit) => fromRow(hit.row));
}

/** The open thought of the same bucket this one duplicates or merges into, if any. */
async function nearest(
  settings: WriterSettings,
  store: { table: MemoryTable<ThoughtRow>; namespace: string; pools: Map<number, Thought[]> },
  thought: Thought,
  /** What this batch created in the thought's bucket. */
  created: readonly Thought[],
  changed: Map<string, Thought>,
): Promise<{ thought: Thought; why: 'duplicate' | 'merge' } | undefined> {
  const key = subjectKey(thought.subject);
  const stored = await storedNeighbours(store, thought, 5);
  const pool: Thought[] = [
    // A thought already changed in this batch is taken in its changed state.
    ...stored.map((other) => changed.get(other.id) ?? other),
    ...created.filter((other) => other.bucket === thought.bucket && other.validTo === undefined),
  ];
  const words = termsOf(thought);
  const least = Math.min(settings.duplicateThreshold, settings.mergeThreshold);
  let best: { thought: Thought; why: 'duplicate' | 'merge'; similarity: number } | undefined;
  for (const other of pool) {
    if (other.validTo !== undefined) continue;
    const similarity = cosine(thought.vector, other.vector);
    // Neither rule holds below both thresholds: the words need not be looked at.
    if (similarity < least) continue;
    const otherWords = termsOf(other);
    const why =
      similarity >= settings.duplicateThreshold && jaccard(words, otherWords) >= duplicateWordOverlap
        ? 'duplicate'
        : subjectKey(other.subject) === key &&
            similarity >= settings.mergeThreshold &&
            containment(words, otherWords) >= mergeWordContainment
          ? 'merge'
          : undefined;
    if (why && (!best || similarity > best.similarity)) best = { thought: other, why, similarity };
  }
  if (!best) return undefined;
  if (!changed.has(best.thought.id) && !created.includes(best.thought))
    changed.set(best.thought.id, best.thought);
  return { thought: best.thought, why: best.why };
}
