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

/** The memory bank: one row per remembered turn, with its frozen key. */
export function bankTable(modelId: string, dimensions: number) {
  return defineTable({
    name: `longmem_turns_${encoderSlug(modelId)}`,
    schema: z.object({
      id: z.string(),
      seq: z.number().int(),
      speaker: z.string(),
      text: z.string(),
      at: z.date(),
      session_id: z.string(),
      vector: vectorColumn(),
    }),
    vectors: { vector: dimensions },
    metric: 'cosine',
  });
}

/** SideNet weights per namespace (kilobytes of JSON, versioned inside). */
export function sideNetTable(modelId: string) {
  return defineTable({
    name: `longmem_sidenet_${encoderSlug(modelId)}`,
    schema: z.object({
      id: z.string(),
      weights: z.string(),
      trained_turns: z.number().int(),
      updated_at: z.date(),
    }),
  });
}
