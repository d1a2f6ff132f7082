// The headless runner on the example notebook, as a user runs it: the built bin, a real process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/symptom-lens.js');
const DEMO = path.join(ROOT, 'examples/demo.lensnb');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: ROOT, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

interface Results {
  notebook: string;
  cells: { index: number; step: string; name: string; ok: boolean; error?: string; result?: Record<string, any> }[];
}

test('runs the example notebook: results.json, report.html; a second run encodes no image', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-cli-'));
  const out = path.join(tmp, 'out');
  const cache = path.join(tmp, 'cache');
  const first = await cli(['run', DEMO, '--out', out, '--cache', cache, '--device', 'cpu']);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /Report: .*report\.html/);
  const results = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8')) as Results;
  assert.equal(results.notebook, 'demo.lensnb');
  assert.ok(
    results.cells.every((c) => c.ok),
    JSON.stringify(results.cells.filter((c) => !c.ok)),
  );
  for (const c of results.cells) assert.deepEqual(Object.keys(c).slice(0, 4), ['index', 'step', 'name', 'ok']);
  const score = results.cells.find((c) => c.step === 'score')!;
  const variants = score.result!.variants as {
    name: string;
    metrics: Record<string, any>;
    predictions: Record<string, any>[];
    control?: string;
    columns: { text: string }[];
    importance?: { descriptors: { descriptor: string }[] };
  }[];
  assert.ok(variants.length >= 2);
  for (const v of variants) {
    for (const k of ['accuracy', 'balancedAccuracy', 'macroF1', 'auroc']) assert.ok(k in v.metrics, k);
    // Descriptor importance: one row per heatmap column, for every variant but the controls.
    if (!v.control)
      assert.deepEqual(
        v.importance?.descriptors.map((d) => d.descriptor),
        v.columns.map((c) => c.text),
      );
    assert.deepEqual(Object.keys(v.predictions[0]).sort(), ['image', 'label', 'predicted', 'scores']);
  }
  const runRecord = score.result!.run;
  for (const k of [
    'modelFingerprint',
    'provider',
    'classOrder',
    'descriptorSetHashes',
    'imageSetHash',
    'packageVersion',
    'encoded',
  ])
    assert.ok(k in runRecord, k);
  const n = variants[0].predictions.length;
  assert.equal(runRecord.encoded.images, n);

  // The research steps are in results.json with their figures, and in the report with their renderers.
  const byStep = (step: string) => results.cells.find((c) => c.step === step)!.result!;
  assert.ok(byStep('search').metrics.ndcgAtK.estimate > 0);
  assert.equal(byStep('fewshot').points.length, 12);
  assert.equal(byStep('ask').answers[0].fromCache, true);

  // The score cell's predictions and metrics as CSV beside results.json, one row per image and variant.
  const predictions = (await fs.readFile(path.join(out, `${score.name}.predictions.csv`), 'utf8')).trimEnd();
  assert.equal(predictions.split('\r\n').length, 1 + n * variants.length);
  assert.match(predictions, /^variant,image,label,predicted,margin,score /);
  const metrics = (await fs.readFile(path.join(out, `${score.name}.metrics.csv`), 'utf8')).trimEnd().split('\r\n');
  assert.deepEqual(
    metrics.slice(1).map((l) => l.split(',')[0]),
    variants.map((v) => v.name),
  );

  const report = await fs.readFile(path.join(out, 'report.html'), 'utf8');
  assert.match(report, /<html/i);
  for (const renderer of ['search', 'fewshot', 'ask'])
    assert.ok(report.includes(`"renderer":"symptom-lens.${renderer}"`), `the report renders the ${renderer} output`);
  assert.ok(!/<script[^>]+src=["']https?:/i.test(report), 'no remote scripts');

  const second = await cli(['run', DEMO, '--out', out, '--cache', cache, '--device', 'cpu', '--quiet']);
  assert.equal(second.code, 0, second.stderr);
  const again = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8')) as Results;
  const encoded = again.cells.find((c) => c.step === 'score')!.result!.run.encoded;
  assert.equal(encoded.images, 0, 'second run encodes zero images');
  assert.equal(encoded.texts, 0);
});

test("the tutorial's lesson holds: its descriptors beat the class names, by more than chance", async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-cli-tutorial-'));
  const tutorial = path.join(ROOT, 'examples/tutorial.lensnb');
  const r = await cli(['run', tutorial, '--out', tmp, '--cache', path.join(tmp, 'cache'), '--device', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  const results = JSON.parse(await fs.readFile(path.join(tmp, 'results.json'), 'utf8')) as Results;
  const score = results.cells.find((c) => c.step === 'score' && c.name === 'tutorial')!;
  const variant = (name: string) => (score.result!.variants as Record<string, any>[]).find((v) => v.name === name)!;
  const names = variant('names');
  const mine = variant('mine');
  // The tutorial's text quotes these figures (0.54, 0.94, 32 images, about +0.26).
  assert.ok(
    mine.metrics.accuracy - names.metrics.accuracy >= 0.2,
    `mine ${mine.metrics.accuracy} vs names ${names.metrics.accuracy}`,
  );
  assert.equal(mine.comparison.mcnemar.baselineOnly, 0);
  assert.ok(mine.comparison.mcnemar.p < 0.001, `McNemar p = ${mine.comparison.mcnemar.p}`);
  assert.ok(mine.comparison.auroc.mean.low > 0.15, JSON.stringify(mine.comparison.auroc.mean));
});

test('a failing cell: non-zero exit naming the cell; later cells not run; results still written', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-cli-'));
  const nb = JSON.parse(await fs.readFile(DEMO, 'utf8'));
  const scoreCell = nb.cells.findIndex((c: any) => c.cell_type === 'code' && c.source.join('').startsWith('score:'));
  const modelCell = nb.cells.findIndex((c: any) => c.cell_type === 'code' && c.source.join('').startsWith('model:'));
  nb.cells[modelCell].source = ['model: demo\n', 'path: ../models/nowhere\n'];
  const file = path.join(tmp, 'broken.lensnb');
  await fs.cp(path.join(ROOT, 'examples/data'), path.join(tmp, 'data'), { recursive: true });
  await fs.writeFile(file, JSON.stringify(nb));
  const res = await cli(['run', file, '--out', path.join(tmp, 'out'), '--cache', path.join(tmp, 'cache')]);
  assert.equal(res.code, 1);
  assert.match(
    res.stderr,
    new RegExp(`Cell ${modelCell + 1} \\(model: demo\\) failed: line 2, field \`path\`: .*does not exist`),
  );
  const results = JSON.parse(await fs.readFile(path.join(tmp, 'out', 'results.json'), 'utf8')) as Results;
  const score = results.cells.find((c) => c.index === scoreCell)!;
  assert.equal(score.ok, false);
  assert.match(score.error!, /not run/);
});

