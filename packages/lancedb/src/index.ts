export { createLanceStore } from './lance-store.js';
export {
  type IndexPolicy,
  indexPolicySchema,
  type LanceStoreOptions,
  lanceStoreOptionsSchema,
} from './lance-store-options.js';
export {
  type PurgeOptions,
  type PurgeResult,
  purgeLanceStore,
  purgeOptionsSchema,
} from './purge-store.js';
export { StoreAccessError, type StoreAccessReason, storeAccessProblem } from './store-access-error.js';
