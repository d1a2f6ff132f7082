// Choosing the execution provider with real onnxruntime-node sessions on models/demo: `auto`'s
// order and reasons, forced providers that cannot start, variants a provider refuses, and the
// batch size. Written for a machine without CUDA libraries or a WebGPU adapter (as CI is); on a
// machine where one works, the tests that need it to fail skip.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ProviderError } from '../../src/clip/errors';
import { loadClipModel } from '../../src/clip/model';
import {
  DEFAULT_BATCH_SIZE,
  OpenFailure,
  missingCudaLibraries,
  openOn,
  providerBlocker,
  vulkanLoaderFound,
} from '../../src/clip/providers';
import type { ClipModel, DevicePreference, LoadModelOptions } from '../../src/clip/types';
import { Kernel } from '../../src/kernel/kernel';
import type { KernelSettings } from '../../src/kernel/steps/step';
import type { ScoreResult } from '../../src/protocol/results';

const DEMO = path.resolve(__dirname, '../../models/demo');
const GRAPHS = [path.join(DEMO, 'onnx/vision_model.onnx'), path.join(DEMO, 'onnx/text_model.onnx')];
const temps: string[] = [];

function temp(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** Whether a provider really opens the demo graphs here (then the failure tests skip). */
async function opens(provider: 'cuda' | 'webgpu'): Promise<boolean> {
  if (providerBlocker(provider, ['fp32'])) return false;
  try {
    const sessions = await openOn(provider, GRAPHS.slice(0, 1), 1);
    await Promise.all(sessions.map((s) => s.release()));
    return true;
  } catch {
    return false;
  }
}

/** The demo model with its graphs renamed to another variant's file names (the bytes stay fp32). */
function demoAs(variant: 'quantized' | 'fp16'): string {
  const dir = temp('sl-variant-');
  mkdirSync(path.join(dir, 'onnx'));
  for (const name of readdirSync(DEMO))
    if (name.endsWith('.json')) copyFileSync(path.join(DEMO, name), path.join(dir, name));
  for (const graph of GRAPHS) {
    copyFileSync(graph, path.join(dir, 'onnx', `${path.basename(graph, '.onnx')}_${variant}.onnx`));
  }
  return dir;
}

async function withModel<T>(options: LoadModelOptions, use: (m: ClipModel) => Promise<T>, dir = DEMO): Promise<T> {
  const model = await loadClipModel(dir, options);
  try {
    return await use(model);
  } finally {
    await model.dispose();
  }
}

/** Run `body` with LD_LIBRARY_PATH pointing at a folder holding a file named like the Vulkan loader. */
async function withVulkanLoaderVisible<T>(body: () => Promise<T>): Promise<T> {
  const dir = temp('sl-vulkan-');
  writeFileSync(path.join(dir, 'libvulkan.so.1'), '');
  const saved = process.env.LD_LIBRARY_PATH;
  process.env.LD_LIBRARY_PATH = dir;
  try {
    return await body();
  } finally {
    if (saved === undefined) delete process.env.LD_LIBRARY_PATH;
    else process.env.LD_LIBRARY_PATH = saved;
  }
}

describe('execution providers on models/demo', async () => {
  const cudaWorks = await opens('cuda');
  const webgpuWorks = await opens('webgpu');
  const gpuWorks = cudaWorks || webgpuWorks;
  after(() => {
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  });

  it('auto tries CUDA, then WebGPU, then CPU, and says why it skipped each', { skip: gpuWorks }, async () => {
    const logs: string[] = [];
    await withModel({ device: 'auto', log: (m) => logs.push(m) }, async (model) => {
      assert.equal(model.provider, 'cpu');
      assert.deepEqual(
        model.providersSkipped.map((s) => s.provider),
        ['cuda', 'webgpu'],
      );
      const [cuda, webgpu] = model.providersSkipped;
      if (missingCudaLibraries().length > 0) {
        assert.match(cuda.reason, /^its provider libraries are not installed \(.*libonnxruntime_providers_cuda/);
      }
      assert.match(webgpu.reason, /Vulkan loader|no WebGPU adapter/);
      assert.equal(
        model.providerReason,
        `auto picked CPU; CUDA skipped: ${cuda.reason}; WebGPU skipped: ${webgpu.reason}`,
      );
      assert.equal(model.batchSize, DEFAULT_BATCH_SIZE.cpu);
      const [embedding] = await model.encodeTexts(['still scores on the CPU']);
      assert.equal(embedding.length, model.embedDim);
    });
  });

  it(
    'auto tries a WebGPU session when a Vulkan loader is present, and records the adapter failure',
    {
      skip: gpuWorks || process.platform !== 'linux',
    },
    async () => {
      const logs: string[] = [];
      await withVulkanLoaderVisible(() =>
        withModel({ device: 'auto', log: (m) => logs.push(m) }, async (model) => {
          assert.equal(model.provider, 'cpu');
          const webgpu = model.providersSkipped.find((s) => s.provider === 'webgpu');
          // onnxruntime's own message, without its source location in front.
          assert.equal(webgpu?.reason, 'no WebGPU adapter (Failed to get a WebGPU adapter: No supported adapters)');
          assert.ok(logs.includes(`WebGPU skipped: ${webgpu.reason}`), 'a provider that failed to start is logged');
        }),
      );
    },
  );

  it('device: cpu uses the CPU and skips nothing', async () => {
    await withModel({ device: 'cpu' }, async (model) => {
      assert.equal(model.provider, 'cpu');
      assert.equal(model.providerReason, 'CPU requested');
      assert.deepEqual(model.providersSkipped, []);
    });
  });

  for (const loader of ['as found here', 'visible'] as const) {
    it(
      `forced webgpu without an adapter (Vulkan loader ${loader}) is an error saying what to install`,
      {
        skip: webgpuWorks || (loader === 'visible' && process.platform !== 'linux'),
      },
      async () => {
        const attempt = () => loadClipModel(DEMO, { device: 'webgpu' });
        await assert.rejects(loader === 'visible' ? withVulkanLoaderVisible(attempt) : attempt(), (err: unknown) => {
          assert.ok(err instanceof ProviderError, String(err));
          assert.equal(err.option, 'device');
          // Forced, WebGPU is tried even where no Vulkan loader was found; the error says both.
          assert.match(
            err.message,
            /^device: webgpu cannot be used: no WebGPU adapter \(Failed to get a WebGPU adapter/,
          );
          if (loader === 'as found here' && !vulkanLoaderFound()) {
            assert.match(err.message, /; no Vulkan loader \(libvulkan\.so\.1\) found\)/);
          }
          assert.match(err.message, /Vulkan driver and loader .*Direct3D 12 on Windows, Metal on macOS/);
          assert.match(err.message, /device: auto/);
          return true;
        });
      },
    );
  }

  it(
    'forced cuda without its libraries is an error naming the install flag, CUDA 12 and cuDNN 9',
    {
      skip: cudaWorks,
    },
    async () => {
      await assert.rejects(loadClipModel(DEMO, { device: 'cuda' }), (err: unknown) => {
        assert.ok(err instanceof ProviderError, String(err));
        assert.equal(err.option, 'device');
        assert.match(err.message, /^device: cuda cannot be used: /);
        assert.match(err.message, /npm install --onnxruntime-node-install=cuda12/);
        assert.match(err.message, /CUDA 12 and cuDNN 9/);
        return true;
      });
    },
  );

  it('a CUDA session that cannot start fails cleanly, not the process', { skip: cudaWorks }, async () => {
    await assert.rejects(openOn('cuda', GRAPHS, 1), (err: unknown) => {
      assert.ok(err instanceof OpenFailure);
      assert.equal(err.file, GRAPHS[0]);
      assert.match(err.message, /Failed to load shared library|cuda/i);
      return true;
    });
  });

  it('refuses the quantized variant on GPU providers, and auto keeps it on the CPU', async () => {
    const quantized = demoAs('quantized');
    for (const device of ['webgpu', 'cuda'] as DevicePreference[]) {
      await assert.rejects(loadClipModel(quantized, { device, variant: 'quantized' }), (err: unknown) => {
        assert.ok(err instanceof ProviderError, String(err));
        assert.equal(err.option, 'variant');
        assert.match(err.message, /the quantized variant runs on CPU only \(.+ supports fp32 and fp16\)/);
        assert.match(err.message, /Use variant: fp32 or fp16 on (CUDA|WebGPU), or device: cpu\./);
        return true;
      });
    }
    await withModel(
      { device: 'auto', variant: 'quantized' },
      async (model) => {
        assert.equal(model.provider, 'cpu');
        assert.deepEqual(
          model.providersSkipped.map((s) => s.reason),
          [
            'the quantized variant runs on CPU only (CUDA supports fp32 and fp16)',
            'the quantized variant runs on CPU only (WebGPU supports fp32 and fp16)',
          ],
        );
      },
      quantized,
    );
  });

  it(
    'lets fp16 through to the GPU providers (they fail on the adapter, not the variant)',
    { skip: gpuWorks },
    async () => {
      await assert.rejects(loadClipModel(demoAs('fp16'), { device: 'webgpu', variant: 'fp16' }), (err: unknown) => {
        assert.ok(err instanceof ProviderError);
        assert.equal(err.option, 'device');
        return true;
      });
    },
  );

  it('batchSize overrides the provider default', async () => {
    await withModel({ device: 'cpu', batchSize: 3 }, async (model) => {
      assert.equal(model.batchSize, 3);
      const progress: number[] = [];
      await model.encodeTexts(['a', 'b', 'c', 'd'], { onProgress: (done) => progress.push(done) });
      assert.deepEqual(progress, [3, 4]);
    });
    assert.ok(DEFAULT_BATCH_SIZE.webgpu > DEFAULT_BATCH_SIZE.cpu && DEFAULT_BATCH_SIZE.cuda > DEFAULT_BATCH_SIZE.cpu);
  });

  it('finds the Vulkan loader through LD_LIBRARY_PATH or ld.so.cache', () => {
    const dir = temp('sl-ld-');
    writeFileSync(path.join(dir, 'libvulkan.so.1'), '');
    assert.equal(vulkanLoaderFound(dir, '/nonexistent/ld.so.cache'), true);
    const cache = path.join(dir, 'ld.so.cache');
    writeFileSync(
      cache,
      Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from('libvulkan.so.1\0/usr/lib/x/libvulkan.so.1')]),
    );
    assert.equal(vulkanLoaderFound('', cache), true);
  });
});

