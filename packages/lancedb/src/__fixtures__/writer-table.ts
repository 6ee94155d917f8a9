import { defineTable, vectorColumn } from '@loci/core';
import { z } from 'zod';

/** The table the child-process writers append to. */
export const writerTable = defineTable({
  name: 'writes',
  schema: z.object({
    id: z.string(),
    writer: z.string(),
    batch: z.int(),
    text: z.string(),
    vector: vectorColumn(),
  }),
  vectors: { vector: 8 },
  fullText: ['text'],
});
