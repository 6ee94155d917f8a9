import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Bytes } from './file-integrity.js';
import {
  MANIFEST_FILE,
  type ModelManifest,
  readManifest,
  verifyManifestFiles,
  writeManifest,
} from './model-manifest.js';

let folder: { path: string; remove: () => Promise<void> };

beforeEach(async () => {
  folder = await makeTempDir('loci-manifest-');
});

afterEach(async () => {
  await folder.remove();
});

const content = 'model bytes';
const manifest: ModelManifest = {
  format: 1,
  modelId: 'acme/m',
  origin: 'pulled',
  source: 'test',
  files: { 'model.onnx': { bytes: content.length, sha256: sha256Bytes(content) } },
};

describe('model manifest', () => {
  it('round-trips and verifies matching files', async () => {
    await writeFile(join(folder.path, 'model.onnx'), content);
    await writeManifest(folder.path, manifest);
    const read = await readManifest(folder.path);
    expect(read).toEqual(manifest);
    expect(await verifyManifestFiles(folder.path, manifest)).toEqual([]);
  });

  it('reports missing, resized and altered files', async () => {
    expect(await verifyManifestFiles(folder.path, manifest)).toEqual(['model.onnx is missing']);
    await writeFile(join(folder.path, 'model.onnx'), `${content}!`);
    expect(await verifyManifestFiles(folder.path, manifest)).toEqual([
      'model.onnx has 12 bytes, the manifest says 11',
    ]);
    await writeFile(join(folder.path, 'model.onnx'), 'MODEL BYTES');
    expect((await verifyManifestFiles(folder.path, manifest))[0]).toMatch(
      /model\.onnx fails its sha256 check/,
    );
  });

  it('returns undefined without a manifest and names what is wrong with a broken one', async () => {
    expect(await readManifest(folder.path)).toBeUndefined();
    await writeFile(join(folder.path, MANIFEST_FILE), '{ nope');
    await expect(readManifest(folder.path)).rejects.toThrow(/loci-manifest\.json is not valid JSON/);
    await writeFile(
      join(folder.path, MANIFEST_FILE),
      JSON.stringify({ ...manifest, files: { x: { bytes: -1, sha256: 'z' } } }),
    );
    await expect(readManifest(folder.path)).rejects.toThrow(
      /files\.x\.bytes.*files\.x\.sha256: expected a hex sha256/,
    );
  });
});
