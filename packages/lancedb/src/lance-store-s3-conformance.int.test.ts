import { describeMemoryStoreConformance } from '@loci/testing/store-conformance';
import { afterAll, beforeAll } from 'vitest';
import { type LocalS3, startLocalS3 } from './__fixtures__/local-s3.js';
import { createLanceStore } from './lance-store.js';

let s3: LocalS3;
let run = 0;

beforeAll(async () => {
  s3 = await startLocalS3();
});

afterAll(async () => {
  await s3.close();
});

describeMemoryStoreConformance(
  'LanceDB on s3:// (s3rver)',
  async () => {
    // A fresh prefix per test keeps tests apart; the bucket's folder goes when the server closes.
    run++;
    const store = await createLanceStore({
      uri: `s3://bucket/conformance-${run}`,
      storageOptions: s3.storageOptions,
    });
    return { store, cleanup: () => store.close() };
  },
  // s3rver 3.7 returns no CommonPrefixes for keys nested below a prefix, so it cannot list tables.
  { listsTables: false },
);
