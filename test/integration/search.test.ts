// The search step: the index against a plain reference, the demo figure (each class's
// descriptor finds its class, NDCG@10 ≥ 0.8 on the held-out phantoms), image queries, CIs over
// queries, located errors, and the renderer in Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../src/common/random';
import { meanCI } from '../../src/metrics/bootstrap';
import { EmbeddingIndex, topK } from '../../src/scoring/search';
import { MIME } from '../../src/protocol/mime';
import type { SearchOutput, SearchResult } from '../../src/protocol/search';
import { chromiumSkipReason } from '../helpers/chromium';
import { demoKernel } from '../helpers/demoKernel';
import { openRendererPage } from '../helpers/rendererPage';

/** Per class, a descriptor of the demo model's caption grammar that fits every size of the finding. */
const CLASS_QUERIES: [string, string][] = [
  ['normal', 'clear lung fields'],
  ['effusion', 'fluid meniscus at the lung base'],
  ['cardiomegaly', 'enlarged heart shadow'],
  ['nodule', 'round opacity'],
  ['pneumothorax', 'visible pleural line'],
];
const MIN_NDCG = 0.8;

test('the index ranks by cosine like a plain computation, ties in index order, the query image left out', () => {
  const random = mulberry32(7);
  const vectors = Array.from({ length: 300 }, () => Array.from({ length: 13 }, () => random() - 0.5));
  vectors.push([...vectors[5]].map((x) => x * 3)); // same direction as row 5: a tie at any query
  const index = new EmbeddingIndex(vectors);
  const query = vectors[42].map((x, i) => x + 0.1 * i);
  const norm = (v: number[]) => Math.hypot(...v);
  const cosine = (v: number[]) => v.reduce((s, x, i) => s + x * query[i], 0) / (norm(v) * norm(query));
  const expected = vectors.map(cosine);
  const got = index.cosines(query);
  expected.forEach((c, i) => assert.ok(Math.abs(got[i] - c) < 1e-5, `row ${i}: ${got[i]} vs ${c}`));
  const order = expected.map((c, i) => ({ c, i })).sort((a, b) => b.c - a.c || a.i - b.i);
  assert.deepEqual(
    index.search(query, 10).map((h) => h.index),
    order.slice(0, 10).map((x) => x.i),
  );
  const tie = index.search(vectors[5], 3);
  assert.deepEqual(
    tie.slice(0, 2).map((h) => h.index),
    [5, 300],
  );
  assert.deepEqual(
    index.search(vectors[5], 2, 5).map((h) => h.index),
    [300, index.search(vectors[5], 3)[2].index],
  );
  assert.deepEqual(
    topK([0.1, 0.5, 0.5, 0.9], 10).map((h) => h.index),
    [3, 1, 2, 0],
  );
  assert.throws(() => topK([1], 0), /positive integer/);
  assert.throws(() => index.cosines([1, 2]), /2 dimensions/);
});

test('meanCI resamples the units: the interval holds the mean and narrows with agreement', () => {
  const spread = meanCI([0, 1, 0, 1, 1, 0, 1, 0], { seed: 1 })!;
  assert.equal(spread.estimate, 0.5);
  assert.ok(spread.low < 0.5 && spread.high > 0.5 && spread.low >= 0 && spread.high <= 1);
  const same = meanCI([0.7, 0.7, 0.7], { seed: 1 })!;
  assert.ok(Math.abs(same.low - 0.7) < 1e-12 && Math.abs(same.high - 0.7) < 1e-12);
  assert.equal(meanCI([]), null);
});

