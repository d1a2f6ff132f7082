// `score: NAME` — zero-shot scoring of descriptor variants on one image set.
// Data flow: image set → image embeddings (cache or ONNX) → text embeddings per descriptor
// (cache or ONNX) → similarities → recipe → per-class scores → metrics → one output.
import {
  classificationCIs,
  multiLabelCIs,
  pairedAurocComparison,
  type BootstrapOptions,
} from '../../metrics/bootstrap';
import { aurocIntervalMethod, DELONG_FROM_IMAGES, INTERVAL_CHOICES } from '../../metrics/delong';
import { tableDrawsFor } from '../../metrics/resample';
import { classificationMetrics, multiLabelMetrics } from '../../metrics/classification';
import { mcnemarExact } from '../../metrics/mcnemar';
import { rememberedAuroc } from '../../metrics/rememberedAuroc';
import { buildControl, CONTROLS, type ControlName } from '../../scoring/controls';
import { sanityFlags } from '../../scoring/flags';
import { planTexts, predictClasses, RECIPES, type RecipeScores, type TextPlan } from '../../scoring/recipes';
import { savedScores, type SavedScores } from '../../scoring/savedScores';
import { version as packageVersion } from '../../../package.json';
import { sameClasses } from '../../protocol/classes';
import { MIME } from '../../protocol/mime';
import { type DescriptorSet, type ImageSet } from '../../protocol/dataset';
import { type Prediction, type ScoreResult, type VariantResult } from '../../protocol/results';
import { checkClasses, fieldError, lookup, md, num, pct, sessionKey } from './common';
import { embedImageSet, embedTexts, stepCache } from './embed';
import { checkImportedModel } from './importedEmbeddings';
import { scoreOutputData } from './scoreOutput';
import { failureThumbnails } from './failureThumbnails';
import { defineStep } from './step';
import { PhaseTimer } from '../phases';
import { recordScoreRun } from '../../scoring/scoreRuns';
import { descriptorImportance, truthOf } from '../../scoring/importance';

/** One variant to score: a descriptor set, or a control's sets whose class scores are averaged. */
interface VariantPlan {
  name: string;
  control?: ControlName;
  /** The set whose descriptors the variant shows (a control's first seed). */
  shown: DescriptorSet;
  plans: TextPlan[];
}

