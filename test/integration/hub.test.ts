// Hub downloads against a local hub (test/helpers/localHub.ts) that serves models/demo as
// local/demo: the cache layout Python shares, only the needed files, zero requests on a second or
// offline run, the token only to the endpoint, and every failure with its own message.
import assert from 'node:assert/strict';
import {
  existsSync,
  statSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  mkdirSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { loadClipModel } from '../../src/clip/model';
import { readModelFolder } from '../../src/clip/modelFolder';
import { CancelledError } from '../../src/common/errors';
import { HubError } from '../../src/hub/errors';
import { fetchHubModel, type HubModelRequest } from '../../src/hub/model';
import { DEMO_COMMIT, DEMO_DIR, startLocalHub, type LocalHub } from '../helpers/localHub';

const TOKEN = 'hf_localTestToken1234567890';
const FAST = { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 10 };
const NEEDED = [
  'README.md',
  'config.json',
  'onnx/text_model.onnx',
  'onnx/vision_model.onnx',
  'preprocessor_config.json',
  'special_tokens_map.json',
  'tokenizer.json',
  'tokenizer_config.json',
];

describe('hub downloads from a local hub', () => {
  let hub: LocalHub;
  let cacheDir: string;
  const temporary: string[] = [];

  beforeEach(async () => {
    hub = await startLocalHub();
    cacheDir = mkdtempSync(path.join(os.tmpdir(), 'sl-hub-'));
    temporary.push(cacheDir);
  });
  afterEach(async () => {
    await hub.close();
  });
  after(() => {
    for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
  });

  const request = (extra: Partial<HubModelRequest> = {}): HubModelRequest => ({
    repo: 'local/demo',
    variant: 'fp32',
    endpoint: hub.endpoint,
    cacheDir,
    retry: FAST,
    ...extra,
  });
  const repoRoot = () => path.join(cacheDir, 'models--local--demo');

  async function failure(extra: Partial<HubModelRequest> = {}): Promise<HubError> {
    const err = await fetchHubModel(request(extra)).then(
      () => assert.fail('the download should have failed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof HubError, `expected a HubError, got ${String(err)}`);
    return err;
  }

  it('fetches only the needed files into the standard cache layout, with progress in bytes', async () => {
    const progress: number[] = [];
    let total = 0;
    const model = await fetchHubModel(
      request({
        onProgress: (done, all) => {
          progress.push(done);
          total = all;
        },
      }),
    );
    assert.equal(model.commit, DEMO_COMMIT);
    assert.equal(model.dir, path.join(repoRoot(), 'snapshots', DEMO_COMMIT));
    assert.deepEqual(model.files.map((f) => f.path).sort(), NEEDED);
    assert.equal(readFileSync(path.join(repoRoot(), 'refs', 'main'), 'utf8'), DEMO_COMMIT);
    // Python's layout: the snapshot links to blobs named by etag (sha256 for LFS files).
    const link = path.join(model.dir, 'onnx', 'vision_model.onnx');
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(
      path.resolve(path.dirname(link), readlinkSync(link)),
      path.join(repoRoot(), 'blobs', hub.files.get('onnx/vision_model.onnx')!.etag),
    );
    const fetched = hub.requests
      .filter((r) => r.url.includes('/resolve/'))
      .map((r) => decodeURIComponent(r.url.split(`/resolve/${DEMO_COMMIT}/`)[1]));
    assert.deepEqual([...new Set(fetched)].sort(), NEEDED, 'never the whole repo');
    const expectedBytes = NEEDED.reduce((s, f) => s + hub.files.get(f)!.bytes.length, 0);
    assert.equal(total, expectedBytes);
    assert.equal(progress.at(-1), expectedBytes);
    assert.ok(
      progress.every((v, i) => i === 0 || v >= progress[i - 1]),
      'progress only grows',
    );
    assert.deepEqual(
      readdirSync(path.join(repoRoot(), 'blobs')).filter((n) => n.endsWith('.incomplete')),
      [],
    );

    // The downloaded folder is the demo model, byte for byte: same fingerprint as the local folder.
    const [fromHub, local] = await Promise.all([
      loadClipModel(model.dir, { device: 'cpu' }),
      loadClipModel(DEMO_DIR, { device: 'cpu' }),
    ]);
    assert.equal(fromHub.fingerprint, local.fingerprint);
    await Promise.all([fromHub.dispose(), local.dispose()]);
  });

  it('makes zero requests on a second run and offline, and names what the cache lacks', async () => {
    await fetchHubModel(request());
    const before = hub.requests.length;
    const again = await fetchHubModel(request());
    assert.equal(hub.requests.length, before, 'a second run sends nothing');
    assert.equal(again.commit, DEMO_COMMIT);
    await fetchHubModel(request({ offline: true, endpoint: 'http://127.0.0.1:9' }));
    await fetchHubModel(request({ offline: true, revision: DEMO_COMMIT }));
    assert.equal(hub.requests.length, before, 'offline sends nothing');

    rmSync(path.join(repoRoot(), 'snapshots', DEMO_COMMIT, 'onnx', 'text_model.onnx'));
    const missing = await failure({ offline: true });
    assert.match(missing.message, /Offline mode/);
    assert.match(missing.message, /onnx\/text_model\.onnx/);
    const unknown = await failure({ offline: true, revision: 'v2' });
    assert.match(unknown.message, /not in the hub cache .*refs\/v2/);
    assert.equal(hub.requests.length, before);
  });

  it('downloads the quantized variant on request; offline falls back to what is cached', async () => {
    const quantized = await fetchHubModel(request({ variant: 'quantized' }));
    assert.ok(quantized.files.some((f) => f.path === 'onnx/vision_model_quantized.onnx'));
    assert.ok(!quantized.files.some((f) => f.path === 'onnx/vision_model.onnx'));
    const folder = await readModelFolder(quantized.dir, 'quantized');
    assert.deepEqual(folder.graphVariants, ['quantized']);
    assert.equal(folder.licence, 'mit');
  });

  it('sends the token to the endpoint only, never to the CDN it redirects to', async () => {
    hub.redirectLfs = true;
    hub.requireToken = TOKEN;
    await fetchHubModel(request({ token: TOKEN }));
    const cdn = hub.requests.filter((r) => r.server === 'cdn');
    assert.ok(cdn.length >= 2, 'the graphs came through the CDN');
    assert.ok(
      cdn.every((r) => r.authorization === undefined),
      'no token to the CDN',
    );
    assert.ok(hub.requests.filter((r) => r.server === 'hub').every((r) => r.authorization === `Bearer ${TOKEN}`));
    // Named by the hub's linked etag (sha256) as Python names them, not by the CDN's answer.
    assert.ok(existsSync(path.join(repoRoot(), 'blobs', hub.files.get('onnx/text_model.onnx')!.etag)));
  });

  it('explains a gated model (401) with the licence and the token', async () => {
    hub.requireToken = TOKEN;
    const err = await failure();
    assert.match(err.message, /gated or private.*HTTP 401.*No Hugging Face token was sent/);
    assert.match(err.hint!, /accept the licence/);
    assert.match(err.hint!, /Set Hugging Face Token/);
    assert.match(err.hint!, /HF_TOKEN/);
    hub.faults.push({ fault: { kind: 'status', status: 403, code: 'GatedRepo', message: `token ${TOKEN} refused` } });
    const withToken = await failure({ token: TOKEN });
    assert.match(withToken.message, /token that was sent does not give access/);
    assert.ok(!`${withToken.message} ${withToken.hint}`.includes(TOKEN), 'the token never reaches a message');
  });

  it('explains an unknown repo, revision or file (404)', async () => {
    assert.match((await failure({ repo: 'local/nope' })).message, /No model repo local\/nope was found/);
    const revision = await failure({ revision: 'v9' });
    assert.match(revision.message, /has no revision "v9"/);
    assert.equal(revision.field, 'revision');
    hub.faults.push({
      match: /resolve\/.*\/config\.json$/,
      fault: { kind: 'status', status: 404, code: 'EntryNotFound' },
    });
    assert.match((await failure()).message, /no file config\.json/);
    assert.match((await failure({ repo: 'not a repo' })).message, /not a hub repo id/);
  });

  it('retries 5xx replies with backoff, then explains them', async () => {
    hub.faults.push({ match: /^\/api\//, fault: { kind: 'status', status: 503 }, times: 2 });
    const retries: string[] = [];
    await fetchHubModel(request({ log: (m) => retries.push(m) }));
    assert.equal(retries.filter((m) => /retry \d of 2/.test(m)).length, 2);
    rmSync(cacheDir, { recursive: true, force: true });
    hub.faults.push({ match: /^\/api\//, fault: { kind: 'status', status: 500 } });
    const err = await failure();
    assert.match(err.message, /answered HTTP 500 .*\(3 tries\)/);
    assert.match(err.hint!, /Try again later, or use a mirror/);
  });

  it('limits a whole request, body included: a trickling body times out', async () => {
    hub.faults.push({ match: /vision_model\.onnx$/, fault: { kind: 'slow', chunk: 1024, everyMs: 50 } });
    const started = Date.now();
    const err = await failure({ requestTimeoutMs: 300, minBytesPerSecond: 1e9, retry: { ...FAST, maxRetries: 1 } });
    assert.match(
      err.message,
      /gave onnx\/vision_model\.onnx of local\/demo no complete answer within 30\d ms \(2 tries\)/,
    );
    assert.ok(Date.now() - started < 5000);
    assert.ok(!existsSync(path.join(repoRoot(), 'snapshots', DEMO_COMMIT, 'onnx', 'vision_model.onnx')));
  });

  it('never loads a cut download, and the next run resumes it', async () => {
    const graph = hub.files.get('onnx/vision_model.onnx')!;
    hub.faults.push({ match: /vision_model\.onnx$/, fault: { kind: 'cut', fraction: 0.5 } });
    const err = await failure({ retry: { ...FAST, maxRetries: 0 } });
    assert.match(err.message, /Could not download onnx\/vision_model\.onnx|was cut off|stopped after/);
    const snapshot = path.join(repoRoot(), 'snapshots', DEMO_COMMIT);
    assert.ok(!existsSync(path.join(snapshot, 'onnx', 'vision_model.onnx')), 'no link to a partial file');
    assert.ok(!existsSync(path.join(repoRoot(), 'blobs', graph.etag)));
    assert.ok(existsSync(path.join(repoRoot(), 'blobs', `${graph.etag}.incomplete`)));
    // Offline, the model is not complete: it is refused, never loaded half-written.
    assert.match((await failure({ offline: true })).message, /lacks onnx\/vision_model\.onnx/);

    hub.faults.length = 0;
    hub.requests.length = 0;
    const logs: string[] = [];
    const model = await fetchHubModel(request({ log: (m) => logs.push(m) }));
    const ranges = hub.requests.filter(
      (r) => r.url.endsWith('vision_model.onnx') && r.range && r.range !== 'bytes=0-0',
    );
    assert.equal(ranges.length, 1);
    assert.ok(Number(/bytes=(\d+)-/.exec(ranges[0].range!)![1]) > 0, 'resumed, not restarted');
    assert.ok(logs.some((l) => /resuming after \d+ of \d+ bytes/.test(l)));
    assert.deepEqual(readFileSync(path.join(model.dir, 'onnx', 'vision_model.onnx')), graph.bytes);
  });

  it('resumes within one run when the connection is cut once', async () => {
    hub.faults.push({ match: /text_model\.onnx$/, fault: { kind: 'cut', fraction: 0.3 }, times: 2 });
    const model = await fetchHubModel(request());
    assert.deepEqual(
      readFileSync(path.join(model.dir, 'onnx', 'text_model.onnx')),
      hub.files.get('onnx/text_model.onnx')!.bytes,
    );
  });

  it('explains a full disk', async () => {
    const graph = hub.files.get('onnx/text_model.onnx')!;
    mkdirSync(path.join(repoRoot(), 'blobs'), { recursive: true });
    // Writing to /dev/full fails with ENOSPC, as a full file system does.
    symlinkSync('/dev/full', path.join(repoRoot(), 'blobs', `${graph.etag}.incomplete`));
    const err = await failure();
    assert.match(err.message, /disk holding the hub cache is full: onnx\/text_model\.onnx/);
    assert.match(err.hint!, /HF_HUB_CACHE/);
  });

  it('lists what a repo in another layout lacks and what is supported', async () => {
    for (const name of [...hub.files.keys()]) if (name.startsWith('onnx/')) hub.files.delete(name);
    const err = await failure();
    assert.match(err.message, /not in a supported layout: it lacks onnx\/vision_model\.onnx .*onnx\/text_model\.onnx/);
    assert.match(err.message, /PyTorch weights only/);
    assert.match(err.hint!, /onnx\/vision_model\.onnx \(pixel_values -> image_embeds\)/);
  });

  it('stops at once on interrupt and keeps what it has', async () => {
    hub.faults.push({ match: /vision_model\.onnx$/, fault: { kind: 'slow', chunk: 4096, everyMs: 20 } });
    const controller = new AbortController();
    let visionStart: number | undefined;
    const run = fetchHubModel(
      request({
        signal: controller.signal,
        onProgress: (done, _total, file) => {
          if (file !== 'onnx/vision_model.onnx') return;
          visionStart ??= done;
          if (done - visionStart > 8192) controller.abort();
        },
      }),
    );
    const started = Date.now();
    await assert.rejects(run, CancelledError);
    assert.ok(Date.now() - started < 2000, 'the slow body was not waited for');
    const partial = path.join(repoRoot(), 'blobs', `${hub.files.get('onnx/vision_model.onnx')!.etag}.incomplete`);
    assert.ok(
      statSync(partial).size >= 8192,
      `the bytes received are kept for the next run (${statSync(partial).size})`,
    );
  });
});
