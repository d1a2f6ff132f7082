// The per-image Parquet file (report/scoresParquet.ts), written column by column with its own
// choice of encodings, holds row for row what the score holds: the strings, the scores (null
// where one is missing, +0 for −0 as JSON saves it), the margins (NaN where undefined) and the
// similarity rows (null past a variant's own columns), read back raw with hyparquet; and a
// multi-label file reads back into the same predictions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { labelMargin } from '../../src/protocol/margin';
import type { Prediction, ScoreResult, VariantResult } from '../../src/protocol/results';
import { perImageRun, readScoresParquet, scoresParquet } from '../../src/report/scoresParquet';
import { mulberry32 } from '../../src/common/random';
import { columnBuffers, scoreColumns, writeScoreColumns } from '../../src/report/scoreColumns';
import { MessageChannel } from 'node:worker_threads';

const CLASSES = ['normal', 'effusion', 'nodule'];

function variant(name: string, n: number, width: number, seed: number, multiLabel = false): VariantResult {
  const random = mulberry32(seed);
  const predictions: Prediction[] = Array.from({ length: n }, (_, i) => {
    const scores: Record<string, number> = Object.fromEntries(
      CLASSES.map((c) => [c, Number(Math.fround(random() - 0.5).toPrecision(7))]),
    );
    if (i === 3) delete scores.nodule; // a missing score: null in the file
    if (i === 4) scores.normal = -0;
    const one = CLASSES[i % CLASSES.length];
    return multiLabel
      ? { image: `m/${i}.png`, label: CLASSES.filter(() => random() < 0.4), predicted: [one], scores }
      : { image: `dir/ü ${i}.png`, label: i === 5 ? 'unknown' : one, predicted: CLASSES[(i * 7) % 3], scores };
  });
  return {
    name,
    metrics: {} as VariantResult['metrics'],
    predictions,
    descriptors: {},
    // Four decimals as the output saves them; one column constant (a one-value dictionary).
    similarity: predictions.map(() =>
      Array.from({ length: width }, (_, k) => (k === 0 ? 0.25 : Math.round((random() - 0.5) * 1e4) / 1e4)),
    ),
    columns: Array.from({ length: width }, (_, k) => ({ class: CLASSES[k % 3], text: `text ${k}` })),
  };
}

const score = (variants: VariantResult[], multiLabel = false) =>
  ({ name: 's', run: { model: 'm' }, classes: CLASSES, multiLabel, variants }) as unknown as ScoreResult;

const buffer = (s: ScoreResult, similarity: boolean) => scoresParquet(s, [{ key: 'k', value: 'v' }], { similarity });

test('every row of every column is the score’s value, read back raw', async () => {
  const s = score([variant('v1', 1500, 4, 1), variant('control: shuffled', 1500, 2, 2)]);
  for (const similarity of [true, false]) {
    const file = buffer(s, similarity);
    const rows = await parquetReadObjects({ file });
    const width = similarity ? 4 : 0;
    const expected = s.variants.flatMap((v) =>
      v.predictions.map((p, i) => ({
        variant: v.name,
        image: p.image,
        label: p.label as string,
        predicted: p.predicted as string,
        margin: labelMargin(p.label, p.scores, CLASSES),
        ...Object.fromEntries(CLASSES.map((c) => [`score ${c}`, p.scores[c] === undefined ? null : p.scores[c] + 0])),
        ...Object.fromEntries(
          Array.from({ length: width }, (_, k) => [
            `sim ${k}`,
            v.similarity[i][k] === undefined ? null : v.similarity[i][k] + 0,
          ]),
        ),
      })),
    );
    assert.equal(rows.length, expected.length);
    rows.forEach((r, i) => assert.deepStrictEqual({ ...r }, expected[i], `row ${i}`));
    assert.ok(Number.isNaN(rows[5].margin), 'an image of no class has no margin');
    assert.ok(Object.is(rows[4]['score normal'], 0), '−0 is saved as JSON saves it');
    const kv = parquetMetadata(file).key_value_metadata ?? [];
    assert.deepEqual(kv[0], { key: 'k', value: 'v' });
  }
});

test('a multi-label file reads back into the same predictions and similarity rows', async () => {
  const s = score([variant('v1', 700, 3, 3, true), variant('v2', 700, 3, 4, true)], true);
  const file = await readScoresParquet(buffer(s, true));
  assert.equal(file.multiLabel, true);
  file.variants.forEach((v, k) => {
    const want = s.variants[k];
    // A missing score reads back as 0 (the reader's choice, as before): compare the others.
    v.predictions.forEach((p, i) => {
      assert.deepEqual(p.label, want.predictions[i].label);
      assert.deepEqual(p.predicted, want.predictions[i].predicted);
      for (const c of Object.keys(want.predictions[i].scores))
        assert.equal(p.scores[c], want.predictions[i].scores[c] + 0);
    });
    // As JSON saves them (no −0).
    assert.deepStrictEqual(v.similarity, JSON.parse(JSON.stringify(want.similarity)));
  });
});

test('a per-image file names the run whose rows it holds, read from its metadata alone', () => {
  const s = score([variant('v1', 10, 2, 5)]);
  assert.equal(perImageRun(scoresParquet(s, [], { similarity: true, run: '0123456789abcdef' })), '0123456789abcdef');
  assert.equal(perImageRun(scoresParquet(s, [], { similarity: true })), undefined);
});

test('the columns moved to another thread (as the per-image worker gets them) write the same file', async () => {
  const s = score([variant('v1', 900, 4, 6), variant('v2', 900, 2, 7)]);
  const columns = scoreColumns(s, [], { similarity: true, run: '0123456789abcdef' });
  const { port1, port2 } = new MessageChannel();
  const received = new Promise<typeof columns>((resolve) => port2.once('message', resolve));
  port1.postMessage(columns, columnBuffers(columns));
  const moved = await received;
  port1.close();
  // Moved, not copied: this side's numbers are gone.
  assert.ok(columns.columns.every((c) => c.kind !== 'doubles' || c.values.length === 0));
  assert.deepEqual(
    new Uint8Array(writeScoreColumns(moved)),
    new Uint8Array(scoresParquet(s, [], { similarity: true, run: '0123456789abcdef' })),
  );
});
