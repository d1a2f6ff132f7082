// scripts/convert/openai-clip.py on a random-weights checkpoint with OpenAI CLIP ViT-B/32's exact
// keys (narrower and shallower; test/fixtures/openai_clip_checkpoint.py): the ONNX towers must give
// the embeddings of a PyTorch forward (cosine ≥ 0.9999 on images and texts), the tokenizer the ids
// of CLIP's own tokenizer, and a notebook must load and score the converted folder.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadClipModel } from '../../src/clip/model';
import { Kernel } from '../../src/kernel/kernel';
import { dot, KERMANY, PYTHON, readF32, removeTempDirs, tempDir } from '../fixtures/clipFixtures';

const CONVERTER = path.resolve(__dirname, '../../scripts/convert/openai-clip.py');
const CHECKPOINT_BUILDER = path.resolve(__dirname, '../fixtures/openai_clip_checkpoint.py');
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch, onnx']).status === 0;

interface Reference {
  texts: string[];
  input_ids: number[][];
  image_embeds: number[][];
  /** The first image's patch tokens (7 × 7), projected like the class token. */
  patch_embeds_0: number[][];
  text_embeds: number[][];
  modules_vs_functional_min_cosine: { image: number; text: number };
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
}

describe(
  'converting an OpenAI CLIP checkpoint',
  { skip: hasTorch ? false : 'needs python3-torch and python3-onnx' },
  () => {
    let work: string;
    let out: string;
    let reference: Reference;

    before(() => {
      work = tempDir('convert-');
      out = path.join(work, 'model');
      execFileSync(PYTHON, [CHECKPOINT_BUILDER, work], { stdio: 'pipe' });
      execFileSync(
        PYTHON,
        [CONVERTER, path.join(work, 'checkpoint.pt'), out, '--preprocess', 'chexzero', '--licence', 'mit'],
        { stdio: 'pipe' },
      );
      reference = JSON.parse(readFileSync(path.join(work, 'reference.json'), 'utf8'));
    });
    after(removeTempDirs);

    it('writes the supported layout, with sizes inferred from the state dict', () => {
      for (const file of [
        'config.json',
        'preprocessor_config.json',
        'tokenizer.json',
        'tokenizer_config.json',
        'README.md',
        'onnx/vision_model.onnx',
        'onnx/text_model.onnx',
      ]) {
        assert.ok(existsSync(path.join(out, file)), file);
      }
      const config = JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8'));
      assert.equal(config.projection_dim, 64);
      assert.equal(config.vision_config.image_size, 224);
      assert.equal(config.vision_config.patch_size, 32);
      assert.equal(config.vision_config.num_hidden_layers, 2);
      assert.equal(config.text_config.max_position_embeddings, 77);
      assert.equal(config.text_config.hidden_size, 128);
      const checkpoint = readFileSync(path.join(work, 'checkpoint.pt'));
      assert.equal(
        config.symptom_lens_conversion.checkpoint_sha256,
        createHash('sha256').update(checkpoint).digest('hex'),
      );
      // The converter's modules agree with an independent functional forward of the same weights.
      assert.ok(reference.modules_vs_functional_min_cosine.image > 0.99999);
      assert.ok(reference.modules_vs_functional_min_cosine.text > 0.99999);
    });

    it('gives the PyTorch embeddings through ONNX (cosine ≥ 0.9999) and CLIP’s token ids', async () => {
      const model = await loadClipModel(out, { device: 'cpu' });
      try {
        const all = readF32(path.join(work, 'pixels.f32'));
        const per = 3 * 224 * 224;
        const pixels = reference.image_embeds.map((_, i) => all.slice(i * per, (i + 1) * per));
        const images = await model.encodePixels(pixels);
        const texts = await model.encodeTexts(reference.texts);
        const imageCos = images.map((e, i) => cosine(e, reference.image_embeds[i]));
        const textCos = texts.map((e, i) => cosine(e, reference.text_embeds[i]));
        assert.ok(Math.min(...imageCos) >= 0.9999, `image cosines ${imageCos}`);
        assert.ok(Math.min(...textCos) >= 0.9999, `text cosines ${textCos}`);
        // The embeddings are not all alike (a constant output would pass a cosine check trivially).
        assert.ok(cosine(images[0], images[1]) < 0.99 && cosine(texts[0], texts[1]) < 0.99);
        reference.texts.forEach((text, i) => assert.deepEqual(model.tokenize(text).inputIds, reference.input_ids[i]));
        assert.equal(model.description.contextLength, 77);
        // The ViT's patch tokens, through ln_post and proj as the class token: the patch-token map's input.
        assert.equal(model.patchTokens.available, true);
        const patches = await model.encodePatches(pixels[0]);
        assert.equal(patches.length, 49);
        const patchCos = patches.map((e, k) => cosine(e, reference.patch_embeds_0[k]));
        assert.ok(Math.min(...patchCos) >= 0.9999, `patch cosines ${patchCos}`);
        assert.ok(cosine(patches[0], patches[1]) < 0.99, 'the tokens differ');
      } finally {
        await model.dispose();
      }
    });

    it('loads in a model cell and scores in a notebook', async () => {
      const kernel = new Kernel({
        notebookPath: path.join(KERMANY, 'notebook.lensnb'),
        cacheDir: path.join(work, 'cache'),
        settings: { device: 'cpu' },
      });
      const model = await kernel.runCell('m', `model: chexzero\npath: ${JSON.stringify(out)}\ndevice: cpu`);
      assert.ok(model.ok, model.error);
      const text = model.outputs[0].markdown!;
      for (const shown of [
        '| licence | mit |',
        '| context length | 77 tokens |',
        'letterbox 320 lanczos, zero\\-padded',
        '64 dimensions',
      ]) {
        assert.ok(text.includes(shown), `${shown} in\n${text}`);
      }
      assert.ok((await kernel.runCell('i', 'images: cxr\nfrom: labels.csv\nlimit: 12')).ok);
      assert.ok(
        (await kernel.runCell('d', 'descriptors: v1\nclasses: { normal: [clear lungs], pneumonia: [consolidation] }'))
          .ok,
      );
      const score = await kernel.runCell(
        's',
        'score: s\nimages: cxr\nmodel: chexzero\ndescriptors: [v1]\nmethod: chexzero',
      );
      assert.ok(score.ok, score.error);
      const result = score.result as { variants: { predictions: unknown[]; metrics: { accuracy: number } }[] };
      assert.equal(result.variants[0].predictions.length, 12);
      assert.ok(Number.isFinite(result.variants[0].metrics.accuracy));
      await kernel.session.dispose();
    });

    it('refuses a file that is not an OpenAI CLIP state dict, saying what it is not', () => {
      const bogus = path.join(work, 'bogus.pt');
      execFileSync(PYTHON, [
        '-c',
        `import torch, sys; torch.save({'encoder.weight': torch.zeros(2)}, sys.argv[1])`,
        bogus,
      ]);
      const run = spawnSync(PYTHON, [CONVERTER, bogus, path.join(work, 'never')], { encoding: 'utf8' });
      assert.notEqual(run.status, 0);
      assert.match(run.stderr, /not an OpenAI CLIP state dict \(it lacks text_projection/);
      assert.ok(!existsSync(path.join(work, 'never', 'onnx')));
    });
  },
);