export const scoreStep = defineStep({
  schema: {
    step: 'score',
    summary: 'Zero-shot scoring of descriptor variants on one image set',
    nameDescription: 'the name of this comparison',
    options: {
      images: {
        type: 'string',
        required: true,
        refersTo: 'images',
        description: 'the image set to score (an images cell name)',
      },
      model: {
        type: 'string',
        required: true,
        refersTo: 'model',
        description: 'the model to score with (a model cell name)',
      },
      descriptors: {
        type: 'string-or-list',
        required: true,
        refersTo: 'descriptors',
        description:
          'one descriptor set or a list of variants to compare, e.g. [names, v1]; the first is the baseline of the paired tests',
      },
      method: { type: 'string', enum: RECIPES, default: 'mean', description: 'a scoring recipe of docs/methods.md' },
      controls: {
        type: 'string-or-list',
        enum: CONTROLS,
        description: `control variants built from the last descriptor set: ${CONTROLS.join(', ')}`,
      },
      seed: { type: 'integer', default: 0, description: 'seed of the random controls and the bootstrap resamples' },
      intervals: {
        type: 'string',
        enum: INTERVAL_CHOICES,
        default: 'auto',
        description: `how AUROC intervals and paired AUROC tests are computed: bootstrap, delong, or auto (DeLong from ${DELONG_FROM_IMAGES.toLocaleString('en')} images)`,
      },
    },
  },
  async run(ctx) {
    const started = Date.now();
    const phases = new PhaseTimer(ctx.timing);
    const o = ctx.cell.options;
    let imageSet = lookup(ctx, 'images', o.images, 'images');
    const loaded = lookup(ctx, 'model', o.model, 'model');
    const model = loaded.model;
    const { method, seed } = o;
    const auroc = aurocIntervalMethod(o.intervals, imageSet.entries.length);
    const listed = Array.isArray(o.descriptors);
    const variantNames = Array.isArray(o.descriptors) ? o.descriptors : [o.descriptors];
    if (variantNames.length === 0)
      throw fieldError(ctx, 'descriptors', 'No descriptor set listed.', 'e.g. descriptors: [names, v1]');
    const sets = variantNames.map((n, i) => lookup(ctx, 'descriptors', n, listed ? `descriptors.${i}` : 'descriptors'));
    const classes = imageSet.classes;
    sets.forEach((set, i) => checkClasses(ctx, set, classes, listed ? `descriptors.${i}` : 'descriptors'));

    const variants: VariantPlan[] = sets.map((set) => ({
      name: set.name,
      shown: set,
      plans: [planTexts(set, method, { classes })],
    }));
    const controlNames = o.controls === undefined ? [] : Array.isArray(o.controls) ? o.controls : [o.controls];
    for (const name of controlNames) {
      const control = buildControl(name, sets[sets.length - 1], { classes, seed });
      variants.push({
        name: `control: ${name}`,
        control: name,
        shown: control.sets[0],
        plans: control.sets.map((s) => planTexts(s, method, { classes })),
      });
    }

    const importCheck = checkImportedModel(ctx, [imageSet], model);
    const cache = stepCache(ctx);
    const embedded = await phases.timeAsync('imageEmbeddings', () => embedImageSet(ctx, model, imageSet, cache));
    imageSet = embedded.set;
    const images = embedded.images;
    const allTexts = [...new Set(variants.flatMap((v) => v.plans.flatMap((p) => p.texts)))];
    ctx.progress(`Embedding ${allTexts.length} texts`);
    const texts = await phases.timeAsync('textEncode', () => embedTexts(ctx, model, allTexts, cache));
    const textEmbedding = new Map(allTexts.map((t, i) => [t, texts.vectors[i]] as const));

    ctx.progress(auroc === 'delong' ? 'Scoring, bootstrapping, DeLong intervals' : 'Scoring and bootstrapping');
    const scored = phases.time('scoring', () =>
      variants.map((v) => savedScores(v.plans, images.vectors, textEmbedding)),
    );
    const statistics = { seed, auroc, tableDraws: tableDrawsFor(auroc, imageSet.entries.length) };
    const results = variants.map((v, i) => variantResult(v, scored[i], imageSet, classes, statistics, phases));
    phases.time('intervals', () => compareWithFirst(results, scored, imageSet, classes, statistics));
    const truth = truthOf(imageSet);
    variants.forEach((v, i) => {
      if (v.control) return; // a control's words are placeholders, and random-words averages seven sets
      const input = { set: v.shown, method, classes, images: images.vectors, textEmbeddings: textEmbedding, truth };
      results[i].importance = phases.time('importance', () => descriptorImportance(input));
    });

    const classCounts = Object.fromEntries(
      classes.map((c) => [
        c,
        imageSet.entries.filter((e) => (e.label !== undefined ? e.label === c : e.labels?.[c] === 1)).length,
      ]),
    );
    const cacheNotes = cache.notes();
    const flags = [
      ...sanityFlags({
        sets: variants.map((v) => v.shown),
        classCounts,
        results: results.map((r) => ({ variant: r.name, auroc: r.metrics.auroc })),
      }),
      ...cacheNotes.map((message) => ({ severity: 'info' as const, kind: 'cache' as const, message })),
      ...importCheck.flags,
    ];
    const result: ScoreResult = {
      name: ctx.cell.name,
      images: imageSet.name,
      classes,
      method,
      variants: results,
      thumbnails: {},
      flags,
      multiLabel: imageSet.multiLabel,
      run: {
        modelFingerprint: model.fingerprint,
        model: loaded.name,
        modelSource: loaded.source,
        provider: model.provider,
        providerReason: model.providerReason,
        providersSkipped: model.providersSkipped,
        batchSize: model.batchSize,
        classOrder: classes,
        descriptorSetHashes: Object.fromEntries(
          variants.flatMap((v) => (v.plans.length === 1 ? [[v.name, v.shown.hash]] : [])),
        ),
        imageSetHash: imageSet.hash,
        method,
        packageVersion,
        encoded: { images: images.encoded, texts: texts.encoded },
        ...(cacheNotes.length ? { cacheNotes } : {}),
        ...(importCheck.embeddings ? { embeddings: importCheck.embeddings } : {}),
        seed,
        aurocIntervals: auroc,
        startedAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
      },
    };
    const { thumbnails: _none, ...current } = result;
    void _none;
    Object.assign(
      result,
      await phases.timeAsync('changes', () => recordScoreRun(ctx.cacheDir, ctx.notebookPath, current, seed)),
    );
    const flipped = (result.changes?.variants ?? []).flatMap((v) => v.flipped.map((f) => f.image));
    result.thumbnails = await phases.timeAsync('thumbnails', () =>
      failureThumbnails(ctx, imageSet.entries, results, flipped),
    );
    ctx.session.scores.set(result.name, result);
    ctx.log(
      `score ${result.name}: encoded ${images.encoded} images and ${texts.encoded} texts (the rest from the cache)`,
    );
    const { thumbnails: _t, ...forResults } = result;
    void _t;
    const outputs = [{ mime: MIME.score, data: scoreOutputData(ctx, result), markdown: scoreMarkdown(result) }];
    phases.report();
    return {
      result: forResults,
      outputs,
      dependsOn: [
        sessionKey('images', imageSet.name),
        sessionKey('model', loaded.name),
        ...sets.map((s) => sessionKey('descriptors', s.name)),
      ],
      defines: sessionKey('score', result.name),
    };
  },
});

