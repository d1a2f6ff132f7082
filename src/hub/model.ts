// `hub: ORG/NAME` -> a model folder in the hub cache. Only the files the model needs are fetched
// (the JSON configs, the tokenizer, README.md for the licence, and the two tower graphs of the
// chosen variant with their external-data files), through @huggingface/hub's calls with our own
// fetch (./http). A revision already resolved and complete in the cache costs no request.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { downloadFile, fileDownloadInfo, modelInfo, type FileDownloadInfoOutput } from '@huggingface/hub';
import { backoffMs, sleep, withDeadline } from '../common/deadline';
import { CancelledError, throwIfCancelled } from '../common/errors';
import { LAYOUT_HINT } from '../clip/errors';
import {
  chooseGraph,
  externalDataFiles,
  layoutGaps,
  OPTIONAL_FILES,
  REQUIRED_FILES,
  TOWERS,
  towerAdvice,
  variantOf,
} from '../clip/modelFolder';
import type { Variant } from '../clip/types';
import { COMMIT_HASH, hubCacheDir, RepoCache } from './cache';
import { explainHubFailure, HubError, isRetryable, TOKEN_HINT, TransferError, type FailureContext } from './errors';
import { hubFetch } from './http';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export interface HubRetry {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface HubModelRequest {
  /** ORG/NAME */
  repo: string;
  /** Branch, tag or commit. Default main. */
  revision?: string;
  variant: Variant;
  endpoint?: string;
  token?: string;
  /** Load from the cache only; never send a request. */
  offline?: boolean;
  /** Resolve a branch or tag again although the cache knows a commit for it. */
  refresh?: boolean;
  /** Default: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub. */
  cacheDir?: string;
  signal?: AbortSignal;
  /** Bytes downloaded so far of the bytes this run must download. */
  onProgress?: (done: number, total: number, file: string) => void;
  log?: (message: string) => void;
  /** Limit of a metadata request; a file's body gets this plus its size at `minBytesPerSecond`. */
  requestTimeoutMs?: number;
  minBytesPerSecond?: number;
  retry?: HubRetry;
  /** Told about every request sent (the tests count them). */
  onRequest?: (url: string) => void;
}

export interface HubFile {
  path: string;
  bytes: number;
}

export interface HubModel {
  /** The snapshot folder: a model folder in the supported layout. */
  dir: string;
  repo: string;
  revision: string;
  commit: string;
  endpoint: string;
  files: HubFile[];
  /** Bytes this run downloaded (0 when everything came from the cache). */
  downloadedBytes: number;
}

const DEFAULT_RETRY: HubRetry = { maxRetries: 4, baseDelayMs: 1000, maxDelayMs: 20_000 };
const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** The files of the chosen variant among a repo's files, or what is missing for the layout. */
export function selectFiles(files: ReadonlySet<string>, variant: Variant): { files: string[]; gaps: string[] } {
  const gaps = layoutGaps(files);
  if (gaps.length) return { files: [], gaps };
  const graphs = TOWERS.map((tower) => chooseGraph(files, tower, variant)!);
  return {
    files: [
      ...[...REQUIRED_FILES, ...OPTIONAL_FILES].filter((f) => files.has(f)),
      ...graphs.flatMap((g) => [g, ...externalDataFiles(files, g)]),
    ],
    gaps: [],
  };
}

function normaliseEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/"/g, '');
}

/** sha256 for LFS blobs (64 hex), git's blob sha1 for small files (40 hex): what the etag names. */
async function contentMatchesEtag(file: string, size: number, etag: string): Promise<boolean> {
  const kind = /^[0-9a-f]{64}$/.test(etag) ? 'sha256' : /^[0-9a-f]{40}$/.test(etag) ? 'sha1' : undefined;
  if (!kind) return true;
  const hash = createHash(kind);
  if (kind === 'sha1') hash.update(`blob ${size}\0`);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex') === etag;
}

