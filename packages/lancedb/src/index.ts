export { type ColumnKind, type ColumnSpec, columnsOf } from './columns.js';
export { compileFilter, namespaceClause, sqlIdentifier, sqlString } from './filter-sql.js';
export { createLanceStore } from './lance-store.js';
export {
  type IndexPolicy,
  indexPolicySchema,
  type LanceStoreOptions,
  lanceStoreOptionsSchema,
} from './lance-store-options.js';

export const VERSION = '0.1.0';
