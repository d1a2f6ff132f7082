import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeDescriptorSet } from '../../src/scoring/descriptorSet';
import { buildControl } from '../../src/scoring/controls';
import { aurocFlags, descriptorFlags, imageFlags, sanityFlags } from '../../src/scoring/flags';

const set = makeDescriptorSet({
  name: 'v2',
  classes: {
    normal: [],
    pneumonia: ['It is a white lung', 'signs of Pneumonia', 'air bronchograms', 'pneumonias'],
    pleural_effusion: ['pleural effusion at the base'],
    atelectasis: ['volume loss'],
  },
  source: 'generate',
});

test('descriptor flags: empty class, class name repeated, "It is", class matching no label', () => {
  const flags = descriptorFlags(set, ['normal', 'pneumonia', 'pleural_effusion']);
  const summary = flags.map((f) => [f.class, f.message.split(' ').slice(0, 3).join(' ')]);
  assert.deepEqual(summary, [
    ['normal', '"normal" has no'],
    ['pneumonia', 'Descriptor "It is'],
    ['pneumonia', 'Descriptor "signs of'],
    ['pleural_effusion', 'Descriptor "pleural effusion'],
    ['atelectasis', 'Class "atelectasis" of'],
  ]);
  assert.match(flags[1].message, /starts with "It is"/);
  assert.match(flags[2].message, /repeats the class name/);
  assert.match(flags[4].message, /matches no label/);
  assert.ok(flags.every((f) => f.variant === 'v2' && f.severity === 'warning'));
  assert.deepEqual(
    flags.map((f) => f.kind),
    ['no-descriptors', 'it-is', 'repeats-class-name', 'repeats-class-name', 'unknown-class'],
  );
});

test('the class-name check matches whole words and skips generic names such as "normal"', () => {
  const generic = makeDescriptorSet({
    name: 'v3',
    classes: {
      normal: ['normal heart size', 'clear lungs'],
      'No Finding': ['no finding of note'],
      cardiomegaly: ['cardiomegaly with a wide heart', 'cardiomegalyish outline', 'enlarged heart'],
      effusion: ['blunted angle', 'pleural effusions'],
    },
    source: 'generate',
  });
  const flags = descriptorFlags(generic, ['normal', 'No Finding', 'cardiomegaly', 'effusion']);
  assert.deepEqual(
    flags.map((f) => [f.kind, f.class, f.message.match(/"([^"]+)"/)?.[1]]),
    [['repeats-class-name', 'cardiomegaly', 'cardiomegaly with a wide heart']],
  );
});

test('a class-names baseline and control sets raise no descriptor flags', () => {
  const names = makeDescriptorSet({ name: 'names', classes: { normal: [], pneumonia: [] }, source: 'descriptors' });
  assert.deepEqual(descriptorFlags(names, ['normal', 'pneumonia']), []);
  const shuffled = buildControl('shuffled', set).sets[0];
  assert.deepEqual(descriptorFlags(shuffled, ['normal']), []);
});

test('image and AUROC flags', () => {
  assert.deepEqual(
    imageFlags({ normal: 9, pneumonia: 10, nodule: 1 }).map((f) => [f.class, f.message.slice(0, 24)]),
    [
      ['normal', '"normal" has only 9 imag'],
      ['nodule', '"nodule" has only 1 imag'],
    ],
  );
  const a = aurocFlags('v1', { normal: 0.49, pneumonia: 0.5, nodule: null });
  assert.equal(a.length, 1);
  assert.match(a[0].message, /AUROC of "normal" with "v1" is 0\.490, below chance/);
  const all = sanityFlags({
    sets: [set],
    classCounts: { normal: 3, pneumonia: 20, pleural_effusion: 20 },
    results: [{ variant: 'v2', auroc: { normal: 0.3 } }],
  });
  assert.equal(all.length, 5 + 1 + 1);
  assert.deepEqual(
    all.slice(5).map((f) => f.kind),
    ['few-images', 'below-chance'],
  );
});
