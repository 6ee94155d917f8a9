import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LociError, StoreError } from '@loci/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createStoreFolder,
  StoreAccessError,
  storeAccessError,
  storeAccessProblem,
} from './store-access-error.js';

// Native messages as LanceDB 0.31 gave them on this machine (shortened): a write into a folder on a
// read-only bind mount, an S3 store without credentials, and one whose server refused the key.
const readOnlyWrite =
  'lance error: LanceError(IO): Read-only file system (os error 30) at path "/srv/ro/store/x.lance/data/.tmpFoMdr3", /usr/local/cargo/registry/src/lance-io-8.0.0/src/object_store.rs:754:21';
const noCredentials =
  'lance error: LanceError(IO): Generic N/A error: Encountered internal error. Please file a bug report at https://github.com/lance-format/lance/issues. Failed to get AWS credentials: ProviderError(ProviderError { source: FailedToLoadToken(FailedToLoadToken { source: ServiceError(ServiceError { source: TokenError { kind: Forbidden }, raw: Response { status: StatusCode(403) } }) }) })';
const refusedKey =
  'lance error: LanceError(IO): Generic S3 error: Error performing list request: Error performing GET http://127.0.0.1:39153/bucket?list-type=2 - Server returned non-2xx status code: 403 Forbidden: <Error><Code>InvalidAccessKeyId</Code></Error>';

describe('storeAccessProblem', () => {
  it("classifies LanceDB's native messages and names the path it reports", () => {
    expect(storeAccessProblem(new Error(readOnlyWrite))).toEqual({
      reason: 'read_only',
      osCode: 'EROFS',
      path: '/srv/ro/store/x.lance/data/.tmpFoMdr3',
    });
    expect(storeAccessProblem(new Error('Permission denied (os error 13) at path "/srv/x"'))).toEqual({
      reason: 'permission_denied',
      osCode: 'EACCES',
      path: '/srv/x',
    });
    // The missing-credentials message also holds a 403 (from the metadata service): missing wins.
    expect(storeAccessProblem(new Error(noCredentials))).toEqual({ reason: 'credentials_missing' });
    expect(storeAccessProblem(new Error(refusedKey))).toEqual({ reason: 'credentials_refused' });
  });

  it('classifies Node file-system errors by their code', () => {
    const error = Object.assign(new Error('EACCES: permission denied, mkdir'), {
      code: 'EACCES',
      path: '/srv/x',
    });
    expect(storeAccessProblem(error)).toEqual({
      reason: 'permission_denied',
      osCode: 'EACCES',
      path: '/srv/x',
    });
    expect(storeAccessProblem(Object.assign(new Error('x'), { code: 'EROFS' }))).toMatchObject({
      reason: 'read_only',
    });
  });

  it('leaves other failures alone', () => {
    expect(storeAccessProblem(new Error('LanceError(IO): manifest is corrupt'))).toBeUndefined();
    expect(storeAccessProblem(Object.assign(new Error('x'), { code: 'ENOSPC' }))).toBeUndefined();
    expect(storeAccessError(new Error('table not found'), '/srv/store', 'cannot open')).toBeUndefined();
  });

  it('gives a user error with a specific code, the facts and the cause', () => {
    const cause = new Error(readOnlyWrite);
    const error = storeAccessError(cause, '/srv/ro/store', 'cannot open table "x" in /srv/ro/store');
    expect(error).toBeInstanceOf(StoreAccessError);
    expect(error).toBeInstanceOf(StoreError);
    expect(LociError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'store_read_only',
      category: 'user',
      reason: 'read_only',
      uri: '/srv/ro/store',
      osCode: 'EROFS',
      cause,
    });
    expect(error?.message).toBe(
      'cannot open table "x" in /srv/ro/store: /srv/ro/store/x.lance/data/.tmpFoMdr3 is on a read-only file system (EROFS)',
    );
    expect(error?.message).not.toMatch(/drop/);
    const missing = storeAccessError(new Error(noCredentials), 's3://bucket/p', 'cannot open table "x"');
    expect(missing).toMatchObject({ code: 'store_credentials_missing', path: undefined });
    expect(missing?.message).toBe(
      'cannot open table "x": s3://bucket/p needs object-storage credentials and none were found',
    );
  });
});

describe('createStoreFolder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loci-store-folder-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates missing parents, and accepts a folder that exists', async () => {
    const folder = join(dir, 'a', 'b', 'store');
    await createStoreFolder(folder);
    await createStoreFolder(folder);
    expect((await stat(folder)).isDirectory()).toBe(true);
  });

  it('names the file in the way with store_not_a_folder, not ENOENT', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    for (const folder of [file, join(file, 'store'), join(file, 'deeper', 'store')]) {
      const error = await createStoreFolder(folder).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'store_not_a_folder', path: file, osCode: 'ENOTDIR' });
      expect(String(error)).toContain(`${file} is a file, not a folder`);
    }
  });
});
