import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { makeTempDir } from '@loci/testing/temp-dir';

// s3rver ships CommonJS without types; this is the part of its API the tests use.
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverServer;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

export interface LocalS3 {
  /** For `createLanceStore({ uri: 's3://bucket/...', storageOptions })`. */
  storageOptions: Record<string, string>;
  close(): Promise<void>;
}

/** An S3-compatible server (s3rver) on 127.0.0.1 with one bucket, `bucket`, in a temp folder. */
export async function startLocalS3(): Promise<LocalS3> {
  const dir = await makeTempDir('loci-s3rver-');
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir.path,
    configureBuckets: [{ name: 'bucket' }],
  });
  const { port } = await server.run();
  return {
    storageOptions: {
      endpoint: `http://127.0.0.1:${port}`,
      allowHttp: 'true',
      virtualHostedStyleRequest: 'false',
      // s3rver's built-in account.
      awsAccessKeyId: 'S3RVER',
      awsSecretAccessKey: 'S3RVER',
      region: 'us-east-1',
    },
    async close() {
      // LanceDB's HTTP client keeps idle keep-alive connections open; without dropping them
      // `close()` waits for them and the test's teardown times out.
      server.httpServer?.closeAllConnections();
      await server.close();
      await dir.remove();
    },
  };
}
