import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { EmbeddingModel, EmbedOptions } from '@loci/core';

/** First line of a cache file; the JSON header follows on the second line, then the vectors. */
const magic = 'loci-distractor-embeddings';
const formatVersion = 1;
/** Bytes of the text hash in front of each vector. */
const hashBytes = 16;

/** The second line of a cache file: what the vectors are of, and a checksum over them. */
interface CacheHeader {
  formatVersion: number;
  embedder: string;
  dimensions: number;
  /** The distractor set's key (`loadDistractors`): sources, count and seed. */
  distractors: string;
  count: number;
  entries: number;
  /** SHA-256 (hex) of the body: every entry's text hash and Float32 little-endian vector. */
  checksum: string;
}

/**
 * Embeddings of one distractor set under one embedder, read from and written to
 * `<home>/bench-distractors/<set>.<embedder>.emb`, so a rerun at 100k or 1M distractors does not
 * embed them again. Keyed by the text (and its embedding kind), so every method's keys fit.
 */
export interface DistractorEmbeddingCache {
  path: string;
  /** `loaded` from disk, `new` (no file yet), or `rebuilt` (the file was unusable; see `note`). */
  state: 'loaded' | 'new' | 'rebuilt';
  /** Why a file on disk was not used, for the run's log. */
  note?: string;
  /** Vectors held (loaded plus added). */
  size(): number;
  /** The cached vector of `text` embedded as `kind`, if there is one. */
  get(kind: string, text: string): Float32Array | undefined;
  /** Records the vector of `text` embedded as `kind` (written out with the cache). */
  set(kind: string, text: string, vector: Float32Array): void;
  /** Writes the file (temporary name, then rename) when vectors were added; true when it wrote. */
  save(): Promise<boolean>;
}

function textKey(kind: string, text: string): string {
  // 16 bytes as base64 (24 characters): the same string `save` writes and the parser reads back.
  return createHash('sha256')
    .update(kind)
    .update('\u0000')
    .update(text)
    .digest()
    .subarray(0, hashBytes)
    .toString('base64');
}

/** The embedder's part of a file name: readable slug plus a hash of the exact id and size. */
function embedderTag(embedder: Pick<EmbeddingModel, 'modelId' | 'dimensions'>): string {
  const slug = embedder.modelId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32);
  const hash = createHash('sha256').update(`${embedder.modelId}\u0000${embedder.dimensions}`).digest('hex');
  return `${slug || 'embedder'}-${hash.slice(0, 8)}`;
}

/** Where the embeddings of the distractor set `key` (with `count` entries) under `embedder` live. */
export function distractorEmbeddingsPath(
  home: string,
  key: string,
  embedder: Pick<EmbeddingModel, 'modelId' | 'dimensions'>,
): string {
  return join(home, 'bench-distractors', `${key}.${embedderTag(embedder)}.emb`);
}

/** Parses a cache file; a reason string when it is unusable (wrong set, truncated, corrupt). */
function parseCacheFile(
  bytes: Buffer,
  expected: { embedder: string; dimensions: number; distractors: string; count: number },
): { keys: string[]; vectors: Float32Array } | string {
  const firstBreak = bytes.indexOf(10);
  const secondBreak = firstBreak < 0 ? -1 : bytes.indexOf(10, firstBreak + 1);
  if (secondBreak < 0 || bytes.subarray(0, firstBreak).toString('utf8') !== magic) {
    return 'not a distractor embedding cache (no header)';
  }
  let header: CacheHeader;
  try {
    header = JSON.parse(bytes.subarray(firstBreak + 1, secondBreak).toString('utf8')) as CacheHeader;
  } catch {
    return 'its header is not JSON';
  }
  if (header.formatVersion !== formatVersion) return `format version ${String(header.formatVersion)}`;
  for (const field of ['embedder', 'dimensions', 'distractors', 'count'] as const) {
    if (header[field] !== expected[field]) {
      return `it holds ${field} ${String(header[field])}, expected ${String(expected[field])}`;
    }
  }
  const entryBytes = hashBytes + 4 * header.dimensions;
  const body = bytes.subarray(secondBreak + 1);
  if (
    !Number.isInteger(header.entries) ||
    header.entries < 0 ||
    body.length !== header.entries * entryBytes
  ) {
    return `truncated: ${body.length} bytes of vectors for ${String(header.entries)} entries of ${entryBytes}`;
  }
  if (createHash('sha256').update(body).digest('hex') !== header.checksum) return 'checksum mismatch';
  const keys: string[] = [];
  const vectors = new Float32Array(header.entries * header.dimensions);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  for (let entry = 0; entry < header.entries; entry++) {
    const offset = entry * entryBytes;
    keys.push(body.subarray(offset, offset + hashBytes).toString('base64'));
    for (let d = 0; d < header.dimensions; d++) {
      const value = view.getFloat32(offset + hashBytes + 4 * d, true);
      if (!Number.isFinite(value)) return `entry ${entry} holds a value that is not a finite number`;
      vectors[entry * header.dimensions + d] = value;
    }
  }
  return { keys, vectors };
}

/**
 * Opens (or starts) the embedding cache of a distractor set: `key` and `count` as
 * `loadDistractors` returned them. A file that is truncated, corrupt (checksum) or of another set
 * or embedder is not used: the cache starts empty with `state: 'rebuilt'` and a `note` saying
 * why, and `save()` replaces the file.
 */
