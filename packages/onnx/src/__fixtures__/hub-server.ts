import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted Hugging Face–style file server on 127.0.0.1, for pull tests. Large ("LFS") files answer
 * `resolve` with a 302 to `/cdn/<sha256>` plus X-Linked-Etag/X-Linked-Size, as the hub does; small
 * files answer directly with their git blob sha1 as ETag. The CDN honours `Range: bytes=N-`.
 */
export interface HubServer {
  url: string;
  /** `METHOD path [range]` of every request, in order. */
  log: string[];
  addFile(modelId: string, name: string, content: Uint8Array | string, options?: { lfs?: boolean }): void;
  /** The next `times` downloads of `name` send `bytes` bytes, then drop the connection. */
  cutAfter(name: string, bytes: number, times?: number): void;
  /** Requests for `from` get a 307 to the same path under `to`. */
  rename(from: string, to: string): void;
  /** Serve `name` with one byte flipped, while still advertising the true checksum. */
  corrupt(name: string): void;
  close(): Promise<void>;
}

interface HostedFile {
  name: string;
  content: Buffer;
  lfs: boolean;
  sha256: string;
  gitSha1: string;
}

export async function startHubServer(): Promise<HubServer> {
  const files = new Map<string, HostedFile>();
  const cuts = new Map<string, { bytes: number; times: number }>();
  const corrupted = new Set<string>();
  const renamed = new Map<string, string>();
  const log: string[] = [];

  function body(file: HostedFile): Buffer {
    if (!corrupted.has(file.name)) return file.content;
    const copy = Buffer.from(file.content);
    copy[copy.length >> 1] = (copy[copy.length >> 1] as number) ^ 0xff;
    return copy;
  }

  function send(
    request: IncomingMessage,
    response: ServerResponse,
    file: HostedFile,
    headers: Record<string, string>,
  ): void {
    const content = body(file);
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    if (start > content.length) {
      response.writeHead(416, { 'content-range': `bytes */${content.length}` }).end();
      return;
    }
    const slice = content.subarray(start);
    response.writeHead(range ? 206 : 200, {
      ...headers,
      'content-length': String(slice.length),
      'accept-ranges': 'bytes',
      ...(range ? { 'content-range': `bytes ${start}-${content.length - 1}/${content.length}` } : {}),
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    const cut = cuts.get(file.name);
    if (cut && cut.times > 0) {
      cut.times--;
      response.write(slice.subarray(0, cut.bytes), () => response.destroy());
      return;
    }
    response.end(slice);
  }

  const server = createServer((request, response) => {
    const path = decodeURIComponent(request.url ?? '/');
    log.push(`${request.method} ${path}${request.headers.range ? ` ${request.headers.range}` : ''}`);
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(path);
    if (cdn) {
      const file = [...files.values()].find((candidate) => candidate.sha256 === cdn[1]);
      if (!file) response.writeHead(404).end();
      else send(request, response, file, {});
      return;
    }
    const moved = [...renamed.entries()].find(([from]) => path.startsWith(`/${from}/`));
    if (moved) {
      // A renamed repository: a relative redirect without file metadata, as the hub sends.
      response.writeHead(307, { location: path.replace(`/${moved[0]}/`, `/${moved[1]}/`) }).end();
      return;
    }
    const file = files.get(path.replace(/^\//, '').replace('/resolve/main/', '|'));
    if (!file) {
      response.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end();
      return;
    }
    if (file.lfs) {
      response
        .writeHead(302, {
          location: `/cdn/${file.sha256}`,
          'x-linked-etag': `"${file.sha256}"`,
          'x-linked-size': String(file.content.length),
        })
        .end();
      return;
    }
    send(request, response, file, { etag: `"${file.gitSha1}"` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    log,
    addFile(modelId, name, content, options = {}) {
      const buffer = Buffer.from(content);
      files.set(`${modelId}|${name}`, {
        name,
        content: buffer,
        lfs: options.lfs ?? false,
        sha256: createHash('sha256').update(buffer).digest('hex'),
        gitSha1: createHash('sha1').update(`blob ${buffer.length}\0`).update(buffer).digest('hex'),
      });
    },
    cutAfter(name, bytes, times = 1) {
      cuts.set(name, { bytes, times });
    },
    rename(from, to) {
      renamed.set(from, to);
    },
    corrupt(name) {
      corrupted.add(name);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
