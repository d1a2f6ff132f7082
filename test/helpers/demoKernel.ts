// A Kernel on the demo model and a folder of phantoms (the held-out set by default), with a
// fresh cache, for the tests of the research steps (search, fewshot, ask).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmbeddingCache } from '../../src/cache/embeddingCache';
import { Kernel, type CellOutcome } from '../../src/kernel/kernel';

export const ROOT = path.resolve(__dirname, '../..');
export const HELD_OUT = path.join(ROOT, 'test/fixtures/phantoms');
export const EXAMPLES = path.join(ROOT, 'examples');
export const DEMO_MODEL = path.join(ROOT, 'models/demo');

/** In-distribution descriptors of the demo model's caption grammar, one set per class. */
export const DEMO_DESCRIPTORS = `descriptors: v1
classes:
  normal: [clear lung fields, sharp costophrenic angles, normal heart size]
  effusion: [blunted costophrenic angle, fluid meniscus at the lung base]
  cardiomegaly: [enlarged heart shadow, wide cardiac silhouette]
  nodule: [round opacity, small round density in the lung]
  pneumothorax: [visible pleural line, lucent rim without lung markings]
`;

export interface DemoKernel {
  kernel: Kernel;
  dir: string;
  must(source: string, id?: string): Promise<CellOutcome>;
  fails(source: string, id?: string): Promise<CellOutcome>;
}

/**
 * `images: held-out` (or `examples/data` with `images: demo-set`) and `model: demo` already run.
 * The notebook sits in the image folder, so image paths are relative to it.
 */
export async function demoKernel(
  t: { after: (fn: () => Promise<void>) => void },
  options: { folder?: string; secrets?: { getApiKey(): Promise<string | undefined> }; llmTimeoutMs?: number } = {},
): Promise<DemoKernel> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-research-'));
  EmbeddingCache.clearMemory();
  const folder = options.folder ?? HELD_OUT;
  const kernel = new Kernel({
    notebookPath: path.join(folder, 'nb.lensnb'),
    cacheDir: path.join(dir, 'cache'),
    secrets: options.secrets ?? { getApiKey: async () => undefined },
    settings: { llmTimeoutMs: options.llmTimeoutMs ?? 20_000 },
  });
  t.after(async () => {
    await kernel.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });
  let n = 0;
  const must = async (source: string, id = `cell-${n++}`) => {
    const out = await kernel.runCell(id, source);
    assert.ok(out.ok, `${source.split('\n')[0]}: ${out.error}`);
    return out;
  };
  const fails = async (source: string, id = `cell-${n++}`) => {
    const out = await kernel.runCell(id, source);
    assert.equal(out.ok, false, `${source.split('\n')[0]} should fail`);
    return out;
  };
  await must('images: held-out\nfrom: labels.csv\n');
  await must(`model: demo\npath: ${JSON.stringify(DEMO_MODEL)}\ndevice: cpu\n`);
  return { kernel, dir, must, fails };
}
