// DICOM decoding in worker threads: a few workers, each with its own WebAssembly codecs, take
// files in turn so decoding runs beside ONNX inference. Where a worker cannot start, decoding
// falls back to this thread.
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../common/workerThread';
import type { DicomDecodeOptions } from '../../protocol/dataset';
import { decodeDicom, DicomError, inspectDicom, type DecodedDicom, type DicomFacts } from './index';
import type { DecodeReply, DecodeRequest } from './worker';

/** The bundle's copy (dist/dicom-worker.js), or the source through tsx when run from source. */
const startDecoder = () => startWorker(path.join(__dirname, 'dicom-worker.js'), path.join(__dirname, 'worker.ts'));

/** A worker's answer: pixels for a decode, none for an inspection. */
type Answer = Omit<DecodedDicom, 'data'> & { data?: Buffer };

interface Pending {
  resolve: (d: Answer) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

const SIZE = Math.max(1, Math.min(4, os.availableParallelism() - 1));
const slots: Slot[] = [];
let nextId = 0;
let unavailable = false;

function slot(): Slot | undefined {
  if (unavailable) return undefined;
  if (slots.length < SIZE) {
    let worker: Worker;
    try {
      worker = startDecoder();
    } catch {
      unavailable = true;
      return undefined;
    }
    // Idle workers must not keep the CLI or a test process alive.
    worker.unref();
    const s: Slot = { worker, pending: new Map() };
    worker.on('message', (reply: DecodeReply) => {
      const p = s.pending.get(reply.id);
      if (!p) return;
      s.pending.delete(reply.id);
      if (s.pending.size === 0) worker.unref();
      if (reply.ok) {
        p.resolve({
          data: reply.data ? Buffer.from(reply.data.buffer, reply.data.byteOffset, reply.data.byteLength) : undefined,
          width: reply.width,
          height: reply.height,
          facts: reply.facts,
        });
      } else {
        p.reject(reply.dicomError ? new DicomError(reply.message) : new Error(reply.message));
      }
    });
    // A worker that dies (out of memory, a crash in the codecs) fails only what it was decoding.
    const retire = (why: string) => {
      slots.splice(slots.indexOf(s), 1);
      for (const p of s.pending.values()) p.reject(new DicomError(`the decoder stopped (${why})`));
      s.pending.clear();
    };
    worker.on('error', (e) => retire(e.message));
    worker.on('exit', (code) => {
      if (slots.includes(s)) retire(`exit code ${code}`);
    });
    slots.push(s);
    return s;
  }
  return slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
}

/** decodeDicom in a worker thread (or here, where workers cannot start). */
export async function decodeDicomOffThread(
  bytes: Uint8Array,
  raw: boolean,
  options: DicomDecodeOptions,
): Promise<DecodedDicom> {
  const answer = await offThread('decode', bytes, raw, options);
  return { ...answer, data: answer.data! };
}

/** inspectDicom (the header alone, no pixel decoded) in a worker thread, or here. */
export async function inspectDicomOffThread(
  bytes: Uint8Array,
  raw: boolean,
  options: DicomDecodeOptions,
): Promise<DicomFacts> {
  return (await offThread('inspect', bytes, raw, options)).facts;
}

function offThread(
  kind: DecodeRequest['kind'],
  bytes: Uint8Array,
  raw: boolean,
  options: DicomDecodeOptions,
): Promise<Answer> {
  const s = slot();
  if (!s)
    return kind === 'decode'
      ? decodeDicom(bytes, raw, options)
      : Promise.resolve().then(() => ({ width: 0, height: 0, facts: inspectDicom(bytes, raw, options) }));
  return new Promise<Answer>((resolve, reject) => {
    const id = nextId++;
    s.pending.set(id, { resolve, reject });
    s.worker.ref();
    const request: DecodeRequest = { id, kind, bytes, raw, options };
    s.worker.postMessage(request);
  });
}
