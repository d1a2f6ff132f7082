// The explain step on the demo model and the held-out phantoms: real ONNX sessions, real files,
// and a ground truth to check the occlusion map against (each finding's recorded lesion box).
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { EmbeddingCache } from '../../src/cache/embeddingCache';
import type { ExplainResult, ScoreResult } from '../../src/protocol/results';
import { DESCRIPTORS, lesions, MODEL, peakInLesion, PHANTOMS, subset } from '../fixtures/explain-fixture';
import { PYTHON } from '../fixtures/clipFixtures';

/** Images checked per finding: enough for a rate, few enough for well under a minute on 2 cores. */
const PER_FINDING = 5;
/**
 * The peak cell's centre may lie this many pixels (of the 128-px phantom) outside the lesion box:
 * a stride-8 cell is 8 px, so a peak on the lesion's edge can centre 4 px off it.
 */
const MARGIN_PX = 4;
/**
 * Measured on the committed demo model (patch 24, stride 8): 20 of these 20 peaks on the lesion,
 * and 80 of all 80 held-out findings (76 of 80 with no margin). Asserted with slack: 75 % overall
 * and a majority of every finding.
 */
const MIN_HIT_RATE = 0.75;
const MIN_HITS_PER_FINDING = 3;
/**
 * The patch-token map of the same runs: one 16-px token per cell, so a peak may centre half a cell
 * (8 px) off the lesion. It localises worse than occlusion on the demo model (its last features
 * mix a wide neighbourhood; the max-pooled path, not each token, carries a small lesion). Measured:
 * 9 of these 20 (pneumothorax 4/5, cardiomegaly 4/5, effusion 1/5, nodule 0/5), where a token
 * drawn at random would hit 17 %. Asserted: at least twice what random tokens would hit.
 */
const PATCH_MARGIN_PX = 8;
const PATCH_OVER_CHANCE = 2;

async function must(kernel: Kernel, id: string, source: string) {
  const out = await kernel.runCell(id, source);
  assert.ok(out.ok, `cell ${id} failed: ${out.error}`);
  return out;
}

async function scoredKernel(t: { after: (fn: () => Promise<void>) => void }, model = MODEL): Promise<Kernel> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-explain-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  EmbeddingCache.clearMemory();
  const kernel = new Kernel({ notebookPath: path.join(PHANTOMS, 'nb.lensnb'), cacheDir: path.join(dir, 'cache') });
  await must(kernel, 'images', 'images: held-out\nfrom: labels.csv\n');
  await must(kernel, 'model', `model: demo\npath: ${JSON.stringify(model)}\ndevice: cpu\n`);
  await must(
    kernel,
    'names',
    'descriptors: names\nclasses: {normal: [], effusion: [], cardiomegaly: [], nodule: [], pneumothorax: []}\n',
  );
  await must(kernel, 'v1', DESCRIPTORS);
  await must(
    kernel,
    'score',
    'score: cmp\nimages: held-out\nmodel: demo\ndescriptors: [names, v1]\ncontrols: [shuffled]\n',
  );
  return kernel;
}

