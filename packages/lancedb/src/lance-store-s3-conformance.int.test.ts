import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { describeMemoryStoreConformance } from '@loci/testing/store-conformance';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterAll, beforeAll } from 'vitest';
import { createLanceStore } from './lance-store.js';

// s3rver ships CommonJS without types; this is the part of its API the test uses.
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverServer;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

let server: S3rverServer;
let dir: { path: string; remove: () => Promise<void> };
let endpoint = '';
let run = 0;

beforeAll(async () => {
  dir = await makeTempDir('loci-s3rver-conformance-');
  server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir.path,
    configureBuckets: [{ name: 'bucket' }],
  });
  endpoint = `http://127.0.0.1:${(await server.run()).port}`;
});

afterAll(async () => {
  await server.close();
  await dir.remove();
});

describeMemoryStoreConformance(
  'LanceDB on s3:// (s3rver)',
  async () => {
    // A fresh prefix per test keeps tests apart; the bucket's folder goes in afterAll.
    run++;
    const store = await createLanceStore({
      uri: `s3://bucket/conformance-${run}`,
      storageOptions: {
        endpoint,
        allowHttp: 'true',
        virtualHostedStyleRequest: 'false',
        awsAccessKeyId: 'S3RVER',
        awsSecretAccessKey: 'S3RVER',
        region: 'us-east-1',
      },
    });
    return { store, cleanup: async () => {} };
  },
  // s3rver 3.7 returns no CommonPrefixes for keys nested below a prefix, so it cannot list tables.
  { listsTables: false },
);
