// Worker-thread entry: encodes a paged score's per-image file (report/scoreColumns.ts) and writes
// it into the cache, off the kernel's thread (scoring/perImageWriter.ts sends the columns). One
// write at a time, in the order sent, so a cell's older files are pruned as on the kernel's thread.
import { parentPort } from 'node:worker_threads';
import { writePerImageFile } from '../cache/perImageFiles';
import { writeScoreColumns, type ScoreColumns } from '../report/scoreColumns';

export interface PerImageWrite {
  id: number;
  cacheDir: string;
  notebookPath: string;
  cell: string;
  run: string;
  columns: ScoreColumns;
}

/** Written, or why not (the message of the error the kernel's thread would have thrown). */
export interface PerImageWritten {
  id: number;
  error?: string;
}

const port = parentPort!;
let queue = Promise.resolve();
port.on('message', (w: PerImageWrite) => {
  queue = queue.then(async () => {
    let reply: PerImageWritten = { id: w.id };
    try {
      const bytes = new Uint8Array(writeScoreColumns(w.columns));
      await writePerImageFile(w.cacheDir, w.notebookPath, w.cell, w.run, bytes);
    } catch (e) {
      reply = { id: w.id, error: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(reply);
  });
});
