// `explain: NAME` — why one image of a score was classified as it was: its descriptor evidence per
// class (from the score's similarities), the runner-up and the margin (true class − best other class), and an occlusion map of
// where in the image the similarity to a target class or descriptor comes from (docs/methods.md,
// "Explanations").
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { EmbeddingCache } from '../../cache/embeddingCache';
import { parsePreprocessorConfig, resizedSize, type Preprocessing } from '../../clip/preprocess';
import type { JsonObject } from '../../clip/modelFolder';
import { decodeImage, thumbnailDataUri } from '../../images/decode';
import {
  greyFill,
  inputBoxToOriginal,
  meanDirection,
  occlusionMaps,
  type OcclusionPeak,
  patchStarts,
  type InputGeometry,
} from '../../scoring/occlusion';
import { patchTokenMaps } from '../../scoring/patchTokens';
import { planTexts, type RecipeName } from '../../scoring/recipes';
import { MIME } from '../../protocol/mime';
import { classesText } from '../../protocol/classes';
import { labelMargin, MARGIN_DEFINITION, MULTI_LABEL_MARGIN_DEFINITION } from '../../protocol/margin';
import { type Classes, type ExplainMap, type ExplainResult, type PixelBox } from '../../protocol/results';
import { type ImageEntry } from '../../protocol/dataset';
import { fieldError, lookup, md, num, sessionKey } from './common';
import { allTargets, pickTarget, sameTarget, type Target } from './explainTargets';
import { classEvidence, pickImage, pickVariant } from './scoreImage';
import { defineStep, type StepContext } from './step';

/** Longest side of the picture saved in the output: enough to read a heatmap, a few KB as JPEG. */
const PICTURE_PX = 224;

/** Drops are differences of cosines; 5 decimals keep saved outputs small and lose nothing visible. */
const round5 = (x: number) => Math.round(x * 1e5) / 1e5;
const round2 = (x: number) => Math.round(x * 100) / 100;