test('the occlusion peak for the true class falls inside the lesion box for most phantoms', async (t) => {
  const kernel = await scoredKernel(t);
  try {
    const checked = subset(lesions(), PER_FINDING);
    assert.equal(checked.length, 4 * PER_FINDING, 'four findings with lesion boxes');
    const hits = new Map<string, number>();
    const misses: string[] = [];
    const patchHits = new Map<string, number>();
    let chance = 0;
    for (const [i, lesion] of checked.entries()) {
      const out = await must(
        kernel,
        `explain-${i}`,
        `explain: e${i}\nscore: cmp\nvariant: v1\nimage: ${lesion.path}\ntarget: ${lesion.label}\npatch: 24\nstride: 8\n`,
      );
      const r = out.result as ExplainResult;
      assert.equal(r.occlusion.target.class, lesion.label);
      if (peakInLesion(r.occlusion.peak.box, lesion.box, MARGIN_PX))
        hits.set(lesion.label, (hits.get(lesion.label) ?? 0) + 1);
      else misses.push(`${lesion.path}: peak ${r.occlusion.peak.box.join(',')} vs lesion ${lesion.box.join(',')}`);
      const patch = r.maps!.find(
        (m) => m.method === 'patch-tokens' && m.target.kind === 'class' && m.target.class === lesion.label,
      )!;
      if (peakInLesion(patch.peak.box, lesion.box, PATCH_MARGIN_PX))
        patchHits.set(lesion.label, (patchHits.get(lesion.label) ?? 0) + 1);
      // The share of tokens whose centre lies on the lesion (± the margin): a random peak's hit rate.
      const side = patch.heatmap.length;
      const cell = r.imageSize.width / side;
      const cells = Array.from({ length: side * side }, (_, k) => [(k % side) * cell, Math.floor(k / side) * cell]);
      chance +=
        cells.filter(([x, y]) => peakInLesion([x, y, x + cell, y + cell], lesion.box, PATCH_MARGIN_PX)).length /
        cells.length /
        checked.length;
    }
    const rate = [...hits.values()].reduce((a, b) => a + b, 0) / checked.length;
    const perFinding = Object.fromEntries(
      ['effusion', 'cardiomegaly', 'nodule', 'pneumothorax'].map((f) => [f, `${hits.get(f) ?? 0}/${PER_FINDING}`]),
    );
    console.log(
      `occlusion peak inside the lesion box (±${MARGIN_PX} px): ${(rate * 100).toFixed(0)} % — ${JSON.stringify(perFinding)}`,
    );
    assert.ok(rate >= MIN_HIT_RATE, `hit rate ${rate} < ${MIN_HIT_RATE}; misses:\n${misses.join('\n')}`);
    const patchRate = [...patchHits.values()].reduce((a, b) => a + b, 0) / checked.length;
    const patchPerFinding = JSON.stringify(Object.fromEntries(patchHits));
    console.log(
      `patch-token peak inside the lesion box (±${PATCH_MARGIN_PX} px): ${(patchRate * 100).toFixed(0)} % (random tokens: ${(chance * 100).toFixed(0)} %) — ${patchPerFinding}`,
    );
    assert.ok(
      patchRate >= PATCH_OVER_CHANCE * chance,
      `patch-token hit rate ${patchRate} vs chance ${chance}: ${patchPerFinding}`,
    );
    for (const [finding, n] of Object.entries(perFinding)) {
      assert.ok(
        (hits.get(finding) ?? 0) >= MIN_HITS_PER_FINDING,
        `${finding}: ${n} peaks on the lesion; misses:\n${misses.join('\n')}`,
      );
    }
  } finally {
    await kernel.dispose();
  }
});

