// Lenient reply parsing (docs/methods.md): bullets of every style, a first line without its bullet,
// echoes of the question, empty and garbled replies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeDescriptors, parseDescriptors } from '../../src/llm/parse';
import { recipeFor } from '../../src/llm/prompts';

const WANT = ['blunted costophrenic angle', 'fluid meniscus at the lung base', 'obscured hemidiaphragm'];

test('every bullet style gives the same descriptors', () => {
  const replies = {
    dash: '- blunted costophrenic angle\n- fluid meniscus at the lung base\n- obscured hemidiaphragm',
    dot: '• blunted costophrenic angle\n• fluid meniscus at the lung base\n• obscured hemidiaphragm',
    star: '* blunted costophrenic angle\n* fluid meniscus at the lung base\n* obscured hemidiaphragm',
    numbered: '1. blunted costophrenic angle\n2. fluid meniscus at the lung base\n3. obscured hemidiaphragm',
    paren: '1) Blunted costophrenic angle.\n2) Fluid meniscus at the lung base.\n3) Obscured hemidiaphragm.',
    noFirstBullet: 'blunted costophrenic angle\n- fluid meniscus at the lung base\n- obscured hemidiaphragm',
    crlfAndBlank:
      '\r\n- blunted costophrenic angle\r\n\r\n-   fluid meniscus at the lung base  \r\n\n- obscured hemidiaphragm\r\n',
  };
  for (const [style, reply] of Object.entries(replies)) {
    assert.deepEqual(parseDescriptors(reply).descriptors, WANT, style);
  }
});

test('echoes of the question, lead-ins, markdown and reasoning blocks are dropped', () => {
  const [prompt] = recipeFor('medical').prompts('effusion', 'chest X-ray');
  const reply = [
    '<think>The user wants findings. Effusion shows fluid.</think>',
    'Q: What are useful visual features for distinguishing effusion in a chest X-ray image?',
    'A: There are several useful visual features to tell there is effusion in a chest X-ray image:',
    'Here are the findings:',
    '```',
    '- **blunted costophrenic angle**',
    '- "fluid meniscus at the lung base"',
    '- obscured hemidiaphragm',
    '- Blunted costophrenic angle',
    '```',
  ].join('\n');
  const parsed = parseDescriptors(reply, prompt.echoes);
  assert.deepEqual(parsed.descriptors, WANT);
  assert.ok(
    parsed.dropped.some((l) => l.startsWith('Q:')),
    'the echoed question is reported as dropped',
  );
});

test('acronyms keep their case; a capitalised word is lowered', () => {
  assert.deepEqual(parseDescriptors('- CTR above 0.5\n- Enlarged heart shadow').descriptors, [
    'CTR above 0.5',
    'enlarged heart shadow',
  ]);
});

test('empty and garbled replies give no descriptors', () => {
  assert.deepEqual(parseDescriptors('').descriptors, []);
  assert.deepEqual(parseDescriptors('   \n\n  ').descriptors, []);
  assert.deepEqual(parseDescriptors('}{][ 0x00 ## ...\n-\n•\n1.\n%%%% 12 34').descriptors, []);
  assert.deepEqual(parseDescriptors('<think>I will not answer</think>').descriptors, []);
});

test('a line of prose longer than a finding is not a descriptor', () => {
  const prose = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
  assert.deepEqual(parseDescriptors(`${prose}\n- round opacity`).descriptors, ['round opacity']);
});

test('samples merge in first-seen order without duplicates (case-insensitive)', () => {
  assert.deepEqual(mergeDescriptors([['a b', 'c d'], ['C D', 'e f'], []]), ['a b', 'c d', 'e f']);
});
