// The score cell's `intervals:` option on the demo model: `delong` puts DeLong AUROC intervals and
// DeLong's paired test into the result (results.json) and the markdown, each interval naming its
// method; the default (auto) keeps the bootstrap at this size; a bad value names the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScoreResult } from '../../src/protocol/results';
import { DEMO_DESCRIPTORS, demoKernel } from '../helpers/demoKernel';

const NAMES = `descriptors: names
classes:
  normal: []
  effusion: []
  cardiomegaly: []
  nodule: []
  pneumothorax: []
`;

const score = (intervals?: string) =>
  `score: cmp\nimages: held-out\nmodel: demo\ndescriptors: [names, v1]\n${intervals ? `intervals: ${intervals}\n` : ''}`;

test('score intervals: delong, auto (bootstrap at small N) and a bad value', async (t) => {
  const { must, fails } = await demoKernel(t);
  await must(NAMES);
  await must(DEMO_DESCRIPTORS);

  const delong = (await must(score('delong'))).result as ScoreResult;
  assert.equal(delong.run.aurocIntervals, 'delong');
  const [first, second] = delong.variants;
  const aurocs = Object.values(first.metrics.ci!.auroc).filter((x) => x !== null);
  assert.ok(aurocs.length > 0 && aurocs.every((x) => x!.method === 'delong'));
  assert.equal(first.metrics.ci!.accuracy!.method, 'bootstrap');
  assert.equal(second.comparison!.auroc.mean!.method, 'delong');
  const markdown = (await must(score('delong'))).outputs.find((o) => o.markdown)?.markdown ?? '';
  assert.match(markdown, /AUROC intervals by DeLong/);
  assert.match(markdown, /DeLong's paired test, 95 % CI/);

  const auto = (await must(score())).result as ScoreResult;
  assert.equal(auto.run.aurocIntervals, 'bootstrap');
  assert.ok(Object.values(auto.variants[0].metrics.ci!.auroc).every((x) => x === null || x.method === 'bootstrap'));
  assert.equal(auto.variants[1].comparison!.auroc.mean!.method, 'bootstrap');

  const bad = await fails(score('exact'));
  assert.equal(bad.errorField, 'intervals');
  assert.match(bad.error ?? '', /auto|bootstrap|delong/);
});