export async function fetchHubModel(request: HubModelRequest): Promise<HubModel> {
  const repo = request.repo.trim();
  if (!REPO_ID.test(repo)) {
    throw new HubError(
      `"${request.repo}" is not a hub repo id.`,
      'Write it as ORG/NAME, as in the model page address, e.g. hub: Xenova/clip-vit-base-patch16.',
    );
  }
  const revision = request.revision?.trim() || 'main';
  const endpoint = (request.endpoint?.trim() || DEFAULT_ENDPOINT).replace(/\/+$/, '');
  const cache = new RepoCache(request.cacheDir ?? hubCacheDir(), repo);
  const log = request.log ?? (() => {});
  const base = { repo, revision, endpoint, files: [] as HubFile[], downloadedBytes: 0 };

  const cached = await fromCache(cache, revision, request.variant, !!request.offline);
  if (cached && (!request.refresh || request.offline)) {
    return { ...base, commit: cached.commit, dir: cache.snapshotDir(cached.commit), files: await sizes(cache, cached) };
  }
  if (request.offline) throw await offlineMiss(cache, repo, revision, request.variant);

  const context: FailureContext = {
    repo,
    revision,
    endpoint,
    token: request.token,
    tries: 1,
    cacheRoot: cache.root,
  };
  const requestTimeoutMs = request.requestTimeoutMs ?? 30_000;
  // Each request runs under one limit covering its body too; the signal it gets fires at the limit.
  const limited = <T>(ms: number, work: (fetchImpl: typeof fetch, signal: AbortSignal) => Promise<T>) =>
    withDeadline(ms, request.signal, (signal) =>
      work(hubFetch({ endpoint, token: request.token, signal, onRequest: request.onRequest }), signal),
    );
  const retrying = <T>(file: string | undefined, fn: () => Promise<T>) =>
    withRetries({ ...context, file }, request.retry ?? DEFAULT_RETRY, request.signal, log, fn);

  const info = await retrying(undefined, () =>
    limited(requestTimeoutMs, (fetchImpl) =>
      modelInfo({ name: repo, revision, hubUrl: endpoint, additionalFields: ['sha', 'filePaths'], fetch: fetchImpl }),
    ),
  );
  const commit = String(info.sha ?? '');
  if (!COMMIT_HASH.test(commit)) {
    throw new HubError(
      `The hub at ${endpoint} gave no commit for ${repo} at "${revision}".`,
      'Check that the endpoint is a Hugging Face hub or a mirror of one.',
    );
  }
  const repoFiles = new Set((info.filePaths as string[] | undefined) ?? []);
  const selection = selectFiles(repoFiles, request.variant);
  if (selection.gaps.length) {
    const advice = towerAdvice(repoFiles);
    const some = [...repoFiles].slice(0, 12).join(', ');
    throw new HubError(
      `${repo} at "${revision}" (commit ${commit.slice(0, 12)}) is not in a supported layout: it lacks ${selection.gaps.join(', ')}.${advice ? ` ${advice}` : ''} It has: ${some || 'no files'}${repoFiles.size > 12 ? ', …' : ''}.`,
      LAYOUT_HINT,
    );
  }
  if (variantOf(selection.files.find((f) => f.startsWith('onnx/vision_model'))!) !== request.variant) {
    log(
      `${repo} has no ${request.variant} graphs; using ${variantOf(chooseGraph(repoFiles, 'vision_model', request.variant)!)}.`,
    );
  }
  await cache.writeRef(revision, commit);

  // Probe the missing files first (a one-byte request each) so progress can count in bytes.
  const missing: { file: string; info: FileDownloadInfoOutput }[] = [];
  for (const file of selection.files) {
    if (await cache.hasFile(commit, file)) continue;
    const probe = await retrying(file, () =>
      limited(requestTimeoutMs, (fetchImpl) =>
        fileDownloadInfo({ repo, path: file, revision: commit, hubUrl: endpoint, fetch: fetchImpl }),
      ),
    );
    if (!probe) {
      throw new HubError(
        `${repo} lists ${file} at commit ${commit.slice(0, 12)}, but the hub answers 404 for it.`,
        `The repo may be changing right now: run the cell again. A mirror may lack the file. ${TOKEN_HINT}`,
      );
    }
    missing.push({ file, info: probe });
  }
  const total = missing.reduce((sum, m) => sum + m.info.size, 0);
  let done = 0;
  const minRate = request.minBytesPerSecond ?? 100_000;
  for (const { file, info: probe } of missing) {
    const bodyTimeout = requestTimeoutMs + Math.ceil((probe.size / minRate) * 1000);
    const before = done;
    await retrying(file, async () => {
      done = before;
      await limited(bodyTimeout, (fetchImpl, signal) =>
        downloadBlob(cache, commit, file, probe, { fetchImpl, signal, request }, (bytes) => {
          done = before + bytes;
          request.onProgress?.(done, total, file);
        }),
      );
    });
    done = before + probe.size;
  }
  const complete = { commit, files: selection.files };
  return {
    ...base,
    commit,
    dir: cache.snapshotDir(commit),
    files: await sizes(cache, complete),
    downloadedBytes: total,
  };
}

async function sizes(cache: RepoCache, found: { commit: string; files: string[] }): Promise<HubFile[]> {
  return Promise.all(
    found.files.map(async (file) => ({
      path: file,
      bytes: (await fs.stat(path.join(cache.snapshotDir(found.commit), file))).size,
    })),
  );
}

