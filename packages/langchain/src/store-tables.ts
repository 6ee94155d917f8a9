import { defineTable, vectorColumn } from '@loci/core';
import { z } from 'zod';

/** One LangGraph item: its namespace path (labels and every prefix, for exact prefix search), key, JSON value. */
export function itemsTable(prefix: string) {
  return defineTable({
    name: `${prefix}_items`,
    schema: z.object({
      id: z.string(),
      path: z.string(),
      labels: z.array(z.string()),
      prefixes: z.array(z.string()),
      key: z.string(),
      value: z.string(),
      createdAt: z.date(),
      updatedAt: z.date(),
    }),
  });
}

/** One embedded field of an item (an item has one row per indexed field path). */
export function vectorsTable(prefix: string, dims: number) {
  return defineTable({
    name: `${prefix}_vectors_d${dims}`,
    schema: z.object({
      id: z.string(),
      itemId: z.string(),
      prefixes: z.array(z.string()),
      field: z.string(),
      vector: vectorColumn(),
    }),
    vectors: { vector: dims },
    metric: 'cosine',
  });
}

/** The namespaces that hold at least one item, so listing them never scans the items. */
export function namespacesTable(prefix: string) {
  return defineTable({
    name: `${prefix}_namespaces`,
    schema: z.object({ id: z.string(), labels: z.array(z.string()) }),
  });
}
