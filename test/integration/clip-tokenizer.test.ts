// Tokenization checked two independent ways:
// - against clip_tokenizer_ref.py, a from-the-algorithm Python re-implementation of openai/CLIP's
//   SimpleTokenizer (its cases include ids published by third parties for real CLIP), and
// - against @huggingface/transformers' AutoTokenizer loaded from the same folder. It shares the
//   @huggingface/tokenizers core with us, but not the config handling, padding or truncation.

import { AutoTokenizer, env } from '@huggingface/transformers';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelError } from '../../src/clip/errors';
import type { JsonObject } from '../../src/clip/modelFolder';
import { contextLengthOf, loadTokenizer, normaliseTokenizerConfig, type ClipTokenizer } from '../../src/clip/tokenizer';
import { BPE, CLIP_TOOLS, clipTokenizerFolder, PYTHON, removeTempDirs, tempDir } from '../fixtures/clipFixtures';

const BOS = 49406;
const EOS = 49407;

const MEDICAL = [
  'a chest x-ray showing pneumonia',
  'Patchy consolidation in the right lower lobe, with air bronchograms.',
  'blunting of the costophrenic angle; small (≈5 mm) pleural effusion',
  'Cardiothoracic ratio > 0.5 → cardiomegaly',
  'no acute cardiopulmonary abnormality!!!',
  'T2-weighted MRI: 3 lesions, 12mm and 4.5 cm, at L4/L5',
  'Kerley B lines & peribronchial cuffing (CHF)',
  'ground-glass opacities — COVID-19 pattern',
  'Röntgenbild der Lunge: Pleuraerguss, naïve café résumé',
  '肺炎 胸部X線 写真',
  "it's the patient's 2nd film; they've re-imaged it",
  'emoji in a report 🫁😷',
  '   leading and   trailing\twhitespace\n',
  '',
];

const LONG =
  'an image of a normal chest radiograph without cardiomegaly or pleural effusion, with clear costophrenic ' +
  'angles, no pneumothorax, no consolidation, no edema, no fracture, no devices, no masses, no nodules, ' +
  'normal hila and mediastinum, a normal cardiac silhouette, well expanded lungs bilaterally with nine ' +
  'posterior ribs visible, intact bony thorax, unremarkable soft tissues, and nothing else abnormal today';

