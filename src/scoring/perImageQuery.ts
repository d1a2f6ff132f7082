// The extension host's answer to a renderer's scoreRows request (protocol/messages.ts): a page
// of a paged score's rows, read from the run's per-image file in the cache. The request is
// untrusted: it is parsed field by field, and it reaches a file only through the notebook's own
// cache folder, the hashed cell key and a run id of 16 hex digits.
import { parseScoreRowsRequest, type ScoreRow, type ScoreRowsReply, type ScoreRowsRequest } from '../protocol/messages';
import { listRows, orderAll, type OrderedRow } from '../protocol/rowOrder';
import type { PerImageRows, VariantRows } from '../report/scoresParquet';
import { loadPerImage } from './perImageStore';

/** Files kept parsed: paging through one output reads its file once. */
const KEPT_FILES = 2;
const parsed: { key: string; rows: Promise<PerImageRows | undefined> }[] = [];
/** Per file and list: the rows in the list's order, so that the next page is a slice. */
const lists = new WeakMap<VariantRows, Map<string, OrderedRow[]>>();

function load(cacheDir: string, notebookPath: string, score: string, run: string): Promise<PerImageRows | undefined> {
  const key = JSON.stringify([cacheDir, notebookPath, score, run]);
  const known = parsed.find((p) => p.key === key);
  if (known) return known.rows;
  const rows = loadPerImage(cacheDir, notebookPath, score, run);
  parsed.unshift({ key, rows });
  parsed.splice(KEPT_FILES);
  // A missing or unreadable file is not remembered: a re-run may write it.
  const forget = () => {
    const i = parsed.findIndex((p) => p.key === key);
    if (i >= 0) parsed.splice(i, 1);
  };
  void rows.then((r) => r || forget(), forget);
  return rows;
}

function listed(file: PerImageRows, v: VariantRows, req: ScoreRowsRequest): OrderedRow[] {
  const key = JSON.stringify([req.list, req.cell, req.order]);
  let byKey = lists.get(v);
  if (!byKey) lists.set(v, (byKey = new Map()));
  let rows = byKey.get(key);
  if (!rows) {
    const all = v.predictions.map((prediction, index) => ({ prediction, margin: v.margin[index], index }));
    rows =
      req.list === 'all'
        ? orderAll(all, req.order ?? 'class', file.classes)
        : listRows(all, req.list === 'cell' ? req.cell : undefined, file.multiLabel);
    byKey.set(key, rows);
  }
  return rows;
}

/** The reply to `message` for the notebook at `notebookPath` whose cache is `cacheDir`. */
export async function answerScoreRows(
  cacheDir: string,
  notebookPath: string,
  message: unknown,
): Promise<ScoreRowsReply> {
  const req = parseScoreRowsRequest(message);
  const id = Number.isSafeInteger((message as { id?: unknown } | null)?.id) ? (message as { id: number }).id : -1;
  if (typeof req === 'string') return { type: 'scoreRows', id, error: req };
  const file = await load(cacheDir, notebookPath, req.score, req.run).catch(() => undefined);
  if (!file) return { type: 'scoreRows', id, gone: true };
  const v = file.variants.find((x) => x.name === req.variant);
  if (!v) return { type: 'scoreRows', id, error: 'no such variant in this run' };
  const rows = listed(file, v, req);
  const page: ScoreRow[] = rows.slice(req.offset, req.offset + req.limit).map((r) => ({
    index: r.index,
    prediction: r.prediction,
    similarity: v.similarity[r.index],
  }));
  return { type: 'scoreRows', id, total: rows.length, rows: page };
}
