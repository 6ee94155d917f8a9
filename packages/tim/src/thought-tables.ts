import { defineTable, vectorColumn } from '@loci/core';
import { z } from 'zod';
import type { ClosedReason, Thought } from './thought.js';

/** Table names carry the encoder's id, so vectors from two encoders never share a table. */
export function encoderSlug(modelId: string): string {
  const slug = modelId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return (slug || 'encoder').slice(0, 40);
}

export function thoughtsTable(modelId: string, dimensions: number) {
  return defineTable({
    name: `tim_thoughts_${encoderSlug(modelId)}`,
    schema: z.object({
      id: z.string(),
      subject: z.string(),
      subject_key: z.string(),
      relation: z.string(),
      object: z.string(),
      text: z.string(),
      sources: z.array(z.string()),
      at: z.date(),
      valid_from: z.date(),
      valid_to: z.date().nullable(),
      superseded_by: z.string().nullable(),
      closed_reason: z.string().nullable(),
      bucket: z.number().int(),
      vector: vectorColumn(),
    }),
    vectors: { vector: dimensions },
    metric: 'cosine',
    fullText: ['text'],
  });
}

/** The LSH matrix of each namespace, stored with the memory so buckets never move. */
export function lshTable(modelId: string) {
  return defineTable({
    name: `tim_lsh_${encoderSlug(modelId)}`,
    schema: z.object({
      id: z.string(),
      seed: z.number().int(),
      buckets: z.number().int(),
      dimensions: z.number().int(),
      matrix: z.string(),
    }),
  });
}

/**
 * Turns observed but not yet post-thought, one row per turn (its id), so a process that ends with
 * turns queued loses none: a memory opened later on the same store resumes them. `seq` keeps the
 * order they were observed in.
 */
export function pendingTable(modelId: string) {
  return defineTable({
    name: `tim_pending_${encoderSlug(modelId)}`,
    schema: z.object({
      id: z.string(),
      speaker: z.string(),
      text: z.string(),
      at: z.date(),
      seq: z.number(),
    }),
  });
}

/** A queued turn as stored (see `pendingTable`). */
export interface PendingRow {
  id: string;
  speaker: string;
  text: string;
  at: Date;
  seq: number;
}

export interface ThoughtRow {
  id: string;
  subject: string;
  subject_key: string;
  relation: string;
  object: string;
  text: string;
  sources: string[];
  at: Date;
  valid_from: Date;
  valid_to: Date | null;
  superseded_by: string | null;
  closed_reason: string | null;
  bucket: number;
  vector: Float32Array;
}

export function toRow(thought: Thought, key: string): ThoughtRow {
  return {
    id: thought.id,
    subject: thought.subject,
    subject_key: key,
    relation: thought.relation,
    object: thought.object,
    text: thought.text,
    sources: [...thought.sources],
    at: thought.at,
    valid_from: thought.validFrom,
    valid_to: thought.validTo ?? null,
    superseded_by: thought.supersededBy ?? null,
    closed_reason: thought.closedReason ?? null,
    bucket: thought.bucket,
    vector: thought.vector,
  };
}

export function fromRow(row: ThoughtRow): Thought {
  const thought: Thought = {
    id: row.id,
    subject: row.subject,
    relation: row.relation,
    object: row.object,
    text: row.text,
    sources: [...row.sources],
    at: row.at,
    validFrom: row.valid_from,
    bucket: row.bucket,
    vector: row.vector,
  };
  if (row.valid_to) thought.validTo = row.valid_to;
  if (row.superseded_by) thought.supersededBy = row.superseded_by;
  if (row.closed_reason === 'updated' || row.closed_reason === 'contradicted')
    thought.closedReason = row.closed_reason as ClosedReason;
  return thought;
}
