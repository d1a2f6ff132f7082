// `fewshot: NAME` — learn from k labels per class on frozen embeddings and compare with zero-shot
// (docs/methods.md, "Few-shot"): a learning curve per method over the shot settings, each point the
// mean and 95 % band of seeded repeats, the descriptors' zero-shot result as the line to beat,
// and the descriptor weights the data learned (ViP's learned merge of visual symptoms).
import { planTexts, scoreImages } from '../../scoring/recipes';
import { learningCurve, stratifiedSplit, type ShotSetting } from '../../scoring/fewshot';
import { MIME } from '../../protocol/mime';
import type { ImageEntry, ImageSet } from '../../protocol/dataset';
import { FEWSHOT_METHODS, type FewshotMethod, type FewshotResult } from '../../protocol/fewshot';
import { checkClasses, fieldError, lookup, md, num, pct, sessionKey } from './common';
import { embedImages, embedTexts } from './embed';
import { checkImportedModel } from './importedEmbeddings';
import { defineStep, type StepContext } from './step';

const METRICS = { 'balanced-accuracy': 'balancedAccuracy', accuracy: 'accuracy', auroc: 'macroAuroc' } as const;
const DEFAULT_SHOTS = [1, 4, 16];
const DEFAULT_SPLIT = 0.5;
/** Strong enough that one shot per class cannot undo a good zero-shot classifier (measured on the demo). */
const DEFAULT_C_INIT = 0.02;

