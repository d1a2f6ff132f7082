// Worker-thread entry: decodes (or only inspects) one DICOM file per message, so WebAssembly
// decoding, the pixel pipeline and dcmjs parsing run beside ONNX inference instead of blocking
// the kernel's event loop.
import { parentPort } from 'node:worker_threads';
import type { DicomDecodeOptions } from '../../protocol/dataset';
import { decodeDicom, DicomError, inspectDicom, type DicomFacts } from './index';

export interface DecodeRequest {
  id: number;
  /** decode: pixels and facts; inspect: the facts from the header alone. */
  kind: 'decode' | 'inspect';
  bytes: Uint8Array;
  raw: boolean;
  options: DicomDecodeOptions;
}

export type DecodeReply =
  | { id: number; ok: true; data?: Uint8Array; width: number; height: number; facts: DicomFacts }
  | { id: number; ok: false; message: string; dicomError: boolean };

async function answer(request: DecodeRequest): Promise<{ reply: DecodeReply; transfer: ArrayBuffer[] }> {
  if (request.kind === 'inspect') {
    const facts = inspectDicom(request.bytes, request.raw, request.options);
    return { reply: { id: request.id, ok: true, width: 0, height: 0, facts }, transfer: [] };
  }
  const { data, width, height, facts } = await decodeDicom(request.bytes, request.raw, request.options);
  // Transfer, not copy; a buffer that shares its memory with others is copied out first.
  const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : new Uint8Array(data);
  return {
    reply: { id: request.id, ok: true, data: own, width, height, facts },
    transfer: [own.buffer as ArrayBuffer],
  };
}

parentPort?.on('message', (request: DecodeRequest) => {
  answer(request).then(
    ({ reply, transfer }) => parentPort!.postMessage(reply, transfer),
    (err: unknown) => {
      const reply: DecodeReply = {
        id: request.id,
        ok: false,
        message: err instanceof Error ? err.message : String(err),
        dicomError: err instanceof DicomError,
      };
      parentPort!.postMessage(reply);
    },
  );
});
