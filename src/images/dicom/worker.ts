// Worker-thread entry: decodes one DICOM file per message, so WebAssembly decoding and the pixel
// pipeline run beside ONNX inference instead of blocking the kernel's event loop.
import { parentPort } from 'node:worker_threads';
import type { DicomDecodeOptions } from '../../protocol/dataset';
import { decodeDicom, DicomError, type DicomFacts } from './index';

export interface DecodeRequest {
  id: number;
  bytes: Uint8Array;
  raw: boolean;
  options: DicomDecodeOptions;
}

export type DecodeReply =
  | { id: number; ok: true; data: Uint8Array; width: number; height: number; facts: DicomFacts }
  | { id: number; ok: false; message: string; dicomError: boolean };

parentPort?.on('message', (request: DecodeRequest) => {
  decodeDicom(request.bytes, request.raw, request.options).then(
    ({ data, width, height, facts }) => {
      // Transfer, not copy; a buffer that shares its memory with others is copied out first.
      const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : new Uint8Array(data);
      const reply: DecodeReply = { id: request.id, ok: true, data: own, width, height, facts };
      parentPort!.postMessage(reply, [own.buffer as ArrayBuffer]);
    },
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
