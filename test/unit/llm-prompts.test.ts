// The prompt recipes of docs/methods.md, checked for their exact shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recipeFor } from '../../src/llm/prompts';

test('dclip: two worked examples, then the query, ending in an open bullet', () => {
  const [p] = recipeFor('dclip').prompts('barn owl', undefined);
  const questions = p.text.match(/^Q: What are useful visual features for distinguishing a .+ in a photo\?$/gm) ?? [];
  assert.equal(questions.length, 3, 'two examples and the query');
  assert.ok(
    p.text.endsWith(
      'Q: What are useful visual features for distinguishing a barn owl in a photo?\nA: There are several useful visual features to tell there is a barn owl in a photo:\n-',
    ),
  );
  // Our own examples, not the paper's (lemur, television).
  assert.ok(!/lemur|television/.test(p.text));
  const examples = p.text.split('\n\n').slice(0, 2);
  for (const ex of examples)
    assert.ok(ex.split('\n').filter((l) => l.startsWith('- ')).length >= 5, 'each example lists findings');
});

test('medical: the modality in the question, medical examples, the instruction', () => {
  const r = recipeFor(undefined);
  assert.equal(r.name, 'medical', 'medical is the default');
  assert.ok(r.needsModality);
  const [p] = r.prompts('pleural effusion', 'chest X-ray');
  assert.match(p.text, /one short finding per line/);
  assert.match(p.text, /never put the name of the diagnosis inside a finding/);
  assert.match(p.text, /distinguishing cardiomegaly in a chest X-ray image\?/);
  assert.match(p.text, /distinguishing pneumothorax in a chest X-ray image\?/);
  assert.ok(
    p.text.endsWith(
      'Q: What are useful visual features for distinguishing pleural effusion in a chest X-ray image?\nA: There are several useful visual features to tell there is pleural effusion in a chest X-ray image:\n-',
    ),
  );
  assert.deepEqual(p.echoes.length, 2);
});

test('cupl: several open questions per class, answers used whole', () => {
  const r = recipeFor('cupl');
  const ps = r.prompts('nodule', 'chest X-ray');
  assert.ok(ps.length >= 3);
  assert.ok(ps.some((p) => p.text.startsWith('Describe what nodule looks like on a chest X-ray.')));
  assert.ok(ps.some((p) => p.text.startsWith('How can you identify nodule on a chest X-ray?')));
  assert.equal(new Set(ps.map((p) => p.text)).size, ps.length);
  assert.equal(r.template, '{descriptor}');
});

test('custom text fills {class} and {modality}', () => {
  const r = recipeFor('List what {class} looks like on {modality}, one per line.');
  assert.equal(r.name, 'custom');
  assert.ok(r.needsModality);
  assert.equal(r.prompts('nodule', 'CT')[0].text, 'List what nodule looks like on CT, one per line.');
  assert.equal(recipeFor('Findings of {class}?').needsModality, false);
});
