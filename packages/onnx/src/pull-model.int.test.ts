import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@loci/core';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type HubServer, startHubServer } from './__fixtures__/hub-server.js';
import { tinyBertModel, tokenizerJson } from './__fixtures__/tiny-bert.js';
import { createOnnxEmbedder } from './onnx-embedder.js';
import type { ProgressEvent } from './progress.js';
import { pullModel } from './pull-model.js';

const id = 'acme/tiny-bert';
const { bytes: modelBytes, model: reference } = tinyBertModel();
const tokenizer = JSON.stringify(tokenizerJson(reference.vocabulary));

let hub: HubServer;
let home: { path: string; remove: () => Promise<void> };

beforeEach(async () => {
  hub = await startHubServer();
  home = await makeTempDir('loci-pull-');
  // Like most sentence-transformers repos: the graph in LFS, configs in git.
  hub.addFile(id, 'onnx/model.onnx', modelBytes, { lfs: true });
  hub.addFile(id, 'tokenizer.json', tokenizer);
  hub.addFile(id, 'sentence_bert_config.json', JSON.stringify({ max_seq_length: 64 }));
});

afterEach(async () => {
  await hub.close();
  await home.remove();
});

const modelFolder = () => join(home.path, 'models', 'acme', 'tiny-bert');

describe('pullModel', () => {
  it('downloads the folder, verifies it, writes a manifest, and the embedder loads it', async () => {
    const events: ProgressEvent[] = [];
    const pulled = await pullModel({
      id,
      hubUrl: hub.url,
      home: home.path,
      onProgress: (event) => events.push(event),
    });
    expect(pulled).toMatchObject({ id, directory: modelFolder(), downloaded: true });
    expect(Object.keys(pulled.manifest.files).sort()).toEqual([
      'onnx/model.onnx',
      'sentence_bert_config.json',
      'tokenizer.json',
    ]);
    expect(
      Buffer.compare(await readFile(join(modelFolder(), 'onnx/model.onnx')), Buffer.from(modelBytes)),
    ).toBe(0);
    // Optional files the hub lacks are skipped; no staging leftovers.
    expect(hub.log).toContain(`HEAD /${id}/resolve/main/config.json`);
    expect((await readdir(join(home.path, 'models', 'acme'))).sort()).toEqual(['tiny-bert']);
    const download = events
      .filter((event) => event.phase === 'download' && event.file === 'onnx/model.onnx')
      .at(-1);
    expect(download).toMatchObject({ done: modelBytes.length, total: modelBytes.length });

    const embedder = await createOnnxEmbedder({ model: id, home: home.path });
    expect(embedder).toMatchObject({ modelId: id, dimensions: reference.dimensions });
    const [vector] = await embedder.embed(['hello world'], { kind: 'query' });
    expect(vector).toHaveLength(reference.dimensions);
  });

  it('falls back to model.onnx at the top of the repo', async () => {
    const other = 'acme/flat';
    hub.addFile(other, 'model.onnx', modelBytes, { lfs: true });
    hub.addFile(other, 'tokenizer.json', tokenizer);
    const pulled = await pullModel({ id: other, hubUrl: hub.url, home: home.path });
    expect(Object.keys(pulled.manifest.files).sort()).toEqual(['model.onnx', 'tokenizer.json']);
  });

  it('follows a renamed repository and still verifies every file', async () => {
    hub.rename('acme/old-name', id);
    hub.corrupt('tokenizer.json');
    await expect(pullModel({ id: 'acme/old-name', hubUrl: hub.url, home: home.path })).rejects.toThrow(
      /tokenizer\.json failed verification: git blob sha1/,
    );
    expect(hub.log).toContain(`HEAD /${id}/resolve/main/tokenizer.json`);
  });

  it('resumes an interrupted download with a Range request on the next pull', async () => {
    hub.cutAfter('onnx/model.onnx', 1000);
    await expect(pullModel({ id, hubUrl: hub.url, home: home.path, retries: 0 })).rejects.toThrow(
      /onnx\/model\.onnx was interrupted .*run the pull again to resume/,
    );
    const partial = join(`${modelFolder()}.partial`, 'onnx', 'model.onnx.partial');
    expect((await stat(partial)).size).toBe(1000);
    await expect(stat(modelFolder())).rejects.toThrow(/ENOENT/);

    const pulled = await pullModel({ id, hubUrl: hub.url, home: home.path, retries: 0 });
    expect(pulled.downloaded).toBe(true);
    expect(hub.log.filter((line) => line.startsWith('GET /cdn/')).at(-1)).toMatch(/ bytes=1000-$/);
    expect(
      Buffer.compare(await readFile(join(modelFolder(), 'onnx/model.onnx')), Buffer.from(modelBytes)),
    ).toBe(0);
  });

  it('resumes by itself within one pull when the connection drops', async () => {
    hub.cutAfter('onnx/model.onnx', 4096, 2);
    const events: ProgressEvent[] = [];
    await pullModel({ id, hubUrl: hub.url, home: home.path, onProgress: (event) => events.push(event) });
    const ranges = hub.log.filter((line) => line.startsWith('GET /cdn/')).map((line) => line.split(' ')[2]);
    expect(ranges).toEqual([undefined, 'bytes=4096-', 'bytes=8192-']);
    expect(events.filter((event) => event.message.startsWith('connection lost'))).toHaveLength(2);
    expect(
      Buffer.compare(await readFile(join(modelFolder(), 'onnx/model.onnx')), Buffer.from(modelBytes)),
    ).toBe(0);
  });

  it('rejects a corrupt download and keeps the installed copy', async () => {
    await pullModel({ id, hubUrl: hub.url, home: home.path });
    hub.corrupt('onnx/model.onnx');
    await expect(pullModel({ id, hubUrl: hub.url, home: home.path, force: true })).rejects.toThrow(
      /onnx\/model\.onnx failed verification: sha256 [0-9a-f]{64}, expected [0-9a-f]{64}; the file was discarded/,
    );
    await expect(stat(join(`${modelFolder()}.partial`, 'onnx', 'model.onnx.partial'))).rejects.toThrow(
      /ENOENT/,
    );
    // The earlier, good copy still loads and verifies.
    const embedder = await createOnnxEmbedder({ model: id, home: home.path });
    expect(embedder.dimensions).toBe(reference.dimensions);
  });

  it('checks small files against their git blob sha1', async () => {
    hub.corrupt('tokenizer.json');
    await expect(pullModel({ id, hubUrl: hub.url, home: home.path })).rejects.toThrow(
      /tokenizer\.json failed verification: git blob sha1/,
    );
  });

  it('does not download again when a verified copy is present', async () => {
    await pullModel({ id, hubUrl: hub.url, home: home.path });
    const requests = hub.log.length;
    const again = await pullModel({ id, hubUrl: hub.url, home: home.path });
    expect(again.downloaded).toBe(false);
    expect(hub.log).toHaveLength(requests);
  });

  it('explains missing models and refuses bad options', async () => {
    await expect(pullModel({ id: 'acme/nothing', hubUrl: hub.url, home: home.path })).rejects.toThrow(
      /has no onnx\/model\.onnx or model\.onnx for acme\/nothing/,
    );
    await expect(pullModel({ id: '../../etc', hubUrl: hub.url, home: home.path })).rejects.toThrow(
      ConfigError,
    );
    await expect(pullModel({ id, hubUrl: 'ftp://example.com', home: home.path })).rejects.toThrow(/hubUrl/);
    await expect(pullModel({ id, hubUrl: hub.url, home: home.path, files: ['../secret'] })).rejects.toThrow(
      /files\.0/,
    );
  });

  it('stops when the abort signal fires', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      pullModel({ id, hubUrl: hub.url, home: home.path, signal: controller.signal }),
    ).rejects.toThrow(/abort/i);
  });
});