test('usage errors exit 2 with the usage text', async () => {
  const res = await cli(['run']);
  assert.equal(res.code, 2);
  assert.match(res.stderr, /Which notebook\?[\s\S]*Usage: symptom-lens run/);
  const bad = await cli(['run', DEMO, '--device', 'tpu']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--device must be auto, cuda, webgpu, cpu \(got "tpu"\)/);
});

test('--help and --version', async () => {
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: symptom-lens run NOTEBOOK\.lensnb/);
  assert.match(help.stdout, /--version/);
  assert.equal((await cli(['run', '--help'])).stdout, help.stdout);
  const version = await cli(['--version']);
  assert.equal(version.code, 0);
  const { version: expected } = JSON.parse(await fs.readFile(path.join(ROOT, 'package.json'), 'utf8'));
  assert.equal(version.stdout.trim(), `symptom-lens ${expected}`);
});

test('installed as users install it (npm install -g into a prefix, as npm link does), it runs a notebook in another folder; results name files relative to the notebook', async () => {
  const tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'sl-installed-')));
  const prefix = path.join(tmp, 'prefix');
  await run(
    'npm',
    ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', '--ignore-scripts', ROOT],
    {
      cwd: tmp,
    },
  );
  const bin = path.join(prefix, 'bin', 'symptom-lens');

  // A study folder elsewhere: images beside the notebook (one of them broken), models one level up.
  const study = path.join(tmp, 'study');
  await fs.cp(path.join(ROOT, 'examples/data'), path.join(study, 'nb/data'), { recursive: true });
  await fs.symlink(path.join(ROOT, 'models'), path.join(study, 'models'));
  await fs.writeFile(path.join(study, 'nb/data/normal/broken.png'), 'not an image');
  await fs.appendFile(path.join(study, 'nb/data/labels.csv'), 'normal/broken.png,normal,,,,\n');
  const cells = [
    'images: cxr\nfrom: data/labels.csv',
    'model: demo\npath: ../models/demo\ndevice: cpu',
    'descriptors: names\nclasses: { normal: [], effusion: [], cardiomegaly: [], nodule: [], pneumothorax: [] }',
    'score: s\nimages: cxr\nmodel: demo\ndescriptors: names',
    'model: gone\npath: ../models/nowhere',
  ];
  const notebook = {
    cells: cells.map((c) => ({ cell_type: 'code', metadata: {}, source: [c], execution_count: null, outputs: [] })),
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
  await fs.writeFile(path.join(study, 'nb/study.lensnb'), JSON.stringify(notebook));

  let res: { code: number; stdout: string; stderr: string };
  try {
    const { stdout, stderr } = await run(
      bin,
      ['run', 'study/nb/study.lensnb', '--out', 'out', '--cache', 'cache', '--quiet'],
      { cwd: tmp, maxBuffer: 64 << 20 },
    );
    res = { code: 0, stdout, stderr };
  } catch (e) {
    res = e as { code: number; stdout: string; stderr: string };
  }
  // The last cell fails on purpose, naming the folder as the cell wrote it.
  assert.equal(res.code, 1, res.stderr);
  assert.match(
    res.stderr,
    /Cell 5 \(model: gone\) failed: line 2, field `path`: .*"\.\.\/models\/nowhere" does not exist/,
  );
  assert.ok(!res.stderr.includes(tmp), `no machine path in the message:\n${res.stderr}`);
  const text = await fs.readFile(path.join(tmp, 'out', 'results.json'), 'utf8');
  assert.ok(!text.includes(tmp), 'results.json holds no path of this machine');
  const results = JSON.parse(text) as Results;
  assert.equal(results.notebook, 'study.lensnb');
  assert.deepEqual(
    results.cells.map((c) => c.ok),
    [true, true, true, true, false],
  );
  const skipped = results.cells[0].result!.skipped as { id: string; reason: string }[];
  assert.deepEqual(
    skipped.map((s) => s.id),
    ['data/normal/broken.png'],
  );
  assert.match(skipped[0].reason, /^data\/normal\/broken\.png: /);
  const predictions = results.cells[3].result!.variants[0].predictions as { image: string }[];
  assert.ok(predictions.every((p) => p.image.startsWith('data/')));
});
