// The ceiling to compare against: onnxruntime-node alone on the vision tower, same threads and
// batch size, random pixels, no decoding, no cache, no kernel.
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';

export async function bareVisionThroughput(
  modelDir: string,
  opts: { batchSize: number; images: number },
): Promise<{ imagesPerSecond: number }> {
  const session = await ort.InferenceSession.create(path.join(modelDir, 'onnx', 'vision_model.onnx'), {
    intraOpNumThreads: os.availableParallelism(),
    executionProviders: ['cpu'],
  });
  const dims = session.inputMetadata.find((m) => m.name === 'pixel_values');
  const shape = dims && 'shape' in dims ? dims.shape : [];
  const size = typeof shape[2] === 'number' ? shape[2] : 224;
  const batch = new Float32Array(opts.batchSize * 3 * size * size).map(() => Math.random() * 2 - 1);
  const feeds = { pixel_values: new ort.Tensor('float32', batch, [opts.batchSize, 3, size, size]) };
  await session.run(feeds); // warm-up: the first run allocates
  const batches = Math.max(1, Math.ceil(opts.images / opts.batchSize));
  const t0 = performance.now();
  for (let i = 0; i < batches; i++) await session.run(feeds);
  const seconds = (performance.now() - t0) / 1000;
  await session.release();
  return { imagesPerSecond: (batches * opts.batchSize) / seconds };
}
