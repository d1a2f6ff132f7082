// A local stand-in for the Hugging Face hub, speaking the protocol as @huggingface/hub and
// huggingface_hub call it:
//   GET  /api/models/ORG/NAME/revision/REV[?expand=…]  model info: sha, siblings
//   GET  /ORG/NAME/resolve/REV/PATH                    the file; Range requests answer 206
//   HEAD /ORG/NAME/resolve/REV/PATH                    headers only (Python's check)
// with X-Repo-Commit, ETag / X-Linked-Etag (sha256 for LFS files, git's blob sha1 for the rest),
// X-Linked-Size and X-Error-Code on 404s (RepoNotFound, RevisionNotFound, EntryNotFound). It
// serves the committed demo model as `local/demo`, records every request with its headers, and
// fails on demand: any status, a slow (trickled) body, or a connection cut mid-file. LFS files
// can be served through a redirect to a second server (a "CDN") that records its own requests.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export const DEMO_DIR = path.resolve(__dirname, '../../models/demo');
export const DEMO_COMMIT = 'd3e0c0ffee0000000000000000000000000000aa';

export interface HubRequest {
  method: string;
  url: string;
  authorization?: string;
  range?: string;
  server: 'hub' | 'cdn';
}

export type Fault =
  | { kind: 'status'; status: number; code?: string; message?: string }
  /** Send the body in `chunk`-byte pieces, one every `everyMs`. */
  | { kind: 'slow'; chunk: number; everyMs: number }
  /** Send `fraction` of the body, then destroy the socket. */
  | { kind: 'cut'; fraction: number };

export interface FaultRule {
  fault: Fault;
  /** Which requests: a test on the path (default: every request). */
  match?: RegExp;
  /** How many matching requests fail (default: all of them). */
  times?: number;
}

interface RepoFile {
  bytes: Buffer;
  etag: string;
  lfs: boolean;
}

export interface LocalHub {
  endpoint: string;
  requests: HubRequest[];
  faults: FaultRule[];
  /** Serve LFS files through a 302 to the CDN server. */
  redirectLfs: boolean;
  /** Requests must carry this bearer token, or get 401 (a gated repo). */
  requireToken?: string;
  files: Map<string, RepoFile>;
  close(): Promise<void>;
}

function repoFile(bytes: Buffer, lfs: boolean): RepoFile {
  const etag = lfs
    ? createHash('sha256').update(bytes).digest('hex')
    : createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
  return { bytes, etag, lfs };
}

