// Fault suite, class "lie": results that look fine but are not. Corrupted cache entries (same
// size and wrong size), towers that output NaN, Infinity or zeros (tiny ONNX models built by
// make_tiny_clip.py --broken), and label tables that give one image two labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { EmbeddingCache } from '../../src/cache/embeddingCache';
import { recordsOf } from '../../src/cache/segmentFormat';
import { Kernel } from '../../src/kernel/kernel';
import type { ScoreResult } from '../../src/protocol/results';
import { loadImageSet } from '../../src/images/imageSet';
import { newLlmKernel } from '../helpers/llmKernel';
import { startOpenAIServer } from '../helpers/openaiServer';

const ROOT = path.resolve(__dirname, '../..');
const DATA = path.join(ROOT, 'examples/data/labels.csv');
const MODEL = path.join(ROOT, 'models/demo');
const PYTHON = '/usr/bin/python3';

async function kernelIn(dir: string): Promise<Kernel> {
  EmbeddingCache.clearMemory();
  return new Kernel({ notebookPath: path.join(dir, 'nb.lensnb') });
}

async function must(kernel: Kernel, source: string) {
  const out = await kernel.runCell(source.split('\n', 1)[0], source);
  assert.ok(out.ok, out.error);
  return out;
}

const CELLS = (model: string, limit = '') => [
  `images: ph\nfrom: ${JSON.stringify(DATA)}\n${limit}`,
  `model: m\npath: ${JSON.stringify(model)}\ndevice: cpu\n`,
  'descriptors: v\nclasses:\n  normal: [clear lung fields]\n  effusion: [blunted costophrenic angle]\n  cardiomegaly: [enlarged heart]\n  nodule: [round opacity]\n  pneumothorax: [lung edge]\n',
];
const SCORE = 'score: s\nimages: ph\nmodel: m\ndescriptors: [v]\n';

/** The embedding cache's segment files, and their records with their offsets. */
async function segments(dir: string): Promise<{ file: string; records: ReturnType<typeof recordsOf> }[]> {
  const all = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  const files = all
    .filter((e) => e.isFile() && e.name.endsWith('.seg'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  return Promise.all(files.map(async (file) => ({ file, records: recordsOf(await fs.readFile(file)) })));
}

test('corrupted cache entries (same size, truncated, garbage) are re-encoded and noted; metrics unchanged', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-lie-cache-'));
  let kernel = await kernelIn(dir);
  for (const c of CELLS(MODEL)) await must(kernel, c);
  const first = (await must(kernel, SCORE)).result as ScoreResult;
  await kernel.dispose();
  const [segment, ...others] = await segments(path.join(dir, '.symptom-lens'));
  assert.equal(others.length, 0, 'one run, one segment');
  assert.ok(segment.records.length > 10);
  const bytes = await fs.readFile(segment.file);
  // Same size: flip bits in the vector (the attack that moved accuracy from 0.625 to 0.367).
  for (const r of segment.records.slice(0, 3)) for (let i = r.end - 64; i < r.end; i++) bytes[i] ^= 0x5a;
  // Garbage over the middle of a vector.
  const garbled = segment.records[3];
  bytes.write('not an embedding', garbled.end - 40, 'latin1');
  await fs.writeFile(segment.file, bytes);
  // Cut short: the last record loses its end, as in a crash mid-append.
  await fs.truncate(segment.file, segment.records.at(-1)!.end - 100);
  const corrupted = 5;

  kernel = await kernelIn(dir);
  for (const c of CELLS(MODEL)) await must(kernel, c);
  const second = (await must(kernel, SCORE)).result as ScoreResult;
  await kernel.dispose();
  assert.deepEqual(
    second.variants[0].metrics,
    first.variants[0].metrics,
    'the corrupted entries did not change metrics',
  );
  assert.equal(
    second.run.encoded.images + second.run.encoded.texts,
    corrupted,
    'exactly the corrupted entries were re-encoded',
  );
  assert.match(
    second.run.cacheNotes?.join(' ') ?? '',
    new RegExp(`${corrupted} cached embeddings .* failed their checksum and were re-encoded`),
  );
  assert.ok(
    second.flags.some((f) => /failed their checksum/.test(f.message)),
    'the output shows it',
  );

  // A third run finds the repaired entries intact.
  kernel = await kernelIn(dir);
  for (const c of CELLS(MODEL)) await must(kernel, c);
  const third = (await must(kernel, SCORE)).result as ScoreResult;
  await kernel.dispose();
  assert.deepEqual(third.run.encoded, { images: 0, texts: 0 });
  assert.equal(third.run.cacheNotes, undefined);
});

const BROKEN = ['vision-nan', 'vision-inf', 'vision-zero', 'text-nan', 'text-inf', 'text-zero'];

test(`towers that output NaN, Infinity or zeros fail the cell naming the tower (${BROKEN.length} tiny models)`, async () => {
  for (const broken of BROKEN) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), `sl-lie-${broken}-`));
    const model = path.join(dir, 'model');
    await fs.mkdir(model);
    for (const name of ['tokenizer.json', 'tokenizer_config.json'])
      await fs.copyFile(path.join(MODEL, name), path.join(model, name));
    execFileSync(PYTHON, [path.join(ROOT, 'test/fixtures/make_tiny_clip.py'), model, '--broken', broken], {
      stdio: 'pipe',
    });
    const kernel = await kernelIn(dir);
    for (const c of CELLS(model, 'limit: 6\n')) await must(kernel, c);
    const out = await kernel.runCell('score', SCORE);
    await kernel.dispose();
    assert.equal(out.ok, false, `${broken}: the score cell must fail`);
    const [tower, kind] = broken.split('-');
    const said = { nan: 'NaN', inf: 'Infinity|NaN', zero: 'only zeros' }[kind]!;
    assert.match(out.error!, new RegExp(`The ${tower} tower .*${tower}_model\\.onnx output (${said})`), broken);
  }
});