/** A cached commit with every file the variant needs; offline, a fallback variant will do. */
async function fromCache(
  cache: RepoCache,
  revision: string,
  variant: Variant,
  offline: boolean,
): Promise<{ commit: string; files: string[] } | undefined> {
  const commit = await cache.cachedCommit(revision);
  if (!commit) return undefined;
  const present = await cache.listSnapshot(commit);
  const selection = selectFiles(present, variant);
  if (selection.gaps.length) return undefined;
  const exact = selection.files.filter((f) => f.endsWith('.onnx')).every((g) => variantOf(g) === variant);
  return exact || offline ? { commit, files: selection.files } : undefined;
}

async function offlineMiss(cache: RepoCache, repo: string, revision: string, variant: Variant): Promise<HubError> {
  const hint =
    'Run the cell once with offline mode off (HF_HUB_OFFLINE unset and symptomLens.hub.offline false) to download it, or copy the files into the cache.';
  const commit = await cache.cachedCommit(revision);
  if (!commit) {
    return new HubError(
      `Offline mode: ${repo} at "${revision}" is not in the hub cache (${cache.root} has no ${COMMIT_HASH.test(revision) ? `snapshots/${revision}` : `refs/${revision}`}).`,
      hint,
    );
  }
  const gaps = selectFiles(await cache.listSnapshot(commit), variant).gaps;
  return new HubError(
    `Offline mode: the cached snapshot of ${repo} (${cache.snapshotDir(commit)}) lacks ${gaps.join(', ')}.`,
    hint,
  );
}

async function withRetries<T>(
  context: FailureContext,
  policy: HubRetry,
  signal: AbortSignal | undefined,
  log: (message: string) => void,
  fn: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    throwIfCancelled(signal);
    try {
      return await fn();
    } catch (err) {
      if (signal?.aborted || err instanceof CancelledError) throw new CancelledError();
      if (!isRetryable(err) || attempt >= policy.maxRetries) {
        throw explainHubFailure(err, { ...context, tries: attempt + 1 });
      }
      const wait = backoffMs(attempt, policy.baseDelayMs, policy.maxDelayMs);
      const what = context.file ?? context.repo;
      log(
        `${what}: ${(err as Error).message ?? err}; retry ${attempt + 1} of ${policy.maxRetries} in ${(wait / 1000).toFixed(1)} s`,
      );
      await sleep(wait, signal);
    }
  }
}

/**
 * Download one file into blobs/ETAG and link it into the snapshot. The bytes go to
 * ETAG.incomplete first; a retry or a later run continues from its length with a range request,
 * and only a complete file whose hash matches its etag is renamed into place.
 */
async function downloadBlob(
  cache: RepoCache,
  commit: string,
  file: string,
  info: FileDownloadInfoOutput,
  transfer: { fetchImpl: typeof fetch; signal: AbortSignal; request: HubModelRequest },
  onBytes: (bytes: number) => void,
): Promise<void> {
  const { fetchImpl, signal, request } = transfer;
  const etag = normaliseEtag(info.etag);
  const blob = cache.blobPath(etag);
  const complete = await fs.stat(blob).catch(() => undefined);
  if (complete?.isFile() && complete.size === info.size) {
    await cache.link(commit, file, etag);
    return;
  }
  await fs.mkdir(path.dirname(blob), { recursive: true });
  const partial = `${blob}.incomplete`;
  let have = (await fs.stat(partial).catch(() => undefined))?.size ?? 0;
  if (have > info.size) {
    await fs.truncate(partial, 0);
    have = 0;
  }
  if (have > 0) request.log?.(`${file}: resuming after ${have} of ${info.size} bytes`);
  onBytes(have);
  if (have < info.size) {
    const remote = await downloadFile({
      repo: request.repo.trim(),
      path: file,
      revision: commit,
      hubUrl: (request.endpoint?.trim() || DEFAULT_ENDPOINT).replace(/\/+$/, ''),
      fetch: fetchImpl,
      downloadInfo: info,
    });
    if (!remote) throw new Error(`${file} vanished from the hub`);
    let received = have;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        onBytes(received);
        callback(null, chunk);
      },
    });
    const body = Readable.fromWeb(remote.slice(have).stream() as WebReadableStream<Uint8Array>);
    await pipeline(body, count, createWriteStream(partial, { flags: 'a' }), { signal }).catch((err: unknown) => {
      if (request.signal?.aborted) throw new CancelledError();
      // WebBlob reports a failed range request as a bare string; keep it an Error.
      throw err instanceof Error ? err : new TransferError(`the download of ${file} was cut off (${String(err)})`);
    });
  }
  const size = (await fs.stat(partial)).size;
  if (size < info.size) throw new TransferError(`the download of ${file} stopped after ${size} of ${info.size} bytes`);
  if (size > info.size || !(await contentMatchesEtag(partial, size, etag))) {
    await fs.rm(partial, { force: true });
    throw new TransferError(`the bytes of ${file} do not match the size and hash the hub gave (${etag.slice(0, 12)})`);
  }
  await fs.rename(partial, blob);
  await cache.link(commit, file, etag);
}