test("demo figure: each class's descriptor finds its class on the held-out phantoms (NDCG@10 ≥ 0.8)", async (t) => {
  const { must } = await demoKernel(t);
  const out = await must(
    `search: per-class\nimages: held-out\nmodel: demo\nk: 10\nqueries:\n${CLASS_QUERIES.map(([label, text]) => `  - {text: ${text}, relevant: ${label}}`).join('\n')}\n`,
  );
  const r = out.result as SearchResult;
  const figures = Object.fromEntries(r.queries.map((q) => [q.relevant, q.ndcgAtK]));
  console.log(`search NDCG@10 per class on the held-out phantoms: ${JSON.stringify(figures)}`);
  for (const q of r.queries) {
    assert.equal(q.hits.length, 10);
    assert.ok((q.ndcgAtK ?? 0) >= MIN_NDCG, `${q.query}: NDCG@10 ${q.ndcgAtK}`);
    assert.equal(q.relevantCount, 20);
    // Hits are best first and marked by the label they were judged against.
    assert.deepEqual(
      q.hits.map((h) => h.cosine),
      [...q.hits.map((h) => h.cosine)].sort((a, b) => b - a),
    );
    q.hits.forEach((h) => assert.equal(h.relevant, h.label === q.relevant));
    assert.equal(q.precisionAtK, q.hits.filter((h) => h.relevant).length / 10);
  }
  const m = r.metrics;
  assert.equal(m.queries, 5);
  assert.ok(m.ndcgAtK!.low <= m.ndcgAtK!.estimate && m.ndcgAtK!.estimate <= m.ndcgAtK!.high);
  assert.match(m.method, /bootstrap.*queries/);
  assert.equal(out.outputs[0].mime, MIME.search);
  assert.ok(Object.keys((out.outputs[0].data as SearchOutput).thumbnails).length > 0);
  assert.equal('thumbnails' in r, false, 'results.json keeps no pictures');

  // A re-run embeds nothing: the images and the query texts come from the cache.
  const again = (await must(`search: again\nimages: held-out\nmodel: demo\nqueries: [round opacity]\n`))
    .result as SearchResult;
  assert.deepEqual(again.run.encoded, { images: 0, texts: 0 });
  assert.equal(again.metrics.queries, 0);
  assert.equal(again.metrics.ndcgAtK, null);
  assert.equal(again.queries[0].hits.length, 20, 'k defaults to 20');
});

test('like: an image finds its nearest images, never itself, judged by its own label by default', async (t) => {
  const { must } = await demoKernel(t);
  const r = (
    await must('search: similar\nimages: held-out\nmodel: demo\nk: 5\nlike: cardiomegaly/cardiomegaly-003.png\n')
  ).result as SearchResult;
  const q = r.queries[0];
  assert.equal(q.kind, 'image');
  assert.equal(q.query, 'cardiomegaly/cardiomegaly-003.png');
  assert.equal(q.relevant, 'cardiomegaly');
  assert.equal(q.relevantCount, 19, 'the query image is not one to find');
  assert.ok(!q.hits.some((h) => h.image === q.query));
  assert.ok(q.precisionAtK! >= 0.8, `P@5 ${q.precisionAtK}`);
  // By index, mixed with text queries, with an explicit label.
  const mixed = (
    await must(
      'search: mixed\nimages: held-out\nmodel: demo\nk: 5\nqueries:\n  - {like: 0, relevant: effusion}\n  - enlarged heart shadow\n',
    )
  ).result as SearchResult;
  assert.equal(mixed.queries[0].relevant, 'effusion');
  assert.equal(mixed.queries[1].relevant, undefined);
  assert.equal(mixed.queries[1].precisionAtK, undefined);
});

test('search errors name the line and field and say what to do', async (t) => {
  const { fails } = await demoKernel(t);
  const badLabel = await fails(
    'search: s\nimages: held-out\nmodel: demo\nqueries:\n  - round opacity\n  - {text: x, relevant: tumour}\n',
  );
  assert.match(
    badLabel.error!,
    /^line 6, field `queries\.1\.relevant`: "tumour" is not a label .*Its labels: cardiomegaly, effusion/,
  );
  const nothing = await fails('search: s\nimages: held-out\nmodel: demo\n');
  assert.match(nothing.error!, /^line 1, field `search`: A search needs something to search for\. Add "queries:"/);
  const missing = await fails('search: s\nimages: held-out\nmodel: demo\nlike: nodule-003.png\n');
  assert.match(
    missing.error!,
    /^line 4, field `like`: Cannot read the image "nodule-003\.png".*Did you mean "nodule\/nodule-003\.png"\?/,
  );
  const both = await fails('search: s\nimages: held-out\nmodel: demo\nqueries:\n  - {text: a, like: 1}\n');
  assert.match(both.error!, /^line 5, field `queries\.0`: A query has either "text" or "like"/);
  const noSet = await fails('search: s\nimages: cxr\nmodel: demo\nqueries: [a]\n');
  assert.match(noSet.error!, /^line 2, field `images`: No images named "cxr"/);
});

const HOSTILE = '<img src=x onerror=alert(1)>';

