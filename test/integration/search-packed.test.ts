// The search step on a set large enough for the packed index (20,000 imported embeddings, not on
// disk): the run says so, and an image query's hits are the brute-force top k with their cosines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmbeddingCache } from '../../src/cache/embeddingCache';
import { mulberry32 } from '../../src/common/random';
import { Kernel } from '../../src/kernel/kernel';
import type { SearchResult } from '../../src/protocol/search';
import { writeClipRetrieval } from '../helpers/embeddingFiles';

const ROOT = path.resolve(__dirname, '../..');
const IMAGES = 20_000;

test('search over 20,000 images uses the packed index and returns the exact top k', async (t) => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-search-packed-'));
  t.after(() => fs.rm(tmp, { recursive: true, force: true }));
  EmbeddingCache.clearMemory();
  const kernel = new Kernel({
    notebookPath: path.join(tmp, 'nb.lensnb'),
    cacheDir: path.join(tmp, 'cache'),
    settings: { device: 'cpu' },
  });
  t.after(() => kernel.dispose());
  const run = async (id: string, source: string) => {
    const out = await kernel.runCell(id, source);
    assert.ok(out.ok, `${source.split('\n')[0]}: ${out.error}`);
    return out;
  };
  const model = await run('m', `model: demo\npath: ${JSON.stringify(path.join(ROOT, 'models/demo'))}\n`);
  const dim = (model.result as { embedDim: number }).embedDim;
  const random = mulberry32(5);
  const classes = ['normal', 'effusion'];
  const rows = Array.from({ length: IMAGES }, (_, i) => `${classes[i % 2]}/img-${i}.png`);
  const vectors = rows.map(() => {
    const v = Array.from({ length: dim }, () => random() - 0.5);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
  await writeClipRetrieval(path.join(tmp, 'emb'), [{ paths: rows, vectors }]);
  await fs.writeFile(
    path.join(tmp, 'labels.csv'),
    ['path,label', ...rows.map((r) => `${r},${r.split('/')[0]}`)].join('\n'),
  );
  await run('i', 'images: x\nfrom: labels.csv\nembeddings: emb\n');

  const query = 123;
  const k = 7;
  const searched = (await run('s', `search: q\nimages: x\nmodel: demo\nlike: ${query}\nk: ${k}\n`))
    .result as SearchResult;
  assert.match(searched.run.searchMethod ?? '', /int8/);
  const q = vectors[query];
  const expected = vectors
    .map((v, i) => ({ i, cosine: v.reduce((s, x, j) => s + x * q[j], 0) }))
    .filter((h) => h.i !== query)
    .sort((a, b) => b.cosine - a.cosine || a.i - b.i)
    .slice(0, k);
  const hits = searched.queries[0].hits;
  assert.deepEqual(
    hits.map((h) => h.image),
    expected.map((h) => rows[h.i]),
  );
  hits.forEach((h, r) => assert.ok(Math.abs(h.cosine - expected[r].cosine) < 1e-4, `hit ${r}: ${h.cosine}`));
  // The query image's own class is relevant by default: judged over every image's exact cosine.
  assert.equal(searched.queries[0].relevant, rows[query].split('/')[0]);
  assert.equal(typeof searched.queries[0].precisionAtK, 'number');
});
