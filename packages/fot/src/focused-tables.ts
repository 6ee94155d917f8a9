import { defineTable, vectorColumn } from '@loci/core';
import { z } from 'zod';

/** Table names carry the encoder's id, so keys from two encoders never share a table. */
export function encoderSlug(modelId: string): string {
  const slug = modelId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return (slug || 'encoder').slice(0, 40);
}

/**
 * The four tables of a FoT memory: values (what recall returns), frozen keys (the encoder's
 * embeddings, never recomputed), focused keys (P·key, one row per key and projection version) and
 * projections (P's weights per version, and the row naming the version that serves).
 */
export function focusedTables(modelId: string, dimensions: number) {
  const slug = encoderSlug(modelId);
  return {
    values: defineTable({
      name: `fot_values_${slug}`,
      schema: z.object({
        id: z.string(),
        text: z.string(),
        speaker: z.string(),
        at: z.date(),
        context: z.string(),
        seq: z.number().int(),
        origin: z.string(),
        sources: z.array(z.string()),
        metadata: z.string(),
      }),
    }),
    keys: defineTable({
      name: `fot_keys_${slug}`,
      schema: z.object({
        id: z.string(),
        value_id: z.string(),
        kind: z.string(),
        context: z.string(),
        seq: z.number().int(),
        origin: z.string(),
        at: z.date(),
        key: vectorColumn(),
      }),
      vectors: { key: dimensions },
      metric: 'dot',
    }),
    focused: defineTable({
      name: `fot_focused_${slug}`,
      schema: z.object({
        id: z.string(),
        key_id: z.string(),
        value_id: z.string(),
        version: z.number().int(),
        seq: z.number().int(),
        at: z.date(),
        focused: vectorColumn(),
      }),
      vectors: { focused: dimensions },
      metric: 'dot',
      // Every search filters on the serving version; a bitmap index keeps that prefilter from
      // scanning the column (at 1M keys it was a third of a search's time).
      filterIndexes: { version: 'bitmap' },
    }),
    projections: defineTable({
      name: `fot_projections_${slug}`,
      schema: z.object({
        id: z.string(),
        version: z.number().int(),
        payload: z.string(),
        updated_at: z.date(),
      }),
    }),
  };
}

/** The tables a focused memory keeps for one embedder (values, keys, focused keys, projections). */
export type FocusedTables = ReturnType<typeof focusedTables>;