function folderTokenizer(dir: string, config: JsonObject = {}): ClipTokenizer {
  return loadTokenizer({
    dir,
    config,
    tokenizerJson: JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')),
    tokenizerConfig: JSON.parse(readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')),
  });
}

function unpadded(t: { inputIds: number[]; attentionMask: number[] }): number[] {
  return t.inputIds.slice(
    0,
    t.attentionMask.reduce((a, b) => a + b, 0),
  );
}

describe('CLIP tokenizer', () => {
  let dir: string;
  let tokenizer: ClipTokenizer;

  before(() => {
    dir = clipTokenizerFolder();
    tokenizer = folderTokenizer(dir);
  });
  after(removeTempDirs);

  it('matches the openai/CLIP re-implementation on its reference cases', () => {
    const out = path.join(tempDir('tok-cases-'), 'cases.json');
    execFileSync(PYTHON, [path.join(CLIP_TOOLS, 'clip_tokenizer_ref.py'), BPE, '--cases', out], { stdio: 'pipe' });
    const { cases } = JSON.parse(readFileSync(out, 'utf8')) as {
      cases: { text: string; ids: number[]; source: string }[];
    };
    assert.ok(cases.length >= 40);
    for (const c of cases) {
      const expected = c.ids.length <= 77 ? c.ids : [...c.ids.slice(0, 76), EOS];
      assert.deepEqual(unpadded(tokenizer.encode(c.text)), expected, `${JSON.stringify(c.text)} (${c.source})`);
    }
  });

  it('matches the re-implementation on medical sentences and truncates long text keeping EOS', () => {
    const texts = [...MEDICAL, LONG];
    const lines = execFileSync(PYTHON, [path.join(CLIP_TOOLS, 'clip_tokenizer_ref.py'), BPE, ...texts], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n');
    assert.equal(lines.length, texts.length);
    lines.forEach((line, i) => {
      // each line: JSON text, then [ids], then [tokens]
      const ids = JSON.parse(line.slice(line.indexOf(' [') + 1, line.indexOf('] [') + 1)) as number[];
      const expected = ids.length <= 77 ? ids : [...ids.slice(0, 76), EOS];
      const got = tokenizer.encode(texts[i]);
      assert.deepEqual(unpadded(got), expected, JSON.stringify(texts[i]));
    });
    const long = tokenizer.encode(LONG);
    assert.equal(long.inputIds.length, 77);
    assert.equal(long.inputIds[0], BOS);
    assert.equal(long.inputIds[76], EOS);
    assert.ok(long.attentionMask.every((m) => m === 1));
  });

  it('matches @huggingface/transformers AutoTokenizer from the same folder', async () => {
    env.allowRemoteModels = false;
    const reference = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    for (const text of MEDICAL) {
      const expected = reference.encode(text);
      assert.deepEqual(unpadded(tokenizer.encode(text)), expected, JSON.stringify(text));
    }
    // transformers.js truncates after adding special tokens, so it drops EOS (Python transformers
    // and openai/CLIP keep it, and CLIP pools at the EOS). The first 76 ids must agree.
    const truncated = reference(LONG, { truncation: true, max_length: 77 });
    const referenceIds = Array.from(truncated.input_ids.data as BigInt64Array, Number);
    assert.equal(referenceIds.length, 77);
    assert.deepEqual(tokenizer.encode(LONG).inputIds.slice(0, 76), referenceIds.slice(0, 76));
  });

  it('pads to the context length with tokenizer_config pad_token and a 0 mask', () => {
    const t = tokenizer.encode('a photo of a cat');
    assert.equal(t.inputIds.length, 77);
    assert.deepEqual(t.inputIds.slice(0, 8), [BOS, 320, 1125, 539, 320, 2368, EOS, EOS]);
    assert.deepEqual(t.attentionMask.slice(0, 8), [1, 1, 1, 1, 1, 1, 1, 0]);
    assert.equal(
      t.attentionMask.reduce((a, b) => a + b, 0),
      7,
    );
    assert.equal(tokenizer.padId, EOS);
  });

  it('takes the context length from config.json, else tokenizer_config.json, else 77', () => {
    assert.equal(contextLengthOf({}), 77);
    assert.equal(contextLengthOf({ text_config: { max_position_embeddings: 64 } }, { model_max_length: 77 }), 64);
    assert.equal(contextLengthOf({}, { model_max_length: 48 }), 48);
    assert.equal(contextLengthOf({}, { model_max_length: 1e30 }), 77);
    const short = folderTokenizer(dir, { text_config: { max_position_embeddings: 16 } });
    const t = short.encode(LONG);
    assert.equal(t.inputIds.length, 16);
    assert.equal(t.inputIds[0], BOS);
    assert.equal(t.inputIds[15], EOS);
  });

  it('accepts token fields as strings or AddedToken objects', () => {
    const config = normaliseTokenizerConfig({
      bos_token: { __type: 'AddedToken', content: '<|startoftext|>', lstrip: false },
      eos_token: '<|endoftext|>',
      pad_token: { content: '<|endoftext|>' },
      additional_special_tokens: [{ content: '<x>' }, '<y>'],
      model_max_length: 77,
    });
    assert.deepEqual(config, {
      bos_token: '<|startoftext|>',
      eos_token: '<|endoftext|>',
      pad_token: '<|endoftext|>',
      additional_special_tokens: ['<x>', '<y>'],
      model_max_length: 77,
    });
    // The folder's own tokenizer_config.json has AddedToken objects for bos/eos/unk and a string pad.
    const raw = JSON.parse(readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8'));
    assert.equal(typeof raw.eos_token, 'object');
    assert.equal(typeof raw.pad_token, 'string');
    const padAsObject = loadTokenizer({
      dir,
      config: {},
      tokenizerJson: JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')),
      tokenizerConfig: { ...raw, pad_token: { __type: 'AddedToken', content: '<|startoftext|>' } },
    });
    assert.equal(padAsObject.padId, BOS);
  });

  it('names tokenizer.json when it cannot be used', () => {
    assert.throws(
      () => loadTokenizer({ dir, config: {}, tokenizerJson: { model: { type: 'NoSuchModel' } }, tokenizerConfig: {} }),
      (err: unknown) =>
        err instanceof ModelError &&
        err.message.includes('tokenizer.json') &&
        err.file === path.join(dir, 'tokenizer.json'),
    );
  });
});