/** The demo model's files, a README with a licence, a quantized copy and weights never to fetch. */
export function demoRepoFiles(): Map<string, RepoFile> {
  const files = new Map<string, RepoFile>();
  for (const name of readdirSync(DEMO_DIR)) {
    if (statSync(path.join(DEMO_DIR, name)).isFile())
      files.set(name, repoFile(readFileSync(path.join(DEMO_DIR, name)), false));
  }
  for (const name of readdirSync(path.join(DEMO_DIR, 'onnx'))) {
    const bytes = readFileSync(path.join(DEMO_DIR, 'onnx', name));
    files.set(`onnx/${name}`, repoFile(bytes, true));
    files.set(`onnx/${name.replace('.onnx', '_quantized.onnx')}`, repoFile(bytes, true));
  }
  files.set('README.md', repoFile(Buffer.from('---\nlicense: mit\ntags: [clip]\n---\n# demo\n'), false));
  files.set('pytorch_model.bin', repoFile(Buffer.alloc(4096, 7), true));
  files.set('onnx/model.onnx', repoFile(Buffer.alloc(4096, 9), true));
  return files;
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

export async function startLocalHub(options: { repo?: string; files?: Map<string, RepoFile> } = {}): Promise<LocalHub> {
  const repo = options.repo ?? 'local/demo';
  const hub: LocalHub = {
    endpoint: '',
    requests: [],
    faults: [],
    redirectLfs: false,
    files: options.files ?? demoRepoFiles(),
    close: async () => {},
  };
  const sockets = new Set<import('node:net').Socket>();

  const takeFault = (urlPath: string): Fault | undefined => {
    const rule = hub.faults.find((r) => (r.match ? r.match.test(urlPath) : true) && (r.times ?? 1) > 0);
    if (!rule) return undefined;
    if (rule.times !== undefined) rule.times--;
    return rule.fault;
  };

  const sendFile = async (req: http.IncomingMessage, res: http.ServerResponse, file: RepoFile, fault?: Fault) => {
    const size = file.bytes.length;
    const headers: Record<string, string> = {
      'x-repo-commit': DEMO_COMMIT,
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
      etag: `"${file.etag}"`,
    };
    if (file.lfs) {
      headers['x-linked-etag'] = `"${file.etag}"`;
      headers['x-linked-size'] = String(size);
    }
    let start = 0;
    let end = size - 1;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size) {
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
      headers['content-range'] = `bytes ${start}-${end}/${size}`;
    }
    const body = file.bytes.subarray(start, end + 1);
    headers['content-length'] = String(body.length);
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD') return void res.end();
    if (fault?.kind === 'cut') {
      res.write(body.subarray(0, Math.floor(body.length * fault.fraction)));
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    if (fault?.kind === 'slow') {
      for (let i = 0; i < body.length && !res.destroyed; i += fault.chunk) {
        res.write(body.subarray(i, i + fault.chunk));
        await new Promise((r) => setTimeout(r, fault.everyMs));
      }
      res.end();
      return;
    }
    res.end(body);
  };

  const notFound = (res: http.ServerResponse, code: string, message: string) =>
    res
      .writeHead(404, { 'x-error-code': code, 'x-error-message': message, 'content-type': 'application/json' })
      .end(JSON.stringify({ error: message }));

  const record = (req: http.IncomingMessage, server: HubRequest['server']) =>
    hub.requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization,
      range: req.headers.range,
      server,
    });

  const cdn = http.createServer((req, res) => {
    record(req, 'cdn');
    const etag = (req.url ?? '').replace(/^\/blobs\//, '');
    const file = [...hub.files.values()].find((f) => f.etag === etag);
    if (!file) return void res.writeHead(404).end();
    void sendFile(req, res, file, takeFault(req.url ?? ''));
  });

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    record(req, 'hub');
    const fault = takeFault(url.pathname);
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, {
        'content-type': 'application/json',
        ...(fault.code ? { 'x-error-code': fault.code } : {}),
      });
      return void res.end(JSON.stringify({ error: fault.message ?? `status ${fault.status}` }));
    }
    if (hub.requireToken && req.headers.authorization !== `Bearer ${hub.requireToken}`) {
      res.writeHead(401, { 'x-error-code': 'GatedRepo', 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: `Access to model ${repo} is restricted.` }));
    }
    const info = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
    if (info) {
      if (info[1] !== repo) return notFound(res, 'RepoNotFound', 'Repository not found');
      const rev = decodeURIComponent(info[2]);
      if (rev !== 'main' && rev !== DEMO_COMMIT) return notFound(res, 'RevisionNotFound', `Invalid rev id: ${rev}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(
        JSON.stringify({
          _id: '0123456789abcdef01234567',
          id: repo,
          sha: DEMO_COMMIT,
          private: false,
          gated: false,
          downloads: 0,
          likes: 0,
          lastModified: '2026-01-01T00:00:00.000Z',
          pipeline_tag: 'zero-shot-image-classification',
          siblings: [...hub.files.keys()].map((rfilename) => ({ rfilename })),
        }),
      );
    }
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (resolve) {
      if (resolve[1] !== repo) return notFound(res, 'RepoNotFound', 'Repository not found');
      const rev = decodeURIComponent(resolve[2]);
      if (rev !== 'main' && rev !== DEMO_COMMIT) return notFound(res, 'RevisionNotFound', `Invalid rev id: ${rev}`);
      const file = hub.files.get(decodeURIComponent(resolve[3]));
      if (!file) return notFound(res, 'EntryNotFound', `${resolve[3]} does not exist on "${rev}"`);
      if (file.lfs && hub.redirectLfs) {
        res.writeHead(302, {
          location: `${cdnOrigin}/blobs/${file.etag}`,
          'x-repo-commit': DEMO_COMMIT,
          'x-linked-etag': `"${file.etag}"`,
          'x-linked-size': String(file.bytes.length),
        });
        return void res.end();
      }
      return void sendFile(req, res, file, fault);
    }
    notFound(res, 'RepoNotFound', 'Not found');
  });
  for (const s of [server, cdn]) s.on('connection', (socket) => sockets.add(socket));
  hub.endpoint = await listen(server);
  const cdnOrigin = await listen(cdn);
  hub.close = async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all([server, cdn].map((s) => new Promise((r) => s.close(r))));
  };
  return hub;
}