test(
  'search renderer: metrics with CIs, one gallery per query, relevant hits marked, text only',
  { skip: chromiumSkipReason() },
  async (t) => {
    const { must } = await demoKernel(t);
    const out = await must(
      `search: shown\nimages: held-out\nmodel: demo\nk: 6\nqueries:\n${CLASS_QUERIES.slice(0, 3)
        .map(([label, text]) => `  - {text: ${text}, relevant: ${label}}`)
        .join('\n')}\n  - ${JSON.stringify(HOSTILE)}\n`,
    );
    const data = out.outputs[0].data as SearchOutput;
    const view = await openRendererPage(t, 'search', MIME.search);
    await view.render(data);
    const root = view.page.locator('.symptom-lens-output');
    await root.locator('[data-testid="search-metrics"]').waitFor();
    assert.equal(await root.locator('[data-metric="NDCG@6"]').textContent(), data.metrics.ndcgAtK!.estimate.toFixed(3));
    assert.equal(await root.locator('.sl-query').count(), 4);
    assert.equal(await root.locator('[data-testid="query-0"] .sl-hit').count(), 6);
    const relevant = await root.locator('[data-testid="query-1"] .sl-hit.sl-relevant').count();
    assert.equal(relevant, data.queries[1].hits.filter((h) => h.relevant).length);
    assert.equal(await root.locator('[data-testid="query-3"] .sl-query-text').textContent(), HOSTILE);
    assert.equal(
      await root.locator('[data-testid="query-3"] [data-metric]').count(),
      0,
      'an unjudged query has no metrics',
    );
    // Thumbnails the output did not carry are asked for through renderer messaging.
    const srcs = await root.locator('img.sl-thumb').evaluateAll((els) => els.map((e) => e.getAttribute('src') ?? ''));
    assert.ok(srcs.length > 0 && srcs.every((s) => s.startsWith('data:image/')));

    await view.render({ ...data, queries: [{ query: 1 }] });
    assert.match((await root.locator('.sl-notice').textContent()) ?? '', /queries\[0\]\.query/);
    assert.deepEqual(view.problems.dialogs, []);
    assert.deepEqual(view.problems.errors, []);
    assert.deepEqual(view.problems.requests, []);
  },
);

test(
  '"Find similar" on a score failure card asks the extension for a like: search of that image',
  { skip: chromiumSkipReason() },
  async (t) => {
    const { must } = await demoKernel(t);
    // Each class described by another class's findings: plenty of failure cards.
    await must(
      'descriptors: swapped\nclasses:\n  normal: [enlarged heart shadow]\n  effusion: [clear lung fields]\n  cardiomegaly: [round opacity]\n  nodule: [visible pleural line]\n  pneumothorax: [fluid meniscus at the lung base]\n',
    );
    const score = (await must('score: bad\nimages: held-out\nmodel: demo\ndescriptors: swapped\n')).outputs[0].data;
    const view = await openRendererPage(t, 'score/index', MIME.score);
    await view.render(score);
    const root = view.page.locator('.symptom-lens-output');
    const card = root.locator('[data-testid="card"]').first();
    await card.click();
    const image = await card.getAttribute('data-image');
    await root.locator('[data-testid="find-similar"]').click();
    const posted = (await view.posted()).filter((m) => (m as { type?: string }).type === 'findSimilar');
    assert.deepEqual(posted, [{ type: 'findSimilar', image, score: 'bad', images: 'held-out', model: 'demo' }]);
    assert.deepEqual(view.problems.errors, []);
  },
);

test(
  '"Explain this image" on a card and in the detail panel asks the extension for an explain cell of that image and variant',
  { skip: chromiumSkipReason() },
  async (t) => {
    const { must } = await demoKernel(t);
    await must(
      'descriptors: names\nclasses:\n  normal: []\n  effusion: []\n  cardiomegaly: []\n  nodule: []\n  pneumothorax: []\n',
    );
    const score = (await must('score: names\nimages: held-out\nmodel: demo\ndescriptors: names\n')).outputs[0].data;
    const view = await openRendererPage(t, 'score/index', MIME.score);
    await view.render(score);
    const root = view.page.locator('.symptom-lens-output');
    const card = root.locator('[data-testid="card"]').first();
    const image = await card.getAttribute('data-image');
    await card.locator('[data-testid="explain-image"]').click();
    // The card's own button does not also open the detail panel.
    assert.equal(await root.locator('[data-testid="detail"]').count(), 0);
    await card.click({ position: { x: 10, y: 10 } });
    await root.locator('[data-testid="detail"] [data-testid="explain-image"]').click();
    const posted = (await view.posted()).filter((m) => (m as { type?: string }).type === 'explainImage');
    const expected = { type: 'explainImage', image, score: 'names', variant: 'names' };
    assert.deepEqual(posted, [expected, expected]);
    assert.deepEqual(view.problems.errors, []);
  },
);
