import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classNameText, descriptorSentence, fillTemplate, menonVondrickSentence } from '../../src/scoring/text';

test('descriptor sentence: a plain noun phrase gets "has"', () => {
  assert.equal(menonVondrickSentence('pneumonia', 'air bronchograms'), 'pneumonia, which has air bronchograms');
  assert.equal(menonVondrickSentence('pneumonia', 'patchy consolidation'), 'pneumonia, which has patchy consolidation');
});

test('descriptor sentence: the word test, not the letter test, picks "is"', () => {
  assert.equal(menonVondrickSentence('cardiomegaly', 'an enlarged heart'), 'cardiomegaly, which is an enlarged heart');
  assert.equal(menonVondrickSentence('nodule', 'a round opacity'), 'nodule, which is a round opacity');
  assert.equal(menonVondrickSentence('nodule', 'A round opacity'), 'nodule, which is A round opacity');
  assert.equal(
    menonVondrickSentence('stent', 'used to keep a vessel open'),
    'stent, which is used to keep a vessel open',
  );
  // The original letter test would say "is" for all of these; they start with other words.
  assert.equal(menonVondrickSentence('effusion', 'angle blunting'), 'effusion, which has angle blunting');
  assert.equal(menonVondrickSentence('x', 'usedness'), 'x, which has usedness');
  assert.equal(menonVondrickSentence('x', 'another shadow'), 'x, which has another shadow');
});

test('descriptor sentence: verbs and hedges link directly', () => {
  assert.equal(
    menonVondrickSentence('effusion', 'may show a meniscus sign'),
    'effusion, which may show a meniscus sign',
  );
  assert.equal(menonVondrickSentence('effusion', 'has a meniscus'), 'effusion, which has a meniscus');
  assert.equal(menonVondrickSentence('effusion', 'often bilateral'), 'effusion, which often bilateral');
  assert.equal(menonVondrickSentence('effusion', 'typically basal'), 'effusion, which typically basal');
  assert.equal(
    menonVondrickSentence('effusion', 'can obscure the diaphragm'),
    'effusion, which can obscure the diaphragm',
  );
  // Prefixes are not words: "hashed" is not "has", "canal" is not "can".
  assert.equal(menonVondrickSentence('x', 'hashed lines'), 'x, which has hashed lines');
  assert.equal(menonVondrickSentence('x', 'canal widening'), 'x, which has canal widening');
  assert.equal(menonVondrickSentence('x', '  an, odd spacing '), 'x, which is an, odd spacing');
});

test('custom templates and the class-name baseline', () => {
  assert.equal(
    descriptorSentence('pneumonia', 'air bronchograms', 'a chest x-ray of {class} showing {descriptor}'),
    'a chest x-ray of pneumonia showing air bronchograms',
  );
  assert.equal(descriptorSentence('pneumonia', 'air bronchograms'), 'pneumonia, which has air bronchograms');
  assert.equal(classNameText('pneumonia'), 'pneumonia');
  assert.equal(classNameText('pneumonia', 'a chest x-ray showing {class}'), 'a chest x-ray showing pneumonia');
  assert.equal(fillTemplate('{class} {class} {other} {constructor}', { class: 'c' }), 'c c {other} {constructor}');
});
