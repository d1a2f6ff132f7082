// The vision session is opened at the first encode on the CPU (src/clip/lazyVision.ts); the model
// cell checks the graph from its declaration (src/clip/graphSignature.ts). These tests hold the
// declaration to what onnxruntime itself reports, and show where each kind of broken graph fails.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { InferenceSession } from 'onnxruntime-node';
import { readGraphSignature } from '../../src/clip/graphSignature';
import { loadClipModel, ModelError } from '../../src/clip/model';
import { CancelledError } from '../../src/common/errors';
import { kermanyImages, removeTempDirs, tempDir, tinyModel } from '../fixtures/clipFixtures';

const DEMO = path.resolve(__dirname, '../../models/demo');

after(removeTempDirs);

/** Names, types and declared shapes as onnxruntime lists them. */
async function sessionDeclaration(file: string) {
  const session = await InferenceSession.create(file, { logSeverityLevel: 3 });
  try {
    const plain = (list: readonly InferenceSession.ValueMetadata[]) =>
      list.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name }));
    return { inputs: plain(session.inputMetadata), outputs: plain(session.outputMetadata) };
  } finally {
    await session.release();
  }
}

describe('the graph declaration read from the file', () => {
  it('lists the inputs and outputs onnxruntime lists, weights listed as inputs left out as it does', async () => {
    const tiny = await tinyModel(['--initializers-as-inputs']);
    for (const file of [
      path.join(tiny, 'onnx/vision_model.onnx'),
      path.join(tiny, 'onnx/text_model.onnx'),
      path.join(DEMO, 'onnx/vision_model.onnx'),
    ]) {
      const declared = await readGraphSignature(file);
      const ort = await sessionDeclaration(file);
      const plain = declared.inputs.map(({ name, type, shape }) => ({ name, type, shape }));
      assert.deepEqual(plain, ort.inputs, file);
      assert.deepEqual(
        declared.outputs.map(({ name, type, shape }) => ({ name, type, shape })),
        ort.outputs,
        file,
      );
    }
  });

  it('names the file when it is not an ONNX model, or was cut short', async () => {
    const dir = tempDir();
    const text = path.join(dir, 'text.onnx');
    await fs.writeFile(text, 'version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 351248198\n');
    const cut = path.join(dir, 'cut.onnx');
    const whole = await fs.readFile(path.join(DEMO, 'onnx/vision_model.onnx'));
    await fs.writeFile(cut, whole.subarray(0, whole.length >> 1));
    for (const file of [text, cut]) {
      await assert.rejects(readGraphSignature(file), (err: Error) => {
        assert.ok(err instanceof ModelError);
        assert.match(err.message, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not an ONNX model`));
        return true;
      });
    }
  });
});

describe('the vision session opened at the first encode', () => {
  it('loads a model whose vision graph no session can open; the first image encode fails naming it', async () => {
    const dir = await tinyModel(['--vision-unknown-op']);
    const model = await loadClipModel(dir, { device: 'cpu' });
    try {
      // The text tower works: a notebook over precomputed image embeddings needs nothing else.
      const [text] = await model.encodeTexts(['a chest x-ray']);
      assert.equal(text.length, model.embedDim);
      const image = { path: kermanyImages()[0].path };
      for (let attempt = 0; attempt < 2; attempt++) {
        await assert.rejects(model.encodeImages([image]), (err: Error) => {
          assert.ok(err instanceof ModelError, String(err));
          assert.match(err.message, /onnxruntime cannot load .*vision_model\.onnx: .*NoSuchOp/);
          return true;
        });
      }
    } finally {
      await model.dispose();
    }
  });

  it('still fails the model cell for a graph that declares no vision tower', async () => {
    const dir = await tinyModel(['--vision-output', 'features']);
    await assert.rejects(
      loadClipModel(dir, { device: 'cpu' }),
      /is not a vision tower in the expected layout.*no output "image_embeds"/,
    );
  });

  it('opens once, at the first batch (an interrupt before it opens nothing), in a worker or inline alike', async () => {
    const images = kermanyImages()
      .slice(0, 3)
      .map((i) => ({ path: i.path }));
    const model = await loadClipModel(DEMO, { device: 'cpu' });
    const interrupted = new AbortController();
    interrupted.abort();
    try {
      await assert.rejects(model.encodeImages(images, { signal: interrupted.signal }), CancelledError);
      const first = await model.encodeImages(images);
      const again = await model.encodeImages(images);
      assert.deepEqual(again, first);
      const inline = await loadClipModel(DEMO, { device: 'cpu', visionThread: 'inline' });
      try {
        assert.deepEqual(await inline.encodeImages(images), first);
      } finally {
        await inline.dispose();
      }
    } finally {
      await model.dispose();
    }
  });
});