test('explain output: bars sorted, margin, heatmap grid, picture only in the output', async (t) => {
  const kernel = await scoredKernel(t);
  try {
    const score = kernel.session.scores.get('cmp') as ScoreResult;
    const out = await must(kernel, 'explain', 'explain: first\nscore: cmp\nimage: 0\npatch: 32\nstride: 16\n');
    const r = out.result as ExplainResult;
    const v1 = score.variants[1];
    assert.equal(score.variants[2].control, 'shuffled');
    assert.equal(r.variant, 'v1', 'the last descriptor variant by default, not a control');
    assert.equal(r.image, v1.predictions[0].image);
    assert.equal(r.predicted, v1.predictions[0].predicted);
    assert.equal(r.occlusion.target.kind, 'class');
    assert.equal(r.occlusion.target.class, r.predicted, 'the predicted class by default');
    // Classes best first, each with its descriptors highest first, as the score computed them.
    assert.equal(r.classes[0].class, r.predicted);
    assert.deepEqual(
      r.classes.map((c) => c.score),
      [...r.classes.map((c) => c.score)].sort((a, b) => b - a),
    );
    for (const c of r.classes) {
      assert.deepEqual(
        c.descriptors.map((d) => d.similarity),
        [...c.descriptors.map((d) => d.similarity)].sort((a, b) => b - a),
      );
      assert.equal(c.descriptors.length, v1.descriptors[c.class].length);
    }
    assert.equal(r.runnerUp, r.classes[1].class);
    // One margin everywhere: true class − best other class (negative when the image is misclassified).
    const trueScore = r.classes.find((c) => c.class === r.label)!.score;
    const bestOther = Math.max(...r.classes.filter((c) => c.class !== r.label).map((c) => c.score));
    assert.ok(Math.abs(r.margin! - (trueScore - bestOther)) < 1e-4);
    // 128-px input, 32-px patch every 16 px: 7 × 7 positions; 8 × 8 heatmap cells of 16 px.
    assert.equal(r.occlusion.inputSize, 128);
    assert.equal(r.occlusion.drops.length, 7);
    assert.equal(r.occlusion.heatmap.length, 8);
    assert.equal(r.run.encoded.images, 51, 'the image, 49 occluded copies, and the image once more for its tokens');
    assert.equal(r.run.encoded.texts, 0, "the target texts come from the score run's cache");
    // A map per class and per descriptor (v1: 5 classes, 11 descriptors) and per method.
    const targets = Object.entries(v1.descriptors).flatMap(([cls, ds]) => [
      `class ${cls}`,
      ...ds.map((d) => `descriptor ${d}`),
    ]);
    assert.deepEqual(
      r.maps!.map((m) => `${m.method} ${m.target.kind} ${m.target.text}`),
      ['occlusion', 'patch-tokens'].flatMap((method) => targets.map((t) => `${method} ${t}`)),
    );
    // The demo's 8×8 token grid over the 128-px input: 16-px cells.
    const patch = r.maps!.find((m) => m.method === 'patch-tokens')!;
    assert.deepEqual([patch.heatmap.length, patch.heatmap[0].length, patch.cell], [8, 8, 16]);
    assert.equal(patch.peak.value, Math.max(...patch.heatmap.flat()));
    const own = r.maps!.find((m) => m.target.kind === 'class' && m.target.class === r.predicted)!;
    assert.deepEqual(own.heatmap, r.occlusion.heatmap);
    assert.equal(own.cell, 16);
    assert.notDeepEqual(r.maps![0].heatmap, r.maps![2].heatmap, 'targets map differently');
    assert.deepEqual(r.patchTokens, {
      available: true,
      reason:
        'The vision graph exports patch_embeds: each patch token projected into the joint space as the pooled image is.',
    });
    assert.match(out.outputs[0].markdown, /16 occlusion, 16 patch-tokens — one per class and per descriptor/);
    const maxCell = Math.max(...r.occlusion.heatmap.flat());
    assert.equal(r.occlusion.peak.drop, maxCell);
    assert.deepEqual(r.occlusion.inputBox, [0, 0, 128, 128], 'the phantoms are already the input size');
    // The result for results.json has no picture; the output does, as a small JPEG.
    assert.ok(!('thumbnail' in r));
    const data = out.outputs[0].data as ExplainResult & { thumbnail: string };
    assert.equal(out.outputs[0].mime, 'application/vnd.symptom-lens.explain+json');
    assert.match(data.thumbnail, /^data:image\/jpeg;base64,/);
    assert.ok(data.thumbnail.length < 20_000, `picture ${data.thumbnail.length} chars`);
    assert.match(out.outputs[0].markdown, /Predicted \*\*/);
    assert.match(out.outputs[0].markdown, /margin = true class − best other class: -?\d\.\d{4}/);

    // A descriptor as the target: its one sentence is embedded, under its class.
    const byDescriptor = await must(
      kernel,
      'explain-d',
      'explain: d\nscore: cmp\nimage: 0\nvariant: v1\ntarget: enlarged heart shadow\npatch: 32\nstride: 16\n',
    );
    const target = (byDescriptor.result as ExplainResult).occlusion.target;
    // The first run mapped that descriptor too, from the same occluded copies: the same heatmap.
    const fromFirst = r.maps!.find((m) => m.target.kind === 'descriptor' && m.target.text === 'enlarged heart shadow');
    assert.deepEqual(fromFirst?.heatmap, (byDescriptor.result as ExplainResult).occlusion.heatmap);
    assert.deepEqual(target, {
      kind: 'descriptor',
      class: 'cardiomegaly',
      text: 'enlarged heart shadow',
      embedded: ['cardiomegaly, which has enlarged heart shadow'],
    });

    // Progress counts the occluded copies; an interrupt stops the batch loop within a batch.
    const controller = new AbortController();
    const progress: string[] = [];
    const cancelled = await kernel.runCell('explain-c', 'explain: c\nscore: cmp\nimage: 1\npatch: 8\nstride: 2\n', {
      signal: controller.signal,
      progress: (message, fraction) => {
        progress.push(message);
        if (fraction !== undefined && fraction > 0) controller.abort();
      },
    });
    assert.equal(cancelled.cancelled, true);
    // 61 × 61 positions + the image; aborted after the first batch of 16.
    assert.match(progress[0], /^Occluding .*: 3722 copies$/);
    assert.deepEqual(progress.slice(1), [`Occluding ${v1.predictions[1].image}: 16/3722 copies`]);

    // Re-running the descriptors cell marks the explanation stale along with the score.
    await must(kernel, 'v1', DESCRIPTORS.replace('clear lung fields', 'clear lungs'));
    assert.ok(kernel.staleCells().includes('explain'));
    const stale = await kernel.runCell('explain', 'explain: first\nscore: cmp\nimage: 0\n');
    assert.equal(stale.ok, false);
    assert.match(stale.error!, /Descriptor set "v1" has changed since score "cmp" ran.*Re-run/);
  } finally {
    await kernel.dispose();
  }
});

