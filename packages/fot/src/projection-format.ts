import { createHash } from 'node:crypto';
import { DimensionMismatchError, LociError, parseWith } from '@loci/core';
import { z } from 'zod';
import type { Projection } from './projection.js';

/** How P travels and is stored: named fields, Float32 little-endian in base64, a SHA-256 of both. */
export interface SerializedProjection {
  format: 'loci-fot-projection';
  formatVersion: 1;
  dimensions: number;
  rank: number;
  u: string;
  v: string;
  checksum: string;
}

const schema = z.object({
  format: z.literal('loci-fot-projection'),
  formatVersion: z.literal(1),
  dimensions: z.number().int().min(1).max(65_536),
  rank: z.number().int().min(1).max(65_536),
  u: z.string(),
  v: z.string(),
  checksum: z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 hex digest'),
});

function toBytes(values: Float32Array): Buffer {
  const bytes = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) bytes.writeFloatLE(values[i] as number, i * 4);
  return bytes;
}

function fromBytes(bytes: Buffer): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

function digest(u: Buffer, v: Buffer, dimensions: number, rank: number): string {
  return createHash('sha256').update(`${dimensions}x${rank}:`).update(u).update(v).digest('hex');
}

/** A JSON-safe form of the projection, with a checksum that `parseProjection` verifies. */
export function serializeProjection(projection: Projection): SerializedProjection {
  const u = toBytes(projection.u);
  const v = toBytes(projection.v);
  return {
    format: 'loci-fot-projection',
    formatVersion: 1,
    dimensions: projection.dimensions,
    rank: projection.rank,
    u: u.toString('base64'),
    v: v.toString('base64'),
    checksum: digest(u, v, projection.dimensions, projection.rank),
  };
}

function corrupt(message: string): LociError {
  return new LociError(`projection weights are corrupt: ${message}`, {
    code: 'fot_projection_corrupt',
    category: 'user',
  });
}

/**
 * Validates weights from outside (a file, a stored row): the shape (`ConfigError`), the
 * dimensions against the keys they will project (`DimensionMismatchError`), the byte lengths
 * (truncated) and the checksum and values (corrupt, code `fot_projection_corrupt`).
 */
export function parseProjection(input: unknown, expectedDimensions?: number): Projection {
  const parsed = parseWith(schema, typeof input === 'string' ? safeJson(input) : input, 'FoT projection');
  if (expectedDimensions !== undefined && parsed.dimensions !== expectedDimensions) {
    throw new DimensionMismatchError({
      expected: expectedDimensions,
      actual: parsed.dimensions,
      what: 'FoT projection',
    });
  }
  if (parsed.rank > parsed.dimensions)
    throw corrupt(`rank ${parsed.rank} exceeds ${parsed.dimensions} dimensions`);
  const size = parsed.dimensions * parsed.rank * 4;
  const u = Buffer.from(parsed.u, 'base64');
  const v = Buffer.from(parsed.v, 'base64');
  if (u.length !== size || v.length !== size) {
    throw corrupt(
      `expected ${size} bytes for each of u and v, found ${u.length} and ${v.length} (truncated?)`,
    );
  }
  if (digest(u, v, parsed.dimensions, parsed.rank) !== parsed.checksum)
    throw corrupt('checksum does not match');
  const projection = { dimensions: parsed.dimensions, rank: parsed.rank, u: fromBytes(u), v: fromBytes(v) };
  for (const values of [projection.u, projection.v]) {
    for (const value of values) if (!Number.isFinite(value)) throw corrupt('a weight is not finite');
  }
  return projection;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new LociError(`projection weights are corrupt: not JSON (${(error as Error).message})`, {
      code: 'fot_projection_corrupt',
      category: 'user',
      cause: error,
    });
  }
}

/** A `Projection` object checked against the keys' size, or serialized weights parsed and checked. */
export function toProjection(input: unknown, dimensions: number): Projection {
  const candidate = input as Projection;
  if (typeof input !== 'object' || input === null || !(candidate.u instanceof Float32Array)) {
    return parseProjection(input, dimensions);
  }
  if (candidate.dimensions !== dimensions) {
    throw new DimensionMismatchError({
      expected: dimensions,
      actual: candidate.dimensions,
      what: 'FoT projection',
    });
  }
  const size = dimensions * candidate.rank;
  if (!(candidate.v instanceof Float32Array) || candidate.u.length !== size || candidate.v.length !== size) {
    throw corrupt('u and v must hold dimensions × rank values');
  }
  return candidate;
}
