import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { StoreError } from '@loci/core';

/**
 * Why a store could not be opened, created or written, when the cause is the place rather than the
 * data: a folder on a read-only file system, a folder this user may not write, a path through a file,
 * object-storage credentials that are missing or refused.
 */
export type StoreAccessReason =
  | 'read_only'
  | 'permission_denied'
  | 'not_a_folder'
  | 'credentials_missing'
  | 'credentials_refused';

const codeByReason: Readonly<Record<StoreAccessReason, string>> = {
  read_only: 'store_read_only',
  permission_denied: 'store_permission_denied',
  not_a_folder: 'store_not_a_folder',
  credentials_missing: 'store_credentials_missing',
  credentials_refused: 'store_access_denied',
};

const whatByReason: Readonly<Record<StoreAccessReason, string>> = {
  read_only: 'is on a read-only file system',
  permission_denied: 'may not be written by this user',
  not_a_folder: 'is a file, not a folder',
  credentials_missing: 'needs object-storage credentials and none were found',
  credentials_refused: 'refused the object-storage credentials (access denied)',
};

/**
 * A store refused access: codes `store_read_only`, `store_permission_denied`, `store_not_a_folder`,
 * `store_credentials_missing` and `store_access_denied`, with the store's `uri`, the local `path`
 * that refused (when known) and the operating-system code (`EROFS`, `EACCES`, `ENOTDIR`, when known).
 * Nothing in the store was changed.
 */
export class StoreAccessError extends StoreError {
  readonly reason: StoreAccessReason;
  readonly uri: string;
  readonly path: string | undefined;
  readonly osCode: string | undefined;
  constructor(options: {
    reason: StoreAccessReason;
    uri: string;
    what: string;
    path?: string | undefined;
    osCode?: string | undefined;
    cause?: unknown;
  }) {
    const place = options.path ?? options.uri;
    const detail = options.osCode ? ` (${options.osCode})` : '';
    super(`${options.what}: ${place} ${whatByReason[options.reason]}${detail}`, {
      code: codeByReason[options.reason],
      category: 'user',
      cause: options.cause,
    });
    this.name = 'StoreAccessError';
    this.reason = options.reason;
    this.uri = options.uri;
    this.path = options.path;
    this.osCode = options.osCode;
  }
}

const osCodes: Readonly<Record<string, StoreAccessReason>> = {
  EROFS: 'read_only',
  EACCES: 'permission_denied',
  EPERM: 'permission_denied',
  ENOTDIR: 'not_a_folder',
};

// What LanceDB (Rust: lance-io, object_store, the AWS SDK) says, checked against LanceDB 0.31 for the
// local errors, missing AWS credentials and a 403 from an S3-compatible server; the Google and Azure
// phrases follow object_store's messages and are not checked here.
const nativePatterns: readonly { pattern: RegExp; reason: StoreAccessReason; osCode?: string }[] = [
  { pattern: /Read-only file system|os error 30\b/i, reason: 'read_only', osCode: 'EROFS' },
  { pattern: /Permission denied|os error 13\b/i, reason: 'permission_denied', osCode: 'EACCES' },
  { pattern: /Not a directory|os error 20\b/i, reason: 'not_a_folder', osCode: 'ENOTDIR' },
  {
    pattern:
      /Failed to get AWS credentials|no credentials|credentials? (?:are |were )?(?:missing|not found)|could not (?:find|load) (?:default )?credentials|Missing (?:the )?(?:credentials|access key|account key)/i,
    reason: 'credentials_missing',
  },
  {
    pattern: /InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|AuthorizationFailure|403 Forbidden/i,
    reason: 'credentials_refused',
  },
];

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The access problem behind a store failure, if it is one: a Node file-system error with code
 * `EROFS`, `EACCES`, `EPERM` or `ENOTDIR`, or LanceDB's native message for the same, for missing
 * credentials or for credentials an object store refused. Undefined for anything else.
 */
export function storeAccessProblem(
  error: unknown,
): { reason: StoreAccessReason; path?: string; osCode?: string } | undefined {
  if (typeof error === 'object' && error !== null) {
    const { code, path } = error as { code?: unknown; path?: unknown };
    const reason = typeof code === 'string' ? osCodes[code] : undefined;
    if (reason) return { reason, osCode: code as string, ...(typeof path === 'string' ? { path } : {}) };
  }
  const message = messageOf(error);
  const found = nativePatterns.find((entry) => entry.pattern.test(message));
  if (!found) return undefined;
  const path = /at path "([^"]+)"/.exec(message)?.[1];
  return {
    reason: found.reason,
    ...(found.osCode ? { osCode: found.osCode } : {}),
    ...(path ? { path } : {}),
  };
}

/** `error` as a `StoreAccessError` when it is an access problem (see `storeAccessProblem`), else undefined. */
export function storeAccessError(error: unknown, uri: string, what: string): StoreAccessError | undefined {
  const problem = storeAccessProblem(error);
  return problem && new StoreAccessError({ ...problem, uri, what, cause: error });
}

function errnoOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Creates a local store folder and its missing parents, one level at a time. Node's recursive
 * `mkdir` says ENOENT when the real cause is a read-only file system (and loops forever under
 * /proc), so the nearest existing parent is found first and each missing folder made on its own:
 * the error then names the folder that refused and why. Throws `StoreAccessError` for a read-only
 * file system, a denied permission or a file in the path; anything else is rethrown as it is.
 */
export async function createStoreFolder(folder: string): Promise<void> {
  const missing: string[] = [];
  let current = resolve(folder);
  for (;;) {
    const found = await stat(current).catch((error: unknown) => {
      const code = errnoOf(error);
      // ENOTDIR: a file further up; keep walking to name it.
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw storeAccessError(error, folder, `cannot create the store folder ${folder}`) ?? error;
    });
    if (found) {
      if (found.isDirectory()) break;
      throw new StoreAccessError({
        reason: 'not_a_folder',
        uri: folder,
        what: `cannot create the store folder ${folder}`,
        path: current,
        osCode: 'ENOTDIR',
      });
    }
    const parent = dirname(current);
    if (parent === current) break;
    missing.unshift(current);
    current = parent;
  }
  for (const path of missing) {
    try {
      await mkdir(path);
    } catch (error) {
      if (errnoOf(error) === 'EEXIST') continue;
      const problem = storeAccessProblem(error);
      if (problem) {
        // The folder that refused is the parent that would hold the new one.
        const what = `cannot create the store folder ${folder}`;
        throw new StoreAccessError({ ...problem, path: dirname(path), uri: folder, what, cause: error });
      }
      throw new StoreError(
        `cannot create the store folder ${folder}: ${dirname(path)} does not accept a new folder ${path} (${messageOf(error)})`,
        { cause: error },
      );
    }
  }
}
