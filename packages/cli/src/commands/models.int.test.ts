import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { makeTempDir } from '@loci/testing/temp-dir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIo } from '../cli-io.js';
import { runModelsBuild, runModelsList, runModelsPull } from './models.js';

let home: { path: string; remove: () => Promise<void> };

function captureIo(): CommandIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text), isTTY: false },
    env: { LOCI_HOME: home.path },
    out: () => out,
    err: () => err,
  };
}

beforeAll(async () => {
  home = await makeTempDir('loci-cli-models-');
});

afterAll(async () => {
  await home.remove();
});

describe('loci models', () => {
  it('lists an empty home with what to do next', async () => {
    const io = captureIo();
    expect(await runModelsList({}, io)).toEqual([]);
    expect(io.out()).toMatch(/no models in .* yet: `loci models build`/);
  });

  it('builds glove-sif-100d with progress on stderr, then verifies it on the next run', async () => {
    const io = captureIo();
    await runModelsBuild({}, io);
    expect(io.out().trim()).toBe(join(home.path, 'models', 'glove-sif-100d'));
    expect(io.err()).toMatch(/reading GloVe 6B 100-d vectors/);
    expect(io.err()).toMatch(/glove-sif-100d built in/);
    const again = captureIo();
    await runModelsBuild({}, again);
    expect(again.err()).toMatch(/glove-sif-100d verified in/);
  });

  it('pulls a model from a hub URL and lists it', async () => {
    const files: Record<string, string> = {
      'model.onnx': 'onnx bytes '.repeat(1000),
      'tokenizer.json': '{"model":{}}',
    };
    const server = createServer((request, response) => {
      const name = (request.url ?? '').replace('/acme/mini/resolve/main/', '');
      const content = files[name];
      if (content === undefined) return response.writeHead(404).end();
      const sha256 = createHash('sha256').update(content).digest('hex');
      response.writeHead(200, { 'content-length': String(content.length), etag: `"${sha256}"` });
      response.end(request.method === 'HEAD' ? undefined : content);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const io = captureIo();
      await runModelsPull(
        'acme/mini',
        { hub: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
        io,
      );
      const directory = join(home.path, 'models', 'acme', 'mini');
      expect(io.out().trim()).toBe(directory);
      expect(io.err()).toMatch(/acme\/mini: 0\.0 MB downloaded and verified/);
      expect(await readFile(join(directory, 'model.onnx'), 'utf8')).toBe(files['model.onnx']);

      const list = captureIo();
      const listed = await runModelsList({ verify: true }, list);
      expect(listed.map((model) => [model.id, model.origin, model.status])).toEqual([
        ['acme/mini', 'pulled', 'verified'],
        ['glove-sif-100d', 'built', 'verified'],
      ]);
      expect(list.out()).toMatch(/^acme\/mini +pulled +0\.0 MB +verified$/m);
    } finally {
      server.close();
    }
  });

  it('refuses a bad hub URL or model id, naming the field', async () => {
    await expect(runModelsPull('acme/mini', { hub: 'not a url' }, captureIo())).rejects.toThrow(
      /hub: expected an http\(s\) URL/,
    );
    await expect(runModelsPull('../../etc/passwd', {}, captureIo())).rejects.toThrow(
      /id: expected a model id/,
    );
  });
});