test('a vision graph without patch_embeds: occlusion maps only, and the output says why', async (t) => {
  // The demo model with its patch_embeds output taken away: last_hidden_state stays, unprojected.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-no-patches-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  await fs.cp(MODEL, dir, { recursive: true });
  const graph = path.join(dir, 'onnx', 'vision_model.onnx');
  execFileSync(PYTHON, [
    '-c',
    'import onnx, sys; m = onnx.load(sys.argv[1]); out = m.graph.output; ' +
      "[out.remove(o) for o in list(out) if o.name == 'patch_embeds']; onnx.save(m, sys.argv[1])",
    graph,
  ]);
  const kernel = await scoredKernel(t, dir);
  try {
    const out = await must(kernel, 'explain', 'explain: plain\nscore: cmp\nimage: 0\npatch: 32\nstride: 16\n');
    const r = out.result as ExplainResult;
    assert.equal(r.patchTokens?.available, false);
    assert.match(r.patchTokens!.reason, /exports last_hidden_state but not patch_embeds .*occlusion only/);
    assert.deepEqual(new Set(r.maps!.map((m) => m.method)), new Set(['occlusion']));
    assert.equal(r.maps!.length, 16);
    assert.equal(r.run.encoded.images, 50, 'no extra encoding for tokens');
    assert.match(
      out.outputs[0].markdown,
      /16 occlusion — one per class and per descriptor\. The vision graph exports last\\_hidden/,
    );
  } finally {
    await kernel.dispose();
  }
});

test('explain errors name the field and say what to do', async (t) => {
  const kernel = await scoredKernel(t);
  try {
    const n = kernel.session.scores.get('cmp')!.variants[0].predictions.length;
    const cases: [string, RegExp][] = [
      [
        'image: missing/effusion-999.png',
        /^line 3, field `image`: "missing\/effusion-999\.png" is not in image set "held-out" that score "cmp" ran on .*index from 0 to \d+, e\.g\. "image: \d+"/,
      ],
      [
        `image: ${n}`,
        new RegExp(
          `^line 3, field \`image\`: There is no image ${n} in score "cmp": it has ${n} images\\. Use an index from 0 to ${n - 1}`,
        ),
      ],
      [
        'image: 0\ntarget: pneumonia',
        /^line 4, field `target`: "pneumonia" is neither a class \(.*effusion.*\) nor a descriptor of this variant\. Use a class name, or one descriptor exactly as written/,
      ],
      [
        'image: 0\npatch: 129',
        /^line 4, field `patch`: A patch of 129 px does not fit the model input \(128×128 px\)\. Use a patch from 1 to 128/,
      ],
      [
        'image: 0\npatch: 16\nstride: 20',
        /^line 5, field `stride`: A stride of 20 px leaves pixels between 16-px patches that are never occluded/,
      ],
      [
        'image: 0\nvariant: v2',
        /^line 4, field `variant`: Score "cmp" has no variant "v2"\. Its descriptor variants are "names", "v1"/,
      ],
      [
        'image: 0\nvariant: "control: shuffled"',
        /^line 4, field `variant`: "control: shuffled" is a control, .* Explain one of the descriptor variants: "names", "v1"/,
      ],
      ['image: 0\npatch: big', /^line 4, field `patch`/],
    ];
    for (const [i, [options, expected]] of cases.entries()) {
      const out = await kernel.runCell(`bad-${i}`, `explain: bad\nscore: cmp\n${options}\n`);
      assert.equal(out.ok, false, options);
      assert.match(out.error!, expected);
      assert.equal(out.outputs[0].mime, 'application/vnd.symptom-lens.error+json');
    }
    // The same file name in another folder: the suggestion points at it.
    const first = lesions()[0];
    const wrongFolder = await kernel.runCell(
      'bad-folder',
      `explain: bad\nscore: cmp\nimage: elsewhere/${path.basename(first.path)}\n`,
    );
    const index = kernel.session.scores.get('cmp')!.variants[0].predictions.findIndex((p) => p.image === first.path);
    assert.match(wrongFolder.error!, new RegExp(`e\\.g\\. "image: ${index}" for ${first.path.replace(/[.]/g, '\\.')}`));
    const noScore = await kernel.runCell('bad-score', 'explain: bad\nscore: nope\nimage: 0\n');
    assert.match(
      noScore.error!,
      /^line 2, field `score`: No score named "nope" has been defined\. Defined so far: cmp/,
    );
  } finally {
    await kernel.dispose();
  }
});
