import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { get as httpGetPlain, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { dirname, join } from 'node:path';
import { LociError, lociHome, ProviderError, parseWith } from '@loci/core';
import { z } from 'zod';
import { sha256File } from './file-integrity.js';
import { modelDirectory, modelIdSchema } from './model-id.js';
import { type ModelManifest, readManifest, verifyManifestFiles, writeManifest } from './model-manifest.js';
import type { ProgressListener } from './progress.js';

/** Options of `pullModel`; only `id` is required. */
export interface PullModelOptions {
  /** Hub model id, e.g. `sentence-transformers/all-MiniLM-L6-v2`. */
  id: string;
  /** Hub base URL; files come from `<hubUrl>/<id>/resolve/<revision>/<file>`. Default https://huggingface.co. */
  hubUrl?: string;
  /** Branch, tag or commit. Default `main`. */
  revision?: string;
  /** Loci home; the model lands in `<home>/models/<id>/`. Default `LOCI_HOME` or `~/.loci`. */
  home?: string;
  /**
   * Files to fetch, all required. Default: the graph (`onnx/model.onnx`, else `model.onnx`),
   * `tokenizer.json`, and, when the hub has them, tokenizer_config.json, config.json,
   * sentence_bert_config.json, special_tokens_map.json and 1_Pooling/config.json.
   */
  files?: string[];
  /** Bearer token for gated or private models; default the `HF_TOKEN` environment variable. */
  token?: string;
  /** Download again even when a verified copy is present. */
  force?: boolean;
  /** Automatic resumptions after a dropped connection, per file. Default 2. */
  retries?: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/** A pulled model's folder, verified against its manifest. */
export interface PulledModel {
  id: string;
  /** `<home>/models/<id>/`: pass it as `path` to `createOnnxEmbedder`. */
  directory: string;
  manifest: ModelManifest;
  /** False when a verified copy was already there. */
  downloaded: boolean;
}

const relativeFileSchema = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*(?:\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/, 'expected a relative file path')
  .refine((path) => !path.split('/').includes('..'), 'a file path may not contain ".."');

const optionsSchema = z.strictObject({
  id: modelIdSchema,
  hubUrl: z.url({ protocol: /^https?$/ }).optional(),
  revision: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'expected a branch, tag or commit')
    .optional(),
  home: z.string().min(1).optional(),
  files: z.array(relativeFileSchema).min(1).optional(),
  token: z.string().min(1).optional(),
  force: z.boolean().optional(),
  retries: z.number().int().min(0).max(20).optional(),
  onProgress: z
    .custom<ProgressListener>((value) => typeof value === 'function', 'expected a function')
    .optional(),
  signal: z
    .custom<AbortSignal>((value) => value instanceof AbortSignal, 'expected an AbortSignal')
    .optional(),
});

/** One wanted file: the first of `names` the hub has is taken. */
interface FileWanted {
  names: string[];
  required: boolean;
}

const defaultFiles: FileWanted[] = [
  { names: ['onnx/model.onnx', 'model.onnx'], required: true },
  { names: ['tokenizer.json'], required: true },
  ...[
    'tokenizer_config.json',
    'config.json',
    'sentence_bert_config.json',
    'special_tokens_map.json',
    '1_Pooling/config.json',
  ].map((name) => ({ names: [name], required: false })),
];

/** What the hub says about a file before we download it. */
interface RemoteFile {
  name: string;
  downloadUrl: string;
  size: number | undefined;
  /** From X-Linked-Etag / ETag when it is a sha256 (LFS files). */
  sha256: string | undefined;
  /** From ETag when it is a git blob sha1 (small files kept in git). */
  gitBlobSha1: string | undefined;
}

/** Sidecar of a `.partial` file: a partial download is only resumed for the same remote content. */
const partialStateSchema = z.object({
  url: z.string(),
  size: z.number().nullable(),
  sha256: z.string().nullable(),
  gitBlobSha1: z.string().nullable(),
});

function unquoteEtag(value: string | null): string | undefined {
  if (!value) return undefined;
  return value.replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
}

/**
 * Downloads a model folder from a Hugging Face–compatible hub into `<home>/models/<id>/`.
 *
 * - Resumable: bytes go to `<file>.partial` in a staging folder; an interrupted download (dropped
 *   connection, Ctrl-C) continues with an HTTP Range request, within this call (`retries`) or the next.
 * - Verified: the size (X-Linked-Size / Content-Length) always; the sha256 when the hub gives one
 *   (X-Linked-Etag or ETag of LFS files); the git blob sha1 when the ETag is one (small files).
 *   A file that fails is deleted and the pull fails; nothing already installed is touched.
 * - Atomic: the folder is swapped in only when every file verified, with a checksum manifest that
 *   `createOnnxEmbedder` checks on load.
 */
export async function pullModel(options: PullModelOptions): Promise<PulledModel> {
  const config = parseWith(optionsSchema, options, 'pull options');
  const home = config.home ?? lociHome();
  const hubUrl = (config.hubUrl ?? 'https://huggingface.co').replace(/\/+$/, '');
  const revision = config.revision ?? 'main';
  const token = config.token ?? process.env['HF_TOKEN'];
  const report = config.onProgress ?? (() => {});
  const directory = modelDirectory(home, config.id);

  if (!config.force) {
    const existing = await readManifest(directory).catch(() => undefined);
    if (existing && (await verifyManifestFiles(directory, existing)).length === 0) {
      report({ phase: 'done', message: `${config.id} is already in ${directory} (verified)` });
      return { id: config.id, directory, manifest: existing, downloaded: false };
    }
  }

  const staging = `${directory}.partial`;
  await mkdir(staging, { recursive: true });
  const wanted = config.files
    ? config.files.map((name) => ({ names: [name], required: true }))
    : defaultFiles;
  const files: ModelManifest['files'] = {};
  for (const want of wanted) {
    const remote = await locate(want, { hubUrl, id: config.id, revision, token, signal: config.signal });
    if (!remote) continue;
    report({
      phase: 'check',
      message: `fetching ${remote.name}`,
      file: remote.name,
      ...(remote.size ? { total: remote.size } : {}),
    });
    files[remote.name] = await download(remote, staging, {
      retries: config.retries ?? 2,
      report,
      ...(config.signal ? { signal: config.signal } : {}),
    });
  }

  const manifest: ModelManifest = {
    format: 1,
    modelId: config.id,
    origin: 'pulled',
    source: `${hubUrl}/${config.id}@${revision}`,
    files,
  };
  await writeManifest(staging, manifest);
  // Swap the verified folder in; an older copy is moved aside first and removed after.
  const previous = `${directory}.old-${process.pid}`;
  let hadPrevious = false;
  try {
    await rename(directory, previous);
    hadPrevious = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await rename(staging, directory);
  if (hadPrevious) await rm(previous, { recursive: true, force: true });
  report({ phase: 'done', message: `${config.id} is ready in ${directory}` });
  return { id: config.id, directory, manifest, downloaded: true };
}

async function locate(
  want: FileWanted,
  where: {
    hubUrl: string;
    id: string;
    revision: string;
    token: string | undefined;
    signal: AbortSignal | undefined;
  },
): Promise<RemoteFile | undefined> {
  for (const name of want.names) {
    let url = `${where.hubUrl}/${where.id}/resolve/${encodeURIComponent(where.revision)}/${name}`;
    let response = await head(url, where);
    // Like huggingface_hub: follow same-host redirects (renamed repos, resolve caches) that carry
    // no file metadata; a redirect with X-Linked-Etag points at the CDN copy and is kept.
    for (let hops = 0; hops < 5; hops++) {
      const location = response.headers.get('location');
      if (
        response.status < 300 ||
        response.status >= 400 ||
        !location ||
        response.headers.has('x-linked-etag')
      )
        break;
      const next = new URL(location, url);
      if (next.origin !== new URL(url).origin) break;
      url = next.toString();
      response = await head(url, where);
    }
    if (response.status === 404) continue;
    if (response.status === 401 || response.status === 403) {
      throw new ProviderError(
        `${where.hubUrl} refused ${where.id}/${name} (HTTP ${response.status}): the model is gated or private; set HF_TOKEN to a token with access`,
        { status: response.status },
      );
    }
    const redirected = response.status >= 300 && response.status < 400 && response.headers.has('location');
    if (!response.ok && !redirected) {
      throw new ProviderError(
        `${where.hubUrl} answered HTTP ${response.status} for ${where.id}/${name}; try again later`,
        {
          status: response.status,
          retryable: response.status >= 500,
        },
      );
    }
    const linkedEtag = unquoteEtag(response.headers.get('x-linked-etag'));
    const etag = unquoteEtag(response.headers.get('etag'));
    const sizeHeader =
      response.headers.get('x-linked-size') ?? (redirected ? null : response.headers.get('content-length'));
    const hashOf = (value: string | undefined, length: number) =>
      value && new RegExp(`^[0-9a-f]{${length}}$`).test(value) ? value : undefined;
    return {
      name,
      downloadUrl: redirected ? new URL(response.headers.get('location') as string, url).toString() : url,
      size: sizeHeader && /^\d+$/.test(sizeHeader) ? Number(sizeHeader) : undefined,
      sha256: hashOf(linkedEtag, 64) ?? hashOf(etag, 64),
      gitBlobSha1: linkedEtag ? undefined : hashOf(etag, 40),
    };
  }
  if (want.required) {
    throw new ProviderError(
      `${where.hubUrl} has no ${want.names.join(' or ')} for ${where.id} at ${where.revision}; is it a sentence-transformers ONNX export?`,
      { status: 404 },
    );
  }
  return undefined;
}

async function head(
  url: string,
  where: { hubUrl: string; token: string | undefined; signal: AbortSignal | undefined },
): Promise<Response> {
  try {
    return await fetch(url, {
      method: 'HEAD',
      redirect: 'manual',
      headers: where.token ? { authorization: `Bearer ${where.token}` } : {},
      ...(where.signal ? { signal: where.signal } : {}),
    });
  } catch (error) {
    if (where.signal?.aborted) throw where.signal.reason;
    throw new ProviderError(
      `cannot reach ${where.hubUrl} (${(error as Error).message}); check the network or --hub`,
      {
        retryable: true,
        cause: error,
      },
    );
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

async function download(
  remote: RemoteFile,
  staging: string,
  options: { retries: number; report: ProgressListener; signal?: AbortSignal },
): Promise<{ bytes: number; sha256: string }> {
  const target = join(staging, remote.name);
  const partial = `${target}.partial`;
  const statePath = `${partial}.json`;
  await mkdir(dirname(target), { recursive: true });
  // Finished by an earlier, interrupted pull: keep it if it still matches what the hub serves.
  const staged = await sizeOf(target);
  if (staged > 0 && (remote.sha256 || remote.gitBlobSha1) && !(await verify(remote, target, staged))) {
    options.report({
      phase: 'verify',
      message: `${remote.name} already downloaded`,
      file: remote.name,
      done: staged,
      total: staged,
    });
    return { bytes: staged, sha256: remote.sha256 ?? (await sha256File(target)) };
  }
  const state = {
    url: remote.downloadUrl.split('?')[0] as string,
    size: remote.size ?? null,
    sha256: remote.sha256 ?? null,
    gitBlobSha1: remote.gitBlobSha1 ?? null,
  };
  // Only resume bytes of the same remote file (same URL and hashes); anything else starts over.
  const saved = await readFile(statePath, 'utf8')
    .then((text) => partialStateSchema.safeParse(JSON.parse(text)))
    .catch(() => undefined);
  if (!saved?.success || JSON.stringify(saved.data) !== JSON.stringify(state))
    await rm(partial, { force: true });
  await writeFile(statePath, JSON.stringify(state));

  for (let attempt = 0; ; attempt++) {
    try {
      await fetchInto(remote, partial, options);
      break;
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const retryable = !LociError.isInstance(error) || (error instanceof ProviderError && error.retryable);
      if (!retryable || attempt >= options.retries) {
        if (LociError.isInstance(error)) throw error;
        throw new ProviderError(
          `download of ${remote.name} was interrupted (${(error as Error).message}); run the pull again to resume`,
          { retryable: true, cause: error },
        );
      }
      options.report({
        phase: 'download',
        message: `connection lost, resuming ${remote.name}`,
        file: remote.name,
      });
    }
  }

  const bytes = await sizeOf(partial);
  const failure = await verify(remote, partial, bytes);
  if (failure) {
    await rm(partial, { force: true });
    await rm(statePath, { force: true });
    throw new ProviderError(
      `${remote.name} failed verification: ${failure}; the file was discarded, run the pull again`,
      {
        code: 'download_corrupt',
      },
    );
  }
  options.report({
    phase: 'verify',
    message: `${remote.name} verified`,
    file: remote.name,
    done: bytes,
    total: bytes,
  });
  const sha256 = remote.sha256 ?? (await sha256File(partial));
  await rename(partial, target);
  await rm(statePath, { force: true });
  return { bytes, sha256 };
}

/** GET with node:http(s): bytes that arrived before a dropped connection are still delivered. */
function httpGet(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
  redirects = 5,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGetPlain;
    const request = get(url, { headers, ...(signal ? { signal } : {}) }, (response) => {
      const location = response.headers.location;
      if (response.statusCode && response.statusCode >= 300 && response.statusCode < 400 && location) {
        response.resume();
        if (redirects === 0) reject(new Error(`too many redirects from ${url}`));
        else resolve(httpGet(new URL(location, url).toString(), headers, signal, redirects - 1));
        return;
      }
      resolve(response);
    });
    request.on('error', reject);
  });
}

async function fetchInto(
  remote: RemoteFile,
  partial: string,
  options: { report: ProgressListener; signal?: AbortSignal },
): Promise<void> {
  let offset = await sizeOf(partial);
  if (remote.size !== undefined && offset > remote.size) {
    await rm(partial, { force: true });
    offset = 0;
  }
  if (remote.size !== undefined && offset === remote.size) return;
  // Opened before the request: between the response and its 'data' listener there must be no
  // await, or bytes that arrived just before a dropped connection are discarded with the stream.
  const handle = await open(partial, 'a');
  let writing: Promise<unknown> = Promise.resolve();
  try {
    const response = await httpGet(
      remote.downloadUrl,
      offset > 0 ? { range: `bytes=${offset}-` } : {},
      options.signal,
    );
    const status = response.statusCode ?? 0;
    if (status === 416) {
      // Our partial is not a prefix the server recognises: start again from byte 0.
      response.resume();
      writing = handle.truncate(0);
      throw new Error('the server refused the resume range');
    }
    if (status < 200 || status >= 300) {
      response.resume();
      throw new ProviderError(`downloading ${remote.name} failed with HTTP ${status}`, {
        status,
        retryable: status >= 500 || status === 429,
      });
    }
    // 200 to a Range request: the server sends the whole file, so the partial is replaced.
    let done = offset;
    if (offset > 0 && status !== 206) {
      done = 0;
      writing = handle.truncate(0);
    }
    const progress = (message: string) =>
      options.report({
        phase: 'download',
        message,
        file: remote.name,
        done,
        ...(remote.size !== undefined ? { total: remote.size } : {}),
      });
    let lastReport = 0;
    let pending = 0;
    await new Promise<void>((resolve, reject) => {
      let ended = false;
      response.on('data', (chunk: Buffer) => {
        done += chunk.length;
        pending++;
        // Chunks are written in order; reading pauses while the disk is behind.
        if (pending > 16) response.pause();
        writing = writing.then(async () => {
          await handle.write(chunk);
          pending--;
          if (pending <= 4 && response.isPaused()) response.resume();
        });
        const now = Date.now();
        if (now - lastReport > 100) {
          lastReport = now;
          progress(`downloading ${remote.name}`);
        }
      });
      response.on('end', () => {
        ended = true;
        resolve();
      });
      response.on('error', reject);
      response.on('close', () => {
        if (!ended) reject(new Error('the connection closed early'));
      });
    });
    await writing;
    progress(`downloaded ${remote.name}`);
    if (remote.size !== undefined && done < remote.size)
      throw new Error(`got ${done} of ${remote.size} bytes`);
  } finally {
    // Whatever arrived is flushed to the partial file before it is closed, so a retry resumes after it.
    await writing.catch(() => {});
    await handle.close();
  }
}

async function verify(remote: RemoteFile, path: string, bytes: number): Promise<string | undefined> {
  if (remote.size !== undefined && bytes !== remote.size) return `${bytes} bytes, expected ${remote.size}`;
  if (remote.sha256) {
    const actual = await sha256File(path);
    if (actual !== remote.sha256) return `sha256 ${actual}, expected ${remote.sha256}`;
  } else if (remote.gitBlobSha1) {
    // Git's blob id: sha1("blob <size>\0" + content).
    const hash = createHash('sha1').update(`blob ${bytes}\0`);
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    const actual = hash.digest('hex');
    if (actual !== remote.gitBlobSha1) return `git blob sha1 ${actual}, expected ${remote.gitBlobSha1}`;
  }
  return undefined;
}