export const fewshotStep = defineStep({
  schema: {
    step: 'fewshot',
    summary: 'Few-shot learning curve on frozen embeddings (linear probe, descriptor weights), against zero-shot',
    nameDescription: 'a name for this learning curve',
    options: {
      images: {
        type: 'string',
        required: true,
        refersTo: 'images',
        description: 'the image set training shots are drawn from',
      },
      test: {
        type: 'string',
        refersTo: 'images',
        description: 'another image set to test on; default: a seeded stratified split of `images` (see split)',
      },
      split: {
        type: 'number',
        default: DEFAULT_SPLIT,
        description: 'without `test`: the share of each class held out for testing',
      },
      model: {
        type: 'string',
        required: true,
        refersTo: 'model',
        description: 'the model whose cached embeddings are the features',
      },
      descriptors: {
        type: 'string',
        required: true,
        refersTo: 'descriptors',
        description:
          'the descriptor set of the zero-shot baseline, the descriptor-weights features and the zero-shot-init start',
      },
      shots: {
        type: 'any',
        default: DEFAULT_SHOTS,
        description: 'training images per class, e.g. [1, 4, 16], or a share of the training pool such as 10%',
      },
      repeats: { type: 'integer', default: 10, description: 'draws of the shots per setting (the band is over these)' },
      methods: {
        type: 'string-or-list',
        enum: FEWSHOT_METHODS,
        default: [...FEWSHOT_METHODS],
        description: `what to learn: ${FEWSHOT_METHODS.join(', ')}`,
      },
      C: { type: 'number', default: 1, description: "inverse L2 strength, as scikit-learn's LogisticRegression C" },
      C_init: {
        type: 'number',
        default: DEFAULT_C_INIT,
        description:
          'C of zero-shot-init: how far the data may pull it from the zero-shot classifier (smaller stays closer)',
      },
      metric: {
        type: 'string',
        enum: Object.keys(METRICS),
        default: 'balanced-accuracy',
        description: 'the metric the curve draws (the table shows all three)',
      },
      seed: { type: 'integer', default: 0, description: 'seed of the split and of the shot draws' },
    },
  },
  async run(ctx) {
    const started = Date.now();
    const o = ctx.cell.options;
    const poolSet = lookup(ctx, 'images', String(o.images), 'images');
    const testSet = o.test === undefined || o.test === null ? undefined : lookup(ctx, 'images', String(o.test), 'test');
    const loaded = lookup(ctx, 'model', String(o.model), 'model');
    const model = loaded.model;
    const set = lookup(ctx, 'descriptors', String(o.descriptors), 'descriptors');
    for (const [s, field] of [[poolSet, 'images'], ...(testSet ? [[testSet, 'test']] : [])] as [ImageSet, string][]) {
      if (s.multiLabel)
        throw fieldError(
          ctx,
          field,
          `Image set "${s.name}" is multi-label; few-shot learning here needs one label per image.`,
          'Use a path,label set.',
        );
    }
    const classes = poolSet.classes;
    checkClasses(ctx, set, classes, 'descriptors');
    const seed = (o.seed as number | undefined) ?? 0;
    const repeats = (o.repeats as number | undefined) ?? 10;
    if (repeats < 1)
      throw fieldError(ctx, 'repeats', `repeats must be at least 1, not ${repeats}.`, 'e.g. repeats: 10');
    const C = (o.C as number | undefined) ?? 1;
    if (!(C > 0))
      throw fieldError(ctx, 'C', `C must be positive, not ${C}.`, 'e.g. C: 1 (smaller: stronger regularisation)');
    const cInit = (o.C_init as number | undefined) ?? DEFAULT_C_INIT;
    if (!(cInit > 0))
      throw fieldError(ctx, 'C_init', `C_init must be positive, not ${cInit}.`, `e.g. C_init: ${DEFAULT_C_INIT}`);
    const methods = readMethods(ctx);
    const split0 = splitImages(ctx, poolSet, testSet, classes, seed);
    const splitMethod = split0.splitMethod;
    const shots = readShots(ctx, split0.pool, classes);

    const sets = testSet ? [poolSet, testSet] : [poolSet];
    for (const flag of checkImportedModel(ctx, sets, model).flags) ctx.log(flag.message);
    const images = await embedImages(ctx, model, [...split0.pool, ...split0.test]);
    // Images found undecodable now are skipped by name, as the images cell skips files.
    const unreadable = new Set(images.unreadable.map((u) => u.entry));
    for (const u of images.unreadable)
      ctx.log(`fewshot: skipped ${u.entry.id}: ${u.reason.split(u.entry.path).join(u.entry.id)}`);
    const pool = split0.pool.filter((e) => !unreadable.has(e));
    const test = split0.test.filter((e) => !unreadable.has(e));
    const plan = planTexts(set, 'mean', { classes });
    const texts = await embedTexts(ctx, model, plan.texts);
    const textVector = new Map(plan.texts.map((t, i) => [t, normalised(texts.vectors[i])] as const));
    const embeddings = images.vectors.map(normalised);
    const scored = scoreImages(plan, embeddings, textVector);
    const classDirections = plan.perClass.map((c) => meanOf(c.columns.map((col) => textVector.get(col.text)!)));
    const label = (e: ImageEntry) => classes.indexOf(e.label!);
    const split = (from: number, entries: ImageEntry[]) => ({
      labels: entries.map(label),
      embeddings: embeddings.slice(from, from + entries.length),
      similarities: scored.similarity.slice(from, from + entries.length),
    });

    const fits = shots.length * repeats * methods.length;
    ctx.progress(`Fitting ${fits} models`, 0);
    const curve = await learningCurve(
      {
        classes,
        pool: split(0, pool),
        test: split(pool.length, test),
        columns: scored.columns.map((c) => ({ class: classes.indexOf(c.class), text: c.text })),
        classDirections,
        shots,
        methods,
        repeats,
        C,
        cInit,
        seed,
      },
      { signal: ctx.signal, onFit: (done, total) => ctx.progress(`Fitted ${done} of ${total} models`, done / total) },
    );
    const result: FewshotResult = {
      name: ctx.cell.name,
      images: poolSet.name,
      test: testSet?.name ?? null,
      split: { method: splitMethod, pool: pool.length, test: test.length },
      model: loaded.name,
      descriptors: set.name,
      classes,
      methods,
      repeats,
      C,
      cInit,
      metric: METRICS[((o.metric as string | undefined) ?? 'balanced-accuracy') as keyof typeof METRICS],
      ...curve,
      run: {
        modelFingerprint: model.fingerprint,
        provider: model.provider,
        imageSetHashes: Object.fromEntries([poolSet, ...(testSet ? [testSet] : [])].map((s) => [s.name, s.hash])),
        descriptorSetHash: set.hash,
        seed,
        solver:
          'multinomial logistic regression, L2 (C), L-BFGS to a gradient of 1e-9; features standardised on the training pool',
        encoded: { images: images.encoded, texts: texts.encoded },
        startedAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
      },
    };
    ctx.log(`fewshot ${result.name}: ${fits} fits in ${result.run.durationMs} ms`);
    return {
      result,
      outputs: [{ mime: MIME.fewshot, data: result, markdown: fewshotMarkdown(result) }],
      dependsOn: [
        sessionKey('images', poolSet.name),
        ...(testSet ? [sessionKey('images', testSet.name)] : []),
        sessionKey('model', loaded.name),
        sessionKey('descriptors', set.name),
      ],
    };
  },
});

function readMethods(ctx: StepContext): FewshotMethod[] {
  const raw = ctx.cell.options.methods;
  const list = raw === undefined || raw === null ? [...FEWSHOT_METHODS] : Array.isArray(raw) ? raw : [raw];
  list.forEach((m, i) => {
    if (!(FEWSHOT_METHODS as readonly string[]).includes(String(m)))
      throw fieldError(
        ctx,
        Array.isArray(raw) ? `methods.${i}` : 'methods',
        `Unknown method "${String(m)}".`,
        `Methods: ${FEWSHOT_METHODS.join(', ')}.`,
      );
  });
  if (list.length === 0)
    throw fieldError(ctx, 'methods', 'No method listed.', `e.g. methods: [${FEWSHOT_METHODS.join(', ')}]`);
  return [...new Set(list.map(String))] as FewshotMethod[];
}