export const explainStep = defineStep({
  schema: {
    step: 'explain',
    summary: 'Explain one image of a score: descriptor bars per class, the margin, and an occlusion heatmap',
    nameDescription: 'a name for this explanation',
    options: {
      score: {
        type: 'string',
        required: true,
        refersTo: 'score',
        description: 'the score cell whose image to explain',
      },
      image: {
        // A path, or a number: the index.
        type: 'any',
        required: true,
        description: "an image of the score's set: its path (relative to the notebook) or its 0-based index",
      },
      variant: {
        type: 'string',
        description: "which of the score's descriptor variants (not a control); default: the last one",
      },
      target: {
        type: 'string',
        description:
          'what the occlusion map measures similarity to: a class, or one descriptor exactly as written; default: the top-scoring (predicted) class',
      },
      patch: {
        type: 'integer',
        description: 'side of the grey occlusion patch in model-input pixels; default: a seventh of the input side',
      },
      stride: {
        type: 'integer',
        description:
          'step between patch positions (and heatmap cell size) in model-input pixels; default: half the patch',
      },
    },
  },
  async run(ctx) {
    const started = Date.now();
    const o = ctx.cell.options;
    const score = lookup(ctx, 'score', o.score, 'score');
    const variant = pickVariant(ctx, score, o.variant);
    const { index, entry } = pickImage(ctx, score, variant, o.image);
    if (entry.onDisk === false)
      throw fieldError(
        ctx,
        'image',
        `${entry.id} is not on this machine: its embedding was imported, and an explanation needs the image itself (it occludes patches of it).`,
        'Copy the image to that path (relative to the notebook) and re-run the images cell, or explain another image.',
      );
    const loaded = lookup(ctx, 'model', score.run.model, 'score');
    const model = loaded.model;
    if (model.fingerprint !== score.run.modelFingerprint) {
      throw fieldError(
        ctx,
        'score',
        `Model "${loaded.name}" has changed since score "${score.name}" ran.`,
        `Re-run the score cell "${score.name}" first.`,
      );
    }
    const set = ctx.session.descriptorSets.get(variant.name);
    if (!set || set.hash !== score.run.descriptorSetHashes[variant.name]) {
      throw fieldError(
        ctx,
        o.variant !== undefined ? 'variant' : 'score',
        `Descriptor set "${variant.name}" ${set ? 'has changed' : 'is no longer defined'} since score "${score.name}" ran.`,
        `Re-run the descriptors cell and the score cell "${score.name}" first.`,
      );
    }
    const plan = planTexts(set, score.method as RecipeName, { classes: score.classes });
    const prediction = variant.predictions[index];
    const classes = classEvidence(variant, index, score.classes);
    // The top class: the prediction of a single-label score; a multi-label one may predict several.
    const target = pickTarget(ctx, plan.perClass, classes[0].class, o.target);
    const size = model.imageSize;
    const { patch, stride } = occlusionSettings(ctx, size, o);

    const targets = allTargets(plan.perClass);
    if (!targets.some((t) => sameTarget(t, target))) targets.push(target);
    const cache = new EmbeddingCache(ctx.cacheDir, (m) => ctx.log(m));
    const sentences = [...new Set(targets.flatMap((t) => t.embedded))];
    const texts = await cache.getOrEncode(
      sentences,
      (t) => EmbeddingCache.textKey(model.fingerprint, t),
      (missing) => model.encodeTexts(missing, { signal: ctx.signal }),
    );
    const vectorOf = new Map(sentences.map((t, i) => [t, texts.vectors[i]]));
    const directions = targets.map((t) => meanDirection(t.embedded.map((e) => vectorOf.get(e)!)));

    const preprocessing = await readPreprocessing(model.dir);
    const pixels = await model.preprocess({ path: entry.path, decode: entry.decode });
    const fill = greyFill(preprocessing);
    const copies = patchStarts(size, patch, stride).length ** 2 + 1;
    ctx.progress(`Occluding ${entry.id}: ${copies} copies`, 0);
    const maps = await occlusionMaps(
      pixels,
      size,
      { patch, stride, fill },
      directions,
      (batch, offset) =>
        model.encodePixels(batch, {
          signal: ctx.signal,
          onProgress: (done) =>
            ctx.progress(`Occluding ${entry.id}: ${offset + done}/${copies} copies`, (offset + done) / copies),
        }),
      { chunkSize: model.batchSize * 4 },
    );
    const map = maps[targets.findIndex((t) => sameTarget(t, target))];
    const patches = model.patchTokens.available
      ? patchTokenMaps(await model.encodePatches(pixels, { signal: ctx.signal }), size, directions)
      : undefined;

    const geometry = await inputGeometry(preprocessing, entry);
    const toOriginal = (box: PixelBox, clip = true) => inputBoxToOriginal(box, geometry, clip).map(round2) as PixelBox;
    const result: ExplainResult = {
      name: ctx.cell.name,
      score: score.name,
      variant: variant.name,
      image: entry.id,
      index,
      label: prediction.label,
      predicted: prediction.predicted,
      multiLabel: score.multiLabel === true,
      runnerUp: classes[1]?.class ?? null,
      margin: explainMargin(prediction.label, classes),
      classes,
      occlusion: {
        target: { kind: target.kind, class: target.class, text: target.text, embedded: target.embedded },
        patch,
        stride,
        fill: fill.map(round5),
        inputSize: size,
        baseline: round5(map.baseline),
        xs: map.xs,
        ys: map.ys,
        drops: map.drops.map((row) => row.map(round5)),
        heatmap: map.heatmap.map((row) => row.map(round5)),
        peak: {
          row: map.peak.row,
          col: map.peak.col,
          drop: round5(map.peak.value),
          inputBox: map.peak.box,
          box: toOriginal(map.peak.box),
        },
        inputBox: toOriginal([0, 0, size, size], false),
      },
      maps: [
        ...targets.map((t, i) => explainMap('occlusion', t, maps[i].baseline, stride, maps[i], toOriginal)),
        ...(patches
          ? patches.maps.map((m, i) =>
              explainMap('patch-tokens', targets[i], maps[i].baseline, patches.cell, m, toOriginal),
            )
          : []),
      ],
      patchTokens: model.patchTokens,
      imageSize: { width: geometry.width, height: geometry.height },
      run: {
        model: loaded.name,
        modelFingerprint: model.fingerprint,
        provider: model.provider,
        providerReason: model.providerReason,
        encoded: { images: copies + (patches ? 1 : 0), texts: texts.encoded },
        startedAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
      },
    };
    ctx.session.explanations.set(result.name, result);
    const thumbnail = await thumbnailDataUri(entry.path, PICTURE_PX, entry.decode);
    return {
      result,
      outputs: [{ mime: MIME.explain, data: { ...result, thumbnail }, markdown: explainMarkdown(result) }],
      dependsOn: [
        sessionKey('score', score.name),
        sessionKey('images', score.images),
        sessionKey('model', loaded.name),
        sessionKey('descriptors', variant.name),
      ],
      defines: sessionKey('explain', result.name),
    };
  },
});

/** One entry of the output's `maps`, rounded for a small output, its peak in original pixels. */
function explainMap(
  method: ExplainMap['method'],
  t: Target,
  baseline: number,
  cell: number,
  map: { heatmap: number[][]; peak: OcclusionPeak },
  toOriginal: (box: PixelBox) => PixelBox,
): ExplainMap {
  return {
    method,
    target: { kind: t.kind, class: t.class, text: t.text },
    baseline: round5(baseline),
    cell,
    heatmap: map.heatmap.map((row) => row.map(round5)),
    peak: { row: map.peak.row, col: map.peak.col, value: round5(map.peak.value), box: toOriginal(map.peak.box) },
  };
}