test('label conflicts: the same path twice with different labels is a located error; the same label twice is kept once', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-lie-labels-'));
  for (const name of ['a.png', 'b.png'])
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#777' } })
      .png()
      .toFile(path.join(dir, name));
  const load = (from: string, labels?: string) => loadImageSet({ name: 's', from, labels, baseDir: dir });
  const conflicts: [string, string, RegExp][] = [
    [
      'two.csv',
      'path,label\na.png,normal\nb.png,normal\n./a.png,pneumonia\n',
      /two\.csv, line 4: \.\/a\.png is labelled "pneumonia" here but "normal" on line 2/,
    ],
    [
      'multi.csv',
      'path,effusion,nodule\na.png,1,0\na.png,0,1\n',
      /multi\.csv, line 3: a\.png is labelled "effusion=0 nodule=1" here but "effusion=1 nodule=0" on line 2/,
    ],
  ];
  for (const [file, text, message] of conflicts) {
    await fs.writeFile(path.join(dir, file), text);
    await assert.rejects(
      load(file),
      (err: Error & { field?: string }) => message.test(err.message) && err.field === 'from',
    );
  }
  await fs.writeFile(path.join(dir, 'lab.csv'), 'path,label\na.png,x\nb.png,y\na.png,y\n');
  await assert.rejects(
    load('*.png', 'lab.csv'),
    (err: Error & { field?: string }) => /lab\.csv, line 4/.test(err.message) && err.field === 'labels',
  );
  await fs.writeFile(path.join(dir, 'same.csv'), 'path,label\na.png,normal\nb.png,normal\na.png,normal\n');
  const set = await load('same.csv');
  assert.deepEqual(
    set.entries.map((e) => e.id),
    ['a.png', 'b.png'],
  );
  assert.match(set.skipped[0].reason, /same\.csv, line 4: a\.png is listed again with the same label/);
});

test('a corrupted cached LLM completion (same size) is asked again, with a log line, not used', async (t) => {
  const server = await startOpenAIServer({ reply: () => '- blunted costophrenic angle' });
  t.after(() => server.close());
  const { kernel, dir, logs } = await newLlmKernel();
  const cell = `generate: g\nclasses: [effusion]\nmodality: chest X-ray\nllm: {model: m}\nendpoint: ${server.baseUrl}\n`;
  assert.ok((await kernel.runCell('g', cell)).ok);
  const [file] = (await fs.readdir(path.join(dir, '.symptom-lens'), { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => path.join(e.parentPath, e.name));
  const text = await fs.readFile(file, 'utf8');
  await fs.writeFile(file, text.replace('blunted', 'Blunted'));
  const again = await kernel.runCell('g', cell);
  assert.ok(again.ok, again.error);
  assert.equal(server.chatCount(), 2, 'the corrupted entry was not used');
  assert.ok(logs.some((l) => /failed its checksum/.test(l)));
  assert.match(await fs.readFile(file, 'utf8'), /blunted/, 'and it was rewritten');
});