/** Predictions and metrics (with bootstrap or DeLong CIs) of one scored variant. */
function variantResult(
  v: VariantPlan,
  s: SavedScores,
  imageSet: ImageSet,
  classes: string[],
  statistics: BootstrapOptions,
  phases: PhaseTimer,
): VariantResult {
  const entries = imageSet.entries;
  // Properties added in one order give every map one shape; integer-like class names still
  // enumerate first, as they would from Object.fromEntries. An assignment to "__proto__" would
  // set the prototype instead of a property.
  const plainKeys = !classes.includes('__proto__');
  const scoreMap = (i: number) => {
    if (!plainKeys) return Object.fromEntries(classes.map((c, k) => [c, s.byClass[k][i]]));
    const map: Record<string, number> = {};
    for (let k = 0; k < classes.length; k++) map[classes[k]] = s.byClass[k][i];
    return map;
  };
  // Unchanged saved columns are the previous run's arrays, so their AUROC is remembered.
  const aurocOf = (c: number, isPositive: Uint8Array) => rememberedAuroc(isPositive, s.byClass[c]);
  let metrics: VariantResult['metrics'];
  let predictions: Prediction[];
  if (imageSet.multiLabel) {
    const labels = entries.map((e) => classes.map((c) => e.labels?.[c] ?? 0));
    const m = phases.time('metrics', () => multiLabelMetrics(labels, s.scores, classes, s.present, aurocOf));
    const ci = phases.time('intervals', () => multiLabelCIs(labels, s.scores, classes, statistics));
    metrics = {
      accuracy: null,
      balancedAccuracy: null,
      macroF1: null,
      auroc: m.auroc,
      meanAuroc: m.meanAuroc,
      confusion: [],
      ci,
    };
    // A multi-label prediction lists the classes the recipe calls present (top class when it makes no decision).
    const top = predictClasses(s.scores, classes);
    predictions = entries.map((e, i) => ({
      image: e.id,
      label: classes.filter((c) => e.labels?.[c] === 1),
      predicted: s.present ? classes.filter((_, k) => s.present![i][k]) : [top[i]],
      scores: scoreMap(i),
    }));
  } else {
    const labels = entries.map((e) => e.label!);
    const predicted = predictClasses(s.scores, classes);
    metrics = {
      ...phases.time('metrics', () => classificationMetrics(labels, predicted, s.scores, classes, aurocOf)),
      ci: phases.time('intervals', () => classificationCIs(labels, predicted, s.scores, classes, statistics)),
    };
    predictions = entries.map((e, i) => ({
      image: e.id,
      label: e.label!,
      predicted: predicted[i],
      scores: scoreMap(i),
    }));
  }
  return {
    name: v.name,
    ...(v.control ? { control: v.control } : {}),
    metrics,
    predictions,
    descriptors: Object.fromEntries(classes.map((c) => [c, v.shown.classes[c] ?? []])),
    similarity: s.similarity,
    columns: s.columns,
  };
}

