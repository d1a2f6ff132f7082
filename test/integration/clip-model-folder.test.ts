// A model folder that is not in the Hugging Face / transformers.js ONNX layout gives a ModelError
// that names the file and says what is missing and what was found.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadClipModel, ModelError } from '../../src/clip/model';
import { removeTempDirs, tempDir, tinyModel } from '../fixtures/clipFixtures';

async function expectModelError(dir: string, file: string | undefined, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(loadClipModel(dir, { device: 'cpu' }), (err: unknown) => {
    assert.ok(err instanceof ModelError, `expected ModelError, got ${String(err)}`);
    if (file !== undefined) assert.equal(err.file, file);
    for (const pattern of patterns) assert.match(err.message, pattern);
    return true;
  });
}

describe('model folder errors', () => {
  after(removeTempDirs);

  for (const name of [
    'onnx/text_model.onnx',
    'onnx/vision_model.onnx',
    'tokenizer.json',
    'config.json',
    'preprocessor_config.json',
  ]) {
    it(`missing ${name}`, async () => {
      const dir = await tinyModel();
      await fs.rm(path.join(dir, name));
      const escaped = name.replace(/\./g, '\\.');
      await expectModelError(
        dir,
        path.join(dir, name),
        new RegExp(`has no ${escaped}`),
        /Hugging Face \/ transformers\.js ONNX layout/,
      );
    });
  }

  it('a combined onnx/model.onnx gets a hint', async () => {
    const dir = await tinyModel();
    await fs.rename(path.join(dir, 'onnx/vision_model.onnx'), path.join(dir, 'onnx/model.onnx'));
    await expectModelError(dir, path.join(dir, 'onnx/vision_model.onnx'), /combined CLIP graph/);
  });

  it('tokenizer_config.json is optional', async () => {
    const dir = await tinyModel();
    await fs.rm(path.join(dir, 'tokenizer_config.json'));
    const model = await loadClipModel(dir, { device: 'cpu' });
    try {
      assert.equal(model.tokenize('a cat').inputIds.length, 77);
    } finally {
      await model.dispose();
    }
  });

  it('folder not found, or a file instead of a folder', async () => {
    const missing = path.join(tempDir('no-model-'), 'nothing-here');
    await expectModelError(missing, missing, /Model folder not found/);
    const dir = await tinyModel();
    await expectModelError(
      path.join(dir, 'config.json'),
      path.join(dir, 'config.json'),
      /is a file, not a model folder/,
    );
  });

  it('invalid JSON names the file', async () => {
    const dir = await tinyModel();
    await fs.writeFile(path.join(dir, 'config.json'), '{"projection_dim": 8,');
    await expectModelError(dir, path.join(dir, 'config.json'), /config\.json is not valid JSON/);
    await fs.writeFile(path.join(dir, 'config.json'), '[1, 2]');
    await expectModelError(dir, path.join(dir, 'config.json'), /must hold a JSON object/);
  });

  it('a tokenizer.json without a model section', async () => {
    const dir = await tinyModel();
    await fs.writeFile(path.join(dir, 'tokenizer.json'), '{"version": "1.0"}');
    await expectModelError(dir, path.join(dir, 'tokenizer.json'), /no "model" section/);
  });

  it('a vision graph with the wrong input and output names', async () => {
    const dir = await tinyModel(['--vision-input', 'images', '--vision-output', 'embeds']);
    await expectModelError(
      dir,
      path.join(dir, 'onnx/vision_model.onnx'),
      /onnx\/vision_model\.onnx is not a vision tower/,
      /no input "pixel_values"/,
      /inputs it cannot be fed: "images"/,
      /no output "image_embeds"/,
      /found inputs images \(float32 \[batch_size, 3, height, width\]\) and outputs embeds/,
    );
  });

  it('a text graph without text_embeds', async () => {
    const dir = await tinyModel(['--text-output', 'pooler_output']);
    await expectModelError(
      dir,
      path.join(dir, 'onnx/text_model.onnx'),
      /onnx\/text_model\.onnx is not a text tower/,
      /no output "text_embeds"/,
      /Expected inputs input_ids, \[attention_mask\]/,
      /outputs pooler_output/,
    );
  });

  it('the two towers swapped', async () => {
    const dir = await tinyModel();
    const [vision, text] = [path.join(dir, 'onnx/vision_model.onnx'), path.join(dir, 'onnx/text_model.onnx')];
    await fs.rename(vision, `${vision}.tmp`);
    await fs.rename(text, vision);
    await fs.rename(`${vision}.tmp`, text);
    await expectModelError(
      dir,
      vision,
      /no input "pixel_values"/,
      /inputs it cannot be fed: "input_ids", "attention_mask"/,
    );
  });

  it('an ONNX file that is not a graph', async () => {
    const dir = await tinyModel();
    await fs.writeFile(path.join(dir, 'onnx/text_model.onnx'), 'not protobuf at all');
    await expectModelError(dir, path.join(dir, 'onnx/text_model.onnx'), /onnxruntime cannot load .*text_model\.onnx/);
  });

  it('a preprocessor crop that does not fit the vision graph', async () => {
    const dir = await tinyModel();
    // The tiny vision graph takes any size, so make a fixed-size claim through the config only:
    // a non-square crop cannot be batched and is refused up front.
    const file = path.join(dir, 'preprocessor_config.json');
    const config = JSON.parse(await fs.readFile(file, 'utf8'));
    await fs.writeFile(file, JSON.stringify({ ...config, crop_size: { height: 224, width: 200 } }));
    await expectModelError(dir, file, /crop 200x224/, /square/);
  });
});