describe('the model cell and the run record show the provider and the skipped ones', async () => {
  const gpuWorks = (await opens('cuda')) || (await opens('webgpu'));
  const data = path.resolve(__dirname, '../../examples/data/labels.csv');
  const kernel = (settings: Partial<KernelSettings> = {}) => {
    const dir = temp('sl-provider-kernel-');
    return new Kernel({ notebookPath: path.join(dir, 'nb.lensnb'), settings });
  };
  after(() => {
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  });

  it('auto: the output names the provider, its batch size and each skipped provider', { skip: gpuWorks }, async () => {
    const k = kernel();
    const model = await k.runCell('m', `model: demo\npath: ${JSON.stringify(DEMO)}\n`);
    assert.ok(model.ok, model.error);
    const result = model.result as { provider: string; providersSkipped: { provider: string }[]; batchSize: number };
    assert.equal(result.provider, 'cpu');
    assert.deepEqual(
      result.providersSkipped.map((s) => s.provider),
      ['cuda', 'webgpu'],
    );
    assert.equal(result.batchSize, DEFAULT_BATCH_SIZE.cpu);
    const markdown = model.outputs[0].markdown ?? '';
    assert.match(markdown, /\*\*Execution provider: CPU\*\* \(picked by device: auto; batches of 16\)/);
    assert.match(markdown, /\n- CUDA skipped: .+\n- WebGPU skipped: .+$/);

    assert.ok((await k.runCell('i', `images: ph\nfrom: ${JSON.stringify(data)}\nlimit: 5\n`)).ok);
    assert.ok(
      (
        await k.runCell(
          'd',
          'descriptors: names\nclasses: {cardiomegaly: [], effusion: [], nodule: [], normal: [], pneumothorax: []}\n',
        )
      ).ok,
    );
    const score = await k.runCell('s', 'score: s\nimages: ph\nmodel: demo\ndescriptors: [names]\n');
    assert.ok(score.ok, score.error);
    const run = (score.result as ScoreResult).run;
    assert.equal(run.provider, 'cpu');
    assert.deepEqual(run.providersSkipped, result.providersSkipped);
    assert.match(run.providerReason, /^auto picked CPU; CUDA skipped: .+; WebGPU skipped: /);
    assert.equal(run.batchSize, DEFAULT_BATCH_SIZE.cpu);
  });

  it("a forced webgpu that cannot start fails at the cell's device line", { skip: gpuWorks }, async () => {
    const out = await kernel({ batchSize: 4 }).runCell(
      'm',
      `model: demo\npath: ${JSON.stringify(DEMO)}\ndevice: webgpu\n`,
    );
    assert.equal(out.ok, false);
    assert.equal(out.errorField, 'device');
    assert.equal(out.errorLine, 3);
    assert.match(out.error ?? '', /device: webgpu cannot be used: .*Vulkan/);
  });

  it(
    'a forced webgpu from the settings fails at the model line and names the setting',
    { skip: gpuWorks },
    async () => {
      const out = await kernel({ device: 'webgpu' }).runCell('m', `model: demo\npath: ${JSON.stringify(DEMO)}\n`);
      assert.equal(out.ok, false);
      assert.equal(out.errorLine, 1);
      assert.match(out.error ?? '', /symptomLens\.device setting or --device/);
    },
  );
});