function splitImages(
  ctx: StepContext,
  poolSet: ImageSet,
  testSet: ImageSet | undefined,
  classes: string[],
  seed: number,
) {
  if (testSet) {
    const unknown = testSet.entries.find((e) => !classes.includes(e.label!));
    if (unknown)
      throw fieldError(
        ctx,
        'test',
        `Test image ${unknown.id} is labelled "${unknown.label}", which image set "${poolSet.name}" has no image of.`,
        `Its classes: ${classes.join(', ')}.`,
      );
    const seen = new Set(testSet.entries.map((e) => e.contentHash));
    const shared = poolSet.entries.filter((e) => seen.has(e.contentHash)).length;
    if (shared > 0)
      throw fieldError(
        ctx,
        'test',
        `${shared} images of "${testSet.name}" are also in "${poolSet.name}": a model would be tested on images it may have trained on.`,
        'Use disjoint sets, or leave out `test` to split one set.',
      );
    return {
      pool: poolSet.entries,
      test: testSet.entries,
      splitMethod: `all of "${poolSet.name}" for training, "${testSet.name}" for testing`,
    };
  }
  const fraction = (ctx.cell.options.split as number | undefined) ?? DEFAULT_SPLIT;
  if (!(fraction > 0 && fraction < 1))
    throw fieldError(
      ctx,
      'split',
      `split must lie between 0 and 1, not ${fraction}.`,
      `e.g. split: ${DEFAULT_SPLIT} (half of each class for testing)`,
    );
  const labels = poolSet.entries.map((e) => classes.indexOf(e.label!));
  const small = classes.find((c, k) => labels.filter((l) => l === k).length < 2);
  if (small !== undefined)
    throw fieldError(
      ctx,
      'images',
      `Class "${small}" has fewer than 2 images: it cannot be split into training and test images.`,
      'Add images, or give a separate `test:` set.',
    );
  const { pool, test } = stratifiedSplit(labels, classes.length, fraction, seed);
  return {
    pool: pool.map((i) => poolSet.entries[i]),
    test: test.map((i) => poolSet.entries[i]),
    splitMethod: `seeded stratified split of "${poolSet.name}": ${Math.round(fraction * 100)} % of each class for testing`,
  };
}

function readShots(ctx: StepContext, pool: ImageEntry[], classes: string[]): ShotSetting[] {
  const raw = ctx.cell.options.shots ?? DEFAULT_SHOTS;
  const list = Array.isArray(raw) ? raw : [raw];
  const available = classes.map((c) => pool.filter((e) => e.label === c).length);
  const smallest = Math.min(...available);
  const settings = list.map((item, i): ShotSetting => {
    const field = Array.isArray(raw) ? `shots.${i}` : 'shots';
    const text = String(item).trim();
    const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
    if (percent && Number(percent[1]) > 0 && Number(percent[1]) <= 100)
      return { label: `${Number(percent[1])}%`, percent: Number(percent[1]) };
    if (/^\d+$/.test(text) && Number(text) >= 1) {
      if (Number(text) > smallest) {
        const c = classes[available.indexOf(smallest)];
        throw fieldError(
          ctx,
          field,
          `${text} shots per class is more than class "${c}" has for training (${smallest}).`,
          `Use at most ${smallest}, a percentage such as 10%, or more images.`,
        );
      }
      return { label: text, count: Number(text) };
    }
    throw fieldError(
      ctx,
      field,
      `"${text}" is neither a number of images per class nor a percentage.`,
      'e.g. shots: [1, 4, 16, 10%]',
    );
  });
  if (settings.length === 0) throw fieldError(ctx, 'shots', 'No shot setting listed.', 'e.g. shots: [1, 4, 16]');
  return settings;
}

function normalised(v: ArrayLike<number>): Float32Array {
  const norm = Math.hypot(...Array.from(v)) || 1;
  return Float32Array.from(v, (x) => x / norm);
}

function meanOf(vectors: Float32Array[]): Float32Array {
  const out = new Float32Array(vectors[0].length);
  for (const v of vectors) for (let j = 0; j < v.length; j++) out[j] += v[j] / vectors.length;
  return out;
}

function fewshotMarkdown(r: FewshotResult): string {
  const metric = r.metric;
  return [
    `**fewshot: ${md(r.name)}** — ${r.methods.map(md).join(', ')} on "${md(r.images)}" (${r.split.pool} training, ${r.split.test} test images), ${r.repeats} repeats, C ${r.C}`,
    '',
    `Zero-shot ("${md(r.descriptors)}", mean recipe): accuracy ${pct(r.zeroShot.accuracy)}, balanced accuracy ${pct(r.zeroShot.balancedAccuracy)}, macro AUROC ${num(r.zeroShot.macroAuroc)}.`,
    '',
    '| method | shots per class | accuracy | balanced accuracy | macro AUROC |',
    '| --- | --- | ---: | ---: | ---: |',
    ...r.points.map(
      (p) =>
        `| ${md(p.method)} | ${md(p.shots)} | ${pct(p.accuracy.mean)} ± ${pct(p.accuracy.sd)} | ${pct(p.balancedAccuracy.mean)} ± ${pct(p.balancedAccuracy.sd)} | ${num(p.macroAuroc?.mean)} ± ${num(p.macroAuroc?.sd)} |`,
    ),
    '',
    `The curve shows ${metric} (mean and 2.5–97.5 % of the repeats).`,
  ].join('\n');
}