/** Every variant after the first against the first: McNemar on correctness, paired bootstrap or DeLong on AUROC. */
function compareWithFirst(
  results: VariantResult[],
  scored: RecipeScores[],
  imageSet: ImageSet,
  classes: string[],
  statistics: BootstrapOptions,
): void {
  // One variant compares with nothing: its 100,000 positives per class would be built for no test.
  if (results.length < 2) return;
  const positives = classes.map((c) =>
    imageSet.entries.map((e) => (e.label !== undefined ? e.label === c : e.labels?.[c] === 1)),
  );
  const correct = (r: VariantResult) => r.predictions.map((p) => sameClasses(p.predicted, p.label));
  for (let v = 1; v < results.length; v++) {
    results[v].comparison = {
      against: results[0].name,
      ...(imageSet.multiLabel ? {} : { mcnemar: mcnemarExact(correct(results[0]), correct(results[v])) }),
      auroc: pairedAurocComparison(positives, scored[0].scores, scored[v].scores, classes, statistics),
    };
  }
}

function scoreMarkdown(r: ScoreResult): string {
  const lines = [
    `**score: ${md(r.name)}** — ${r.variants[0]?.predictions.length ?? 0} images of "${md(r.images)}", method \`${r.method}\`, model "${md(r.run.model)}" on ${r.run.provider.toUpperCase()}; encoded ${r.run.encoded.images} images and ${r.run.encoded.texts} texts; AUROC intervals by ${r.run.aurocIntervals === 'delong' ? 'DeLong' : 'percentile bootstrap'}, the others by percentile bootstrap${r.variants.some((v) => v.metrics.ci?.accuracy?.method === 'bootstrap-multinomial') ? ' (cell counts drawn from their multinomial)' : ''}`,
    '',
    ...(r.multiLabel
      ? [
          `| variant | mean AUROC | ${r.classes.map((c) => `AUROC ${md(c)}`).join(' | ')} |`,
          `| --- | ---: | ${r.classes.map(() => '---:').join(' | ')} |`,
          ...r.variants.map(
            (v) =>
              `| ${md(v.name)} | ${num(v.metrics.meanAuroc)} | ${r.classes.map((c) => num(v.metrics.auroc[c])).join(' | ')} |`,
          ),
        ]
      : [
          `| variant | accuracy | balanced accuracy | macro-F1 | ${r.classes.map((c) => `AUROC ${md(c)}`).join(' | ')} |`,
          `| --- | ---: | ---: | ---: | ${r.classes.map(() => '---:').join(' | ')} |`,
          ...r.variants.map(
            (v) =>
              `| ${md(v.name)} | ${pct(v.metrics.accuracy)} | ${pct(v.metrics.balancedAccuracy)} | ${num(v.metrics.macroF1)} | ${r.classes.map((c) => num(v.metrics.auroc[c])).join(' | ')} |`,
          ),
        ]),
    ...r.variants.flatMap((v) =>
      v.comparison
        ? [
            `- ${md(v.name)} vs ${md(v.comparison.against)}: ${v.comparison.mcnemar ? `McNemar p = ${num(v.comparison.mcnemar.p)}; ` : ''}mean AUROC difference ${num(v.comparison.auroc.mean?.difference)} (${v.comparison.auroc.mean?.method === 'delong' ? "DeLong's paired test" : 'paired bootstrap'}, 95 % CI ${num(v.comparison.auroc.mean?.low)} to ${num(v.comparison.auroc.mean?.high)})`,
          ]
        : [],
    ),
    ...r.flags.map((f) => `- **${f.severity}**: ${md(f.message)}`),
    ...(r.changes?.variants ?? []).flatMap((v) =>
      v.status === 'both' && (v.descriptors.length || v.flipped.length || v.metrics.some((m) => m.difference))
        ? [
            `- since the previous run, ${md(v.variant)}: ${v.metrics.map((m) => `${m.metric} ${num(m.difference)}${m.ci ? ` (95 % CI ${num(m.ci.low)} to ${num(m.ci.high)})` : ''}`).join(', ')}; ${v.flipped.length} image(s) flipped`,
          ]
        : [],
    ),
  ];
  return lines.join('\n');
}