export async function openDistractorEmbeddings(options: {
  home: string;
  key: string;
  count: number;
  embedder: Pick<EmbeddingModel, 'modelId' | 'dimensions'>;
}): Promise<DistractorEmbeddingCache> {
  const { embedder } = options;
  const path = distractorEmbeddingsPath(options.home, options.key, embedder);
  const dimensions = embedder.dimensions;
  const map = new Map<string, Float32Array>();
  let state: DistractorEmbeddingCache['state'] = 'new';
  let note: string | undefined;
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (bytes !== undefined) {
    const parsed = parseCacheFile(bytes, {
      embedder: embedder.modelId,
      dimensions,
      distractors: options.key,
      count: options.count,
    });
    if (typeof parsed === 'string') {
      state = 'rebuilt';
      note = `distractor embedding cache ${path} is unusable (${parsed}); embedding again and rewriting it`;
    } else {
      state = 'loaded';
      parsed.keys.forEach((key, entry) => {
        map.set(key, parsed.vectors.subarray(entry * dimensions, (entry + 1) * dimensions));
      });
    }
  }
  let dirty = state === 'rebuilt';
  return {
    path,
    state,
    ...(note ? { note } : {}),
    size: () => map.size,
    get: (kind, text) => map.get(textKey(kind, text)),
    set(kind, text, vector) {
      if (vector.length !== dimensions) {
        throw new RangeError(`a ${vector.length}-d vector for a ${dimensions}-d embedding cache`);
      }
      const key = textKey(kind, text);
      if (map.has(key)) return;
      map.set(key, vector);
      dirty = true;
    },
    async save() {
      if (!dirty) return false;
      const entryBytes = hashBytes + 4 * dimensions;
      const body = Buffer.alloc(map.size * entryBytes);
      let offset = 0;
      for (const [key, vector] of map) {
        body.write(key, offset, hashBytes, 'base64');
        for (let d = 0; d < dimensions; d++) {
          body.writeFloatLE(vector[d] as number, offset + hashBytes + 4 * d);
        }
        offset += entryBytes;
      }
      const header: CacheHeader = {
        formatVersion,
        embedder: embedder.modelId,
        dimensions,
        distractors: options.key,
        count: options.count,
        entries: map.size,
        checksum: createHash('sha256').update(body).digest('hex'),
      };
      await mkdir(dirname(path), { recursive: true });
      // A temporary name, then a rename: an interrupted run leaves the old file or none, never half.
      const partial = `${path}.${process.pid}.tmp`;
      const file = await open(partial, 'w');
      try {
        // Header and body written apart: no second copy of a body that is 1 GB at a million entries.
        await file.write(`${magic}\n${JSON.stringify(header)}\n`);
        await file.write(body);
      } finally {
        await file.close();
      }
      await rename(partial, path);
      dirty = false;
      return true;
    },
  };
}

/**
 * An embedder that answers from a `DistractorEmbeddingCache` while one is attached (`use`) and
 * adds what it had to embed to it; without one it is the wrapped embedder. `hits` and `misses`
 * count texts answered from the cache and embedded.
 */
export interface CachingEmbedder extends EmbeddingModel {
  /** Attaches a cache to answer from and fill (`undefined` detaches it). */
  use(cache: DistractorEmbeddingCache | undefined): void;
  readonly hits: number;
  readonly misses: number;
}

/** Wraps `embedder` for `openDistractorEmbeddings` caches: same id, size and vectors. */
export function createCachingEmbedder(embedder: EmbeddingModel): CachingEmbedder {
  let cache: DistractorEmbeddingCache | undefined;
  let hits = 0;
  let misses = 0;
  return {
    provider: embedder.provider,
    modelId: embedder.modelId,
    dimensions: embedder.dimensions,
    maxBatchSize: embedder.maxBatchSize,
    get hits() {
      return hits;
    },
    get misses() {
      return misses;
    },
    use(next) {
      cache = next;
    },
    async embed(texts: readonly string[], options: EmbedOptions): Promise<Float32Array[]> {
      const attached = cache;
      if (!attached) return embedder.embed(texts, options);
      const out: (Float32Array | undefined)[] = texts.map((text) => attached.get(options.kind, text));
      const missing = texts.flatMap((_text, index) => (out[index] === undefined ? [index] : []));
      hits += texts.length - missing.length;
      misses += missing.length;
      if (missing.length > 0) {
        const vectors = await embedder.embed(
          missing.map((index) => texts[index] as string),
          options,
        );
        missing.forEach((index, position) => {
          const vector = vectors[position];
          if (vector === undefined) return;
          out[index] = vector;
          attached.set(options.kind, texts[index] as string, vector);
        });
      }
      return out.map((vector, index) => {
        if (vector === undefined) {
          throw new RangeError(`embedder ${embedder.modelId} returned no vector for text ${index}`);
        }
        return vector;
      });
    },
  };
}

/**
 * Runs `add` (a method writing a namespace's distractors) with `embedder` answering from the
 * distractor set's embedding cache, then saves what was embedded. The cache is detached after,
 * so questions and the conversation itself are never served from it.
 */
export async function withDistractorEmbeddings(
  options: {
    embedder: CachingEmbedder;
    home: string;
    /** The set as `loadDistractors` returned it. */
    distractors: { key: string; entries: readonly unknown[] };
    /** Told why an unusable cache file is rebuilt. */
    onNote?: (note: string) => void;
  },
  add: () => Promise<void>,
): Promise<{ path: string; state: DistractorEmbeddingCache['state']; hits: number; misses: number }> {
  const { embedder } = options;
  const cache = await openDistractorEmbeddings({
    home: options.home,
    key: options.distractors.key,
    count: options.distractors.entries.length,
    embedder,
  });
  if (cache.note) options.onNote?.(cache.note);
  const [hitsBefore, missesBefore] = [embedder.hits, embedder.misses];
  embedder.use(cache);
  try {
    await add();
  } finally {
    embedder.use(undefined);
  }
  await cache.save();
  return {
    path: cache.path,
    state: cache.state,
    hits: embedder.hits - hitsBefore,
    misses: embedder.misses - missesBefore,
  };
}
