import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineTable } from '@loci/core';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type LocalS3, startLocalS3 } from './__fixtures__/local-s3.js';
import { createLanceStore } from './lance-store.js';

const notes = defineTable({ name: 'notes', schema: z.object({ id: z.string(), text: z.string() }) });
const later = defineTable({ name: 'later', schema: z.object({ id: z.string(), text: z.string() }) });

let dir: { path: string; remove: () => Promise<void> };
beforeAll(async () => {
  dir = await makeTempDir('loci-store-access-');
});
afterAll(async () => {
  await dir.remove();
});

it('says a store path runs through a file (store_not_a_folder), not ENOENT', async () => {
  const file = join(dir.path, 'a-file');
  await writeFile(file, 'x');
  const error = await createLanceStore({ uri: join(file, 'store') }).catch((caught: unknown) => caught);
  expect(error).toMatchObject({ code: 'store_not_a_folder', path: file, category: 'user' });
});

/**
 * A folder this process cannot write, holding a store written before. As root, chmod stops nothing:
 * then a read-only bind mount of the folder (needs mount rights, as in a privileged container), else
 * undefined (the tests are skipped). As another user, the folder without write permission.
 */
async function unwritableFolder(): Promise<
  { path: string; expected: string; release: () => void } | undefined
> {
  const source = join(dir.path, 'source');
  const store = await createLanceStore({ uri: join(source, 'store') });
  await (await store.openTable(notes)).add({ namespace: 'u', rows: [{ id: 'a', text: 'kept' }] });
  await store.close();
  if (process.getuid?.() !== 0) {
    execFileSync('chmod', ['a-w', source, join(source, 'store')]);
    const release = () => execFileSync('chmod', ['u+w', source, join(source, 'store')]);
    return { path: source, expected: 'store_permission_denied', release };
  }
  const view = join(dir.path, 'read-only-view');
  await mkdir(view);
  try {
    execFileSync('mount', ['--bind', '-o', 'ro', source, view], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return { path: view, expected: 'store_read_only', release: () => execFileSync('umount', [view]) };
}

describe('a folder that cannot be written', () => {
  let folder: Awaited<ReturnType<typeof unwritableFolder>>;
  beforeAll(async () => {
    folder = await unwritableFolder();
  });
  afterAll(() => {
    folder?.release();
  });

  it('names the cause when a new store folder cannot be made in it', async (context) => {
    if (!folder) return context.skip('root without mount rights: no way to make a folder unwritable');
    const error = await createLanceStore({ uri: join(folder.path, 'new', 'store') }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: folder.expected, path: folder.path, category: 'user' });
    expect(String(error)).not.toMatch(/ENOENT|drop/);
  });

  it('names the cause when a table cannot be created in an existing store there, and still reads it', async (context) => {
    if (!folder) return context.skip('root without mount rights: no way to make a folder unwritable');
    const store = await createLanceStore({ uri: join(folder.path, 'store') });
    try {
      expect(await (await store.openTable(notes)).get({ namespace: 'u', ids: ['a'] })).toHaveLength(1);
      const error = await store.openTable(later).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: folder.expected, category: 'user' });
      expect(String(error)).not.toMatch(/damaged|drop/);
    } finally {
      await store.close();
    }
  });
});

describe('object storage (s3rver on 127.0.0.1)', () => {
  let s3: LocalS3;
  const saved: Record<string, string | undefined> = {};
  // Credentials LanceDB could find elsewhere are hidden; the instance metadata service is not asked.
  const hidden = {
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_SHARED_CREDENTIALS_FILE: join('/nonexistent', 'credentials'),
    AWS_CONFIG_FILE: join('/nonexistent', 'config'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  beforeAll(async () => {
    s3 = await startLocalS3();
    for (const [name, value] of Object.entries(hidden)) {
      saved[name] = process.env[name];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await s3.close();
  });

  it('says credentials are missing (store_credentials_missing)', async () => {
    const { awsAccessKeyId: _key, awsSecretAccessKey: _secret, ...storageOptions } = s3.storageOptions;
    const error = await createLanceStore({ uri: 's3://bucket/missing', storageOptions })
      .then((store) => store.openTable(notes))
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'store_credentials_missing', uri: 's3://bucket/missing' });
    expect(String(error)).not.toMatch(/damaged|drop/);
  });

  it('says the credentials were refused (store_access_denied)', async () => {
    const storageOptions = { ...s3.storageOptions, awsAccessKeyId: 'WRONG', awsSecretAccessKey: 'WRONG' };
    const error = await createLanceStore({ uri: 's3://bucket/refused', storageOptions })
      .then((store) => store.openTable(notes))
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'store_access_denied', uri: 's3://bucket/refused' });
  });
});
