import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScoreResult, VariantResult } from '../../src/protocol/results';
import { metricsCsv, predictionsCsv } from '../../src/report/scoreCsv';

const variant = (name: string, scores: [number, number][], control?: string): VariantResult => ({
  name,
  control,
  metrics: {
    accuracy: 0.5,
    balancedAccuracy: 0.5,
    macroF1: 0.4,
    auroc: { normal: 0.75, pneumonia: null },
    confusion: [],
    ci: { accuracy: { estimate: 0.5, low: 0.25, high: 0.75, level: 0.95, valid: 1000 } as never, auroc: {} },
  },
  predictions: scores.map(([n, p], i) => ({
    image: i === 0 ? 'a,"b".png' : 'c.png',
    label: i === 0 ? 'normal' : 'pneumonia',
    predicted: n >= p ? 'normal' : 'pneumonia',
    scores: { normal: n, pneumonia: p },
  })),
  descriptors: {},
  similarity: [],
  columns: [],
});

const score = {
  name: 's',
  images: 'cxr',
  classes: ['normal', 'pneumonia'],
  method: 'mean',
  variants: [
    variant('names', [
      [0.3, 0.1],
      [0.4, 0.2],
    ]),
    variant('v1', [[0.2, 0.25]], 'shuffled'),
  ],
} as unknown as ScoreResult;

test('predictions CSV: one row per image and variant, quoted names, margin = true − best other', () => {
  assert.equal(
    predictionsCsv(score),
    [
      'variant,image,label,predicted,margin,score normal,score pneumonia',
      'names,"a,""b"".png",normal,normal,0.19999999999999998,0.3,0.1',
      'names,c.png,pneumonia,normal,-0.2,0.4,0.2',
      'v1,"a,""b"".png",normal,pneumonia,-0.04999999999999999,0.2,0.25',
      '',
    ].join('\r\n'),
  );
});

test('metrics CSV: one row per variant, intervals where computed, null AUROC empty', () => {
  const lines = metricsCsv(score).split('\r\n');
  assert.equal(
    lines[0],
    'variant,control,accuracy,accuracy CI low,accuracy CI high,balancedAccuracy,balancedAccuracy CI low,balancedAccuracy CI high,macroF1,macroF1 CI low,macroF1 CI high,meanAuroc,meanAuroc CI low,meanAuroc CI high,AUROC normal,AUROC pneumonia',
  );
  assert.equal(lines[1], 'names,,0.5,0.25,0.75,0.5,,,0.4,,,,,,0.75,');
  assert.equal(lines[2], 'v1,shuffled,0.5,0.25,0.75,0.5,,,0.4,,,,,,0.75,');
});

test('predictions CSV, multi-label: classes joined by ";" in class order, an empty field for none', () => {
  const multi = {
    ...score,
    multiLabel: true,
    classes: ['effusion', 'nodule'],
    variants: [
      {
        ...variant('v1', []),
        predictions: [
          {
            image: 'x.png',
            label: ['effusion', 'nodule'],
            predicted: ['nodule'],
            scores: { effusion: 0.2, nodule: 0.3 },
          },
          { image: 'y.png', label: [], predicted: ['effusion'], scores: { effusion: 0.4, nodule: 0.1 } },
        ],
      },
    ],
  } as unknown as ScoreResult;
  assert.deepEqual(predictionsCsv(multi).split('\r\n').slice(1, 3), [
    // margin: lowest labelled class − highest unlabelled one; NaN (empty) with no class labelled.
    'v1,x.png,effusion;nodule,nodule,,0.2,0.3',
    'v1,y.png,,effusion,,0.4,0.1',
  ]);
});
