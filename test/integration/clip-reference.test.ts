// End-to-end check against PyTorch on a full-size CLIP ViT-B/32 in the real Hugging Face layout,
// built by ../shared/tools/clip-benchmark-model/build.sh into bench/models/clip-b32 (600 MB,
// gitignored, ~2 minutes): its reference.json holds token ids and raw embeddings computed in
// PyTorch from two PNGs preprocessed with Pillow. Skipped when that folder has not been built.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadClipModel } from '../../src/clip/model';
import type { ClipModel } from '../../src/clip/types';
import { dot, maxAbsDiff, meanAbsDiff, normalised, readF32 } from '../fixtures/clipFixtures';

const DIR = path.resolve(__dirname, '../../bench/models/clip-b32');
const built = existsSync(path.join(DIR, 'reference.json'));
const GREY = 1 / 255 / 0.26130258; // one grey level in normalised units (smallest std)

interface Reference {
  images: { file: string; image_embeds: number[] }[];
  texts: { text: string; input_ids: number[]; text_embeds: number[] }[];
}

describe(
  'full-size CLIP against its PyTorch reference',
  { skip: built ? false : `${DIR} not built (run ../shared/tools/clip-benchmark-model/build.sh ${DIR})` },
  () => {
    let model: ClipModel;
    let reference: Reference;

    before(async () => {
      reference = JSON.parse(readFileSync(path.join(DIR, 'reference.json'), 'utf8'));
      model = await loadClipModel(DIR, { device: 'cpu' });
    });
    after(async () => {
      await model?.dispose();
    });

    it('loads the Hugging Face layout', () => {
      assert.equal(model.embedDim, 512);
      assert.equal(model.imageSize, 224);
    });

    it('tokenizes exactly like the reference', () => {
      for (const t of reference.texts) {
        const { inputIds, attentionMask } = model.tokenize(t.text);
        assert.equal(inputIds.length, 77);
        assert.deepEqual(inputIds.slice(0, t.input_ids.length), t.input_ids, t.text);
        assert.equal(
          attentionMask.reduce((a, b) => a + b, 0),
          t.input_ids.length,
        );
      }
    });

    it('text embeddings: cosine ≥ 0.99999 (padded to 77 vs unpadded in PyTorch)', async () => {
      const embeddings = await model.encodeTexts(reference.texts.map((t) => t.text));
      reference.texts.forEach((t, i) => {
        const cos = dot(embeddings[i], normalised(t.text_embeds));
        assert.ok(cos >= 0.99999, `${t.text}: cos ${cos}`);
      });
    });

    it('preprocessing matches Pillow: exactly when enlarging, within a grey level when reducing', async () => {
      const [enlarged, reduced] = reference.images;
      const pixelsA = await model.preprocess({ path: path.join(DIR, enlarged.file) });
      const refA = readF32(path.join(DIR, 'reference-pixels', enlarged.file.replace('.png', '.f32')));
      assert.ok(maxAbsDiff(pixelsA, refA) < 1e-5, `${enlarged.file}: ${maxAbsDiff(pixelsA, refA)}`);
      const pixelsB = await model.preprocess({ path: path.join(DIR, reduced.file) });
      const refB = readF32(path.join(DIR, 'reference-pixels', reduced.file.replace('.png', '.f32')));
      assert.ok(
        meanAbsDiff(pixelsB, refB) / GREY < 0.2,
        `${reduced.file}: ${meanAbsDiff(pixelsB, refB) / GREY} grey levels`,
      );
    });

    it('image embeddings end to end from the PNGs: cosine ≥ 0.9997', async () => {
      const embeddings = await model.encodeImages(reference.images.map((r) => ({ path: path.join(DIR, r.file) })));
      reference.images.forEach((r, i) => {
        const cos = dot(embeddings[i], normalised(r.image_embeds));
        assert.ok(cos >= 0.9997, `${r.file}: cos ${cos}`);
      });
    });

    it("image embeddings from the reference's own pixels: cosine ≥ 0.99999", async () => {
      const pixels = reference.images.map((r) =>
        readF32(path.join(DIR, 'reference-pixels', r.file.replace('.png', '.f32'))),
      );
      const embeddings = await model.encodePixels(pixels);
      reference.images.forEach((r, i) => {
        const cos = dot(embeddings[i], normalised(r.image_embeds));
        assert.ok(cos >= 0.99999, `${r.file}: cos ${cos}`);
      });
    });
  },
);