function occlusionSettings(
  ctx: StepContext<unknown>,
  size: number,
  written: { patch?: number; stride?: number },
): { patch: number; stride: number } {
  const patch = written.patch ?? Math.max(1, Math.round(size / 7));
  if (patch < 1 || patch > size) {
    throw fieldError(
      ctx,
      'patch',
      `A patch of ${patch} px does not fit the model input (${size}×${size} px).`,
      `Use a patch from 1 to ${size}, e.g. ${Math.max(1, Math.round(size / 7))}.`,
    );
  }
  const stride = written.stride ?? Math.max(1, Math.round(patch / 2));
  if (stride < 1 || stride > patch) {
    throw fieldError(
      ctx,
      'stride',
      `A stride of ${stride} px ${stride < 1 ? 'does not move the patch' : `leaves pixels between ${patch}-px patches that are never occluded`}.`,
      `Use a stride from 1 to the patch (${patch}), e.g. ${Math.max(1, Math.round(patch / 4))}.`,
    );
  }
  return { patch, stride };
}

/** The model's own preprocessing settings: the patch colour and the way back to original pixels. */
async function readPreprocessing(modelDir: string): Promise<Preprocessing> {
  const file = path.join(modelDir, 'preprocessor_config.json');
  return parsePreprocessorConfig(JSON.parse(await fs.readFile(file, 'utf8')) as JsonObject, file);
}

/** Where the model input sits on the original image. */
async function inputGeometry(preprocessing: Preprocessing, image: ImageEntry): Promise<InputGeometry> {
  const { width, height } = await decodeImage(image.path, image.decode);
  const resized = resizedSize(width, height, preprocessing);
  const crop = preprocessing.crop ?? resized;
  return {
    width,
    height,
    resizedWidth: resized.width,
    resizedHeight: resized.height,
    cropLeft: Math.floor((resized.width - crop.width) / 2),
    cropTop: Math.floor((resized.height - crop.height) / 2),
  };
}

/** The margin of protocol/margin.ts, from the classes as the score scored them; null without a label. */
function explainMargin(label: Classes | undefined, classes: ExplainResult['classes']): number | null {
  if (label === undefined) return null;
  const scores = Object.fromEntries(classes.map((c) => [c.class, c.score]));
  const m = labelMargin(label, scores, Object.keys(scores));
  return Number.isNaN(m) ? null : round5(m);
}

function explainMarkdown(r: ExplainResult): string {
  const occ = r.occlusion;
  const [x0, y0, x1, y1] = occ.peak.box;
  const lines = [
    `**explain: ${md(r.name)}** — ${md(r.image)} (image ${r.index} of score "${md(r.score)}", variant "${md(r.variant)}")`,
    '',
    `Predicted **${md(classesText(r.predicted))}**${r.label !== undefined ? ` (true: ${md(classesText(r.label))})` : ''}${r.runnerUp !== null ? `, runner-up ${md(r.runnerUp)} (−${num(r.classes[0].score - r.classes[1].score, 4)})` : ''}${r.margin !== null ? `; ${r.multiLabel ? MULTI_LABEL_MARGIN_DEFINITION : MARGIN_DEFINITION}: ${num(r.margin, 4)}` : ''}.`,
    '',
    '| class | score | strongest descriptors |',
    '| --- | ---: | --- |',
    ...r.classes.map(
      (c) =>
        `| ${md(c.class)} | ${num(c.score, 4)} | ${c.descriptors
          .slice(0, 3)
          .map((d) => `${md(d.text)} (${num(d.similarity)})`)
          .join('; ')} |`,
    ),
    '',
    `Occlusion map against the ${occ.target.kind} "${md(occ.target.text)}" (similarity ${num(occ.baseline, 4)}; ${occ.patch}-px grey patch, stride ${occ.stride}): ` +
      `greying hurts most around x ${num(x0, 0)}–${num(x1, 0)}, y ${num(y0, 0)}–${num(y1, 0)} of the ${r.imageSize.width}×${r.imageSize.height} image (mean drop ${num(occ.peak.drop, 4)}).`,
    ...(r.maps ? ['', mapsLine(r.maps, r.patchTokens)] : []),
  ];
  return lines.join('\n');
}

function mapsLine(maps: NonNullable<ExplainResult['maps']>, patchTokens: ExplainResult['patchTokens']): string {
  const methods = [...new Set(maps.map((m) => m.method))];
  const counts = methods.map((m) => `${maps.filter((x) => x.method === m).length} ${m}`).join(', ');
  return `Maps in this output (switch the target in the output): ${counts} — one per class and per descriptor.${patchTokens && !patchTokens.available ? ` ${md(patchTokens.reason)}` : ''}`;
}
