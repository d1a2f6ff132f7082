import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildControl, RANDOM_WORD_PAIRS, RANDOM_WORD_SEEDS } from '../../src/scoring/controls';
import { averageScores, planTexts, scoreImages } from '../../src/scoring/recipes';
import { makeDescriptorSet } from '../../src/scoring/descriptorSet';

const base = makeDescriptorSet({
  name: 'v1',
  classes: {
    normal: ['clear lung fields', 'sharp costophrenic angles'],
    pneumonia: ['patchy consolidation', 'air bronchograms'],
    effusion: ['a meniscus at the lung base'],
  },
  templateClass: 'a chest x-ray showing {class}',
  negatives: { pneumonia: ['clear lungs'] },
  source: 'descriptors',
});
const classes = ['normal', 'pneumonia', 'effusion'];

test('class-names control: no descriptors, the base set templates kept', () => {
  const c = buildControl('class-names', base, { classes });
  assert.equal(c.sets.length, 1);
  const [set] = c.sets;
  assert.deepEqual(set.classes, { normal: [], pneumonia: [], effusion: [] });
  assert.equal(set.templateClass, 'a chest x-ray showing {class}');
  assert.deepEqual(set.negatives, base.negatives);
  assert.equal(set.source, 'control');
  assert.deepEqual(planTexts(set, 'mean', { classes }).texts, [
    'a chest x-ray showing normal',
    'a chest x-ray showing pneumonia',
    'a chest x-ray showing effusion',
  ]);
});

test('random-words control: 7 seeds × 15 word/character pairs, the same list for every class', () => {
  const c = buildControl('random-words', base, { classes, seed: 5 });
  assert.equal(c.sets.length, RANDOM_WORD_SEEDS);
  for (const set of c.sets) {
    const lists = classes.map((k) => set.classes[k]);
    assert.equal(lists[0].length, 2 * RANDOM_WORD_PAIRS);
    assert.deepEqual(lists[1], lists[0]);
    assert.deepEqual(lists[2], lists[0]);
    // Class names here are one word of mean length round((6 + 9 + 8) / 3) = 8: a word cut to 8
    // letters, then ceil(mean longest word) = 8 + (1 − 8 % 1) = 9 characters in one group.
    lists[0].forEach((d, i) => {
      if (i % 2 === 0) assert.match(d, /^[a-z]{1,8}$/);
      else assert.match(d, /^[a-z0-9]{9}$/);
    });
  }
  assert.equal(new Set(c.sets.map((s) => s.hash)).size, RANDOM_WORD_SEEDS, 'each seed draws other words');
  const again = buildControl('random-words', base, { classes, seed: 5 });
  assert.deepEqual(again.sets, c.sets);
  const other = buildControl('random-words', base, { classes, seed: 6 });
  assert.notDeepEqual(other.sets[0].classes, c.sets[0].classes);
});

test('random-words follows multi-word class names: words per text and comma-separated groups', () => {
  const set = makeDescriptorSet({
    name: 'x',
    classes: { pleural_effusion: ['fluid'], lung_nodule: ['dot'] },
    source: 'descriptors',
  });
  const [first] = buildControl('random-words', set).sets;
  const [words, chars] = first.classes.pleural_effusion;
  // Two words per name; mean word length round((7.5 + 5) / 2) = 6; longest words 8 and 6 → 7,
  // padded to 7 + (2 − 7 % 2) = 8 characters in 2 groups of 4, from the letters of "fluid", "dot".
  assert.match(words, /^[a-z]{1,6} [a-z]{1,6}$/);
  assert.match(chars, /^[dfiluot]{4}, [dfiluot]{4}$/);
});

test('shuffled control: every class gets another class list, reproducibly', () => {
  const c = buildControl('shuffled', base, { classes, seed: 1 });
  const set = c.sets[0];
  const lists = Object.values(base.classes).map((l) => JSON.stringify(l));
  for (const k of classes) {
    assert.notDeepEqual(set.classes[k], base.classes[k], `${k} kept its own descriptors`);
    assert.ok(lists.includes(JSON.stringify(set.classes[k])));
  }
  assert.deepEqual(buildControl('shuffled', base, { classes, seed: 1 }).sets[0].classes, set.classes);
  const two = buildControl('shuffled', base, { classes: ['normal', 'pneumonia'] }).sets[0];
  assert.deepEqual(two.classes, { normal: base.classes.pneumonia, pneumonia: base.classes.normal });
  // Over seeds, both 3-cycles appear.
  const cycles = new Set(
    Array.from({ length: 20 }, (_, s) =>
      JSON.stringify(buildControl('shuffled', base, { classes, seed: s }).sets[0].classes),
    ),
  );
  assert.equal(cycles.size, 2);
  assert.throws(() => buildControl('shuffled', base, { classes: ['normal'] }), /at least two classes/);
});

test('a random-words control scores like a variant, averaged over its seeds', () => {
  const c = buildControl('random-words', base, { classes: ['normal', 'pneumonia'], seed: 2 });
  let k = 0;
  const vectors = new Map<string, number[]>();
  const embed = (t: string) => {
    if (!vectors.has(t)) vectors.set(t, [Math.cos(k), Math.sin(k++)]);
    return vectors.get(t)!;
  };
  const runs = c.sets.map((s) =>
    scoreImages(planTexts(s, 'mean', { classes: ['normal', 'pneumonia'] }), [[1, 0]], embed),
  );
  const avg = averageScores(runs);
  const expected = runs.reduce((sum, r) => sum + r.scores[0][1], 0) / runs.length;
  assert.ok(Math.abs(avg.scores[0][1] - expected) < 1e-12);
});
