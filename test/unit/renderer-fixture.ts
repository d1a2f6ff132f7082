// Realistic renderer inputs: score and image-set results over real Kermany chest X-rays (their
// thumbnails made by the project's own decoder), three classes (normal / bacterial / viral
// pneumonia), several descriptor variants and a control with cosines in CLIP's usual narrow band,
// metrics, bootstrap intervals and paired comparisons computed by src/metrics; and a multi-label
// result over the same films. Seeded, so every run draws the same numbers.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { thumbnailDataUri } from '../../src/images/decode';
import type { ImagesResult, ScoreResult, VariantResult } from '../../src/protocol/results';
import { classificationCIs, multiLabelCIs, pairedAurocComparison } from '../../src/metrics/bootstrap';
import { classificationMetrics, multiLabelMetrics } from '../../src/metrics/classification';
import { mcnemarExact } from '../../src/metrics/mcnemar';
import type { SanityFlag } from '../../src/protocol/statistics';
import { mulberry32 } from '../../src/common/random';
import { rendererEntries } from '../../scripts/renderer-entries.mjs';
import { KERMANY } from '../fixtures/clipFixtures';

/** What a hostile file name, label or descriptor might carry; renderers must show it as text. */
export const XSS = '<img src=x onerror=alert(1)>';

export interface FixtureOptions {
  /** Images per class (3 classes). */
  perClass?: number;
  /** Which images get an inline thumbnail: all, the misclassified ones, the first N misclassified, or none. */
  thumbnails?: 'all' | 'failures' | number | 'none';
  /** Put XSS probes into a class name, an image id and a descriptor. */
  xss?: boolean;
  /** Variants to include, by name (default names, v1, v2); `random-words` adds that control. */
  variants?: VariantName[];
  seed?: number;
}

type VariantName = 'names' | 'v1' | 'v2' | 'random-words';

const DESCRIPTORS: Record<VariantName, (classes: string[]) => Record<string, string[]>> = {
  names: (c) => Object.fromEntries(c.map((k) => [k, []])),
  v1: ([normal, bacterial, viral]) => ({
    [normal]: ['clear lung fields', 'sharp costophrenic angles'],
    [bacterial]: ['lobar consolidation', 'air bronchograms'],
    [viral]: ['bilateral interstitial markings', 'peribronchial thickening'],
  }),
  v2: ([normal, bacterial, viral]) => ({
    [normal]: ['clear lung fields', 'sharp costophrenic angles', 'normal heart size'],
    [bacterial]: ['dense lobar consolidation', 'air bronchograms', 'small pleural effusion'],
    [viral]: ['bilateral interstitial markings', 'peribronchial cuffing', 'hyperinflated lungs'],
  }),
  // WaffleCLIP: a random word and a random character sequence in place of each descriptor.
  'random-words': (c) => Object.fromEntries(c.map((k, i) => [k, RANDOM_WORDS[i % RANDOM_WORDS.length]])),
};

const RANDOM_WORDS = [
  ['lantern, xqvo', 'meadow, tzpr', 'copper, wlke'],
  ['harbor, qjnd', 'violet, spmz', 'anchor, rkfo'],
  ['pebble, hvyt', 'summit, gxla', 'timber, oczu'],
];

/** How strongly a variant's text matches the true class: names barely, descriptors more. */
const SIGNAL: Record<VariantName, number> = { names: 0.009, v1: 0.01, v2: 0.011, 'random-words': 0.0095 };

interface Row {
  id: string;
  file: string;
  label: string;
}

function kermanyRows(perClass: number, classes: string[]): Row[] {
  const lines = readFileSync(path.join(KERMANY, 'labels.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
  const bySubtype = new Map<string, Row[]>();
  for (const line of lines) {
    const [file, , subtype] = line.split(',');
    const list = bySubtype.get(subtype) ?? [];
    list.push({ id: file, file: path.join(KERMANY, file), label: subtype });
    bySubtype.set(subtype, list);
  }
  const subtypes = ['normal', 'bacterial', 'viral'];
  return subtypes.flatMap((s, k) => {
    const all = bySubtype.get(s) ?? [];
    // Spread over the split rather than the first few files of a folder.
    const step = Math.max(1, Math.floor(all.length / perClass));
    return all
      .filter((_, i) => i % step === 0)
      .slice(0, perClass)
      .map((r) => ({ ...r, label: classes[k] }));
  });
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** A variant as the score step names a control: "control: random-words", marked by `control`. */
function variantIdentity(name: VariantName): Pick<VariantResult, 'name' | 'control'> {
  return name === 'random-words' ? { name: `control: ${name}`, control: name } : { name };
}

interface Simulated {
  columns: { class: string; text: string }[];
  similarity: number[][];
  /** scores[i][k]: the `mean` recipe's score of image i for class k. */
  scores: number[][];
}

/**
 * Cosines of every image with every descriptor: a noisy base, plus the variant's signal where the
 * descriptor's class is one of the image's classes (more for typical images), plus a little
 * where it is the image's look-alike class.
 */
function simulate(
  descriptors: Record<string, string[]>,
  classes: string[],
  signal: number,
  images: { classes: string[]; typicality: number; lookalike: string }[],
  random: () => number,
): Simulated {
  const columns = classes.flatMap((c) =>
    (descriptors[c].length ? descriptors[c] : [c]).map((text) => ({ class: c, text })),
  );
  const similarity = images.map((img) =>
    columns.map((col) =>
      round4(
        0.22 +
          0.03 * (random() - 0.5) +
          (img.classes.includes(col.class) ? signal * (1 + img.typicality) : col.class === img.lookalike ? 0.006 : 0),
      ),
    ),
  );
  const scores = similarity.map((row) => classes.map((c) => mean(row.filter((_, k) => columns[k].class === c))));
  return { columns, similarity, scores };
}

/** What the score step adds to every variant after the first: the paired comparison with it. */
function compareWithFirst(
  variants: VariantResult[],
  scores: number[][][],
  positives: boolean[][],
  classes: string[],
  multiLabel: boolean,
): void {
  const correct = (v: VariantResult) => v.predictions.map((p) => p.predicted === p.label);
  for (let k = 1; k < variants.length; k++) {
    variants[k].comparison = {
      against: variants[0].name,
      ...(multiLabel ? {} : { mcnemar: mcnemarExact(correct(variants[0]), correct(variants[k])) }),
      auroc: pairedAurocComparison(positives, scores[0], scores[k], classes, { resamples: 200, seed: 1 }),
    };
  }
}

async function inlineThumbnails(
  rows: Row[],
  variants: VariantResult[],
  mode: FixtureOptions['thumbnails'],
): Promise<Record<string, string>> {
  const misclassified = [
    ...new Set(variants.flatMap((v) => v.predictions.filter((p) => p.label !== p.predicted).map((p) => p.image))),
  ];
  const m = mode ?? 'failures';
  const wanted =
    m === 'all'
      ? rows.map((r) => r.id)
      : m === 'failures'
        ? misclassified
        : m === 'none'
          ? []
          : misclassified.slice(0, m);
  const thumbnails: Record<string, string> = {};
  for (const r of rows) if (wanted.includes(r.id)) thumbnails[r.id] = await thumbnailDataUri(r.file, 64);
  return thumbnails;
}

function runRecord(classes: string[], variants: VariantResult[], images: number): ScoreResult['run'] {
  return {
    modelFingerprint: 'f3a1c9e04b7d2a65c8e1',
    model: 'demo',
    provider: 'cpu',
    providerReason: 'CUDA provider libraries not found',
    classOrder: classes,
    descriptorSetHashes: Object.fromEntries(variants.map((v, i) => [v.name, `${i}b9e7c1d2f3a4b5c6`])),
    imageSetHash: '9c41d2e07a6b55f3e1d0c8a7',
    method: 'mean',
    packageVersion: '0.1.0',
    encoded: { images, texts: new Set(variants.flatMap((v) => v.columns.map((c) => c.text))).size },
    startedAt: '2026-01-15T10:00:00.000Z',
    durationMs: 2345,
  };
}

export async function scoreFixture(opts: FixtureOptions = {}): Promise<ScoreResult & { flags: SanityFlag[] }> {
  const perClass = opts.perClass ?? 10;
  const classes = ['normal', 'bacterial', opts.xss ? XSS : 'viral'];
  const rows = kermanyRows(perClass, classes);
  if (opts.xss) rows[0] = { ...rows[0], id: `images/${XSS}<script>alert(2)</script>.jpeg` };
  const random = mulberry32(opts.seed ?? 7);
  // Per image: how typical it looks (shared by all variants), so variants fail on related images,
  // and which other class it resembles (a hazy normal film that reads as viral, say).
  const typicality = rows.map(() => random() - 0.35);
  const lookalike = rows.map((r) => classes.filter((c) => c !== r.label)[Math.floor(random() * 2)]);
  const images = rows.map((r, i) => ({ classes: [r.label], typicality: typicality[i], lookalike: lookalike[i] }));
  const labels = rows.map((r) => r.label);
  const names = opts.variants ?? ['names', 'v1', 'v2'];
  const scored = names.map((name) => {
    const descriptors = DESCRIPTORS[name](classes);
    if (opts.xss && name === 'v1')
      descriptors[classes[0]] = [...descriptors[classes[0]], `<b onmouseover=alert(3)>${XSS}</b>`];
    return { name, descriptors, ...simulate(descriptors, classes, SIGNAL[name], images, random) };
  });
  const variants: VariantResult[] = scored.map(({ name, descriptors, columns, similarity, scores }) => {
    const predicted = scores.map((s) => classes[s.indexOf(Math.max(...s))]);
    const metrics = classificationMetrics(labels, predicted, scores, classes);
    const ci = classificationCIs(labels, predicted, scores, classes, { resamples: 200, seed: 1 });
    return {
      ...variantIdentity(name),
      metrics: { ...metrics, ci },
      predictions: rows.map((r, i) => ({
        image: r.id,
        label: r.label,
        predicted: predicted[i],
        scores: Object.fromEntries(classes.map((c, k) => [c, round4(scores[i][k])])),
      })),
      descriptors,
      similarity,
      columns,
    };
  });
  compareWithFirst(
    variants,
    scored.map((s) => s.scores),
    classes.map((c) => labels.map((l) => l === c)),
    classes,
    false,
  );
  return {
    name: 'names-vs-descriptors',
    images: 'cxr',
    classes,
    method: 'mean',
    variants,
    thumbnails: await inlineThumbnails(rows, variants, opts.thumbnails),
    flags: [
      {
        severity: 'warning',
        message: `AUROC of "${classes[2]}" is below 0.5 for variant names: its scores rank that class backwards.`,
        variant: 'names',
        class: classes[2],
      },
      {
        severity: 'info',
        message: 'Descriptor "normal heart size" repeats no class name but reads as a negative finding.',
        variant: 'v2',
      },
    ],
    run: runRecord(classes, variants, rows.length),
  };
}

/** The findings of the multi-label fixture and their descriptors. */
const FINDINGS = ['consolidation', 'interstitial opacity', 'effusion'];
const FINDING_DESCRIPTORS: Record<'names' | 'v1', Record<string, string[]>> = {
  names: Object.fromEntries(FINDINGS.map((c) => [c, []])),
  v1: {
    consolidation: ['lobar consolidation', 'air bronchograms'],
    'interstitial opacity': ['bilateral interstitial markings', 'peribronchial thickening'],
    effusion: ['blunted costophrenic angle', 'meniscus sign'],
  },
};

/**
 * A multi-label score as the step writes one for a CSV with 0/1 columns: the same Kermany films
 * with findings (normal: none; bacterial: consolidation, some with an effusion; viral: interstitial
 * opacity, some with consolidation), the `present` decision of a recipe that makes one, no
 * accuracy/F1 and no confusion matrix, mean and per-class AUROC with intervals.
 */
export async function multiLabelScoreFixture(
  opts: { perClass?: number; thumbnails?: FixtureOptions['thumbnails'] } = {},
): Promise<ScoreResult & { flags: SanityFlag[] }> {
  const rows = kermanyRows(opts.perClass ?? 10, ['normal', 'bacterial', 'viral']);
  const random = mulberry32(11);
  const findingsOf = (subtype: string): string[] => {
    if (subtype === 'bacterial') return random() < 0.4 ? ['consolidation', 'effusion'] : ['consolidation'];
    if (subtype === 'viral')
      return random() < 0.3 ? ['consolidation', 'interstitial opacity'] : ['interstitial opacity'];
    return [];
  };
  const images = rows.map((r) => ({
    classes: findingsOf(r.label),
    typicality: random() - 0.35,
    lookalike: FINDINGS[Math.floor(random() * FINDINGS.length)],
  }));
  const list = (present: string[]) =>
    present.length ? FINDINGS.filter((c) => present.includes(c)).join(', ') : '(none)';
  const labels01 = images.map((img) => FINDINGS.map((c) => (img.classes.includes(c) ? 1 : 0)));
  const names = ['names', 'v1'] as const;
  const scored = names.map((name) => ({
    name,
    ...simulate(FINDING_DESCRIPTORS[name], FINDINGS, SIGNAL[name], images, random),
  }));
  const variants: VariantResult[] = scored.map(({ name, columns, similarity, scores }) => {
    // A class is called present when its score clears the base cosine by half the signal.
    const present = scores.map((s) => s.map((x) => x > 0.22 + SIGNAL[name] / 2));
    const m = multiLabelMetrics(labels01, scores, FINDINGS, present);
    const ci = multiLabelCIs(labels01, scores, FINDINGS, { resamples: 200, seed: 1 });
    return {
      name,
      metrics: {
        accuracy: null,
        balancedAccuracy: null,
        macroF1: null,
        auroc: m.auroc,
        meanAuroc: m.meanAuroc,
        confusion: [],
        ci,
      },
      predictions: rows.map((r, i) => ({
        image: r.id,
        label: list(images[i].classes),
        predicted: list(FINDINGS.filter((_, k) => present[i][k])),
        scores: Object.fromEntries(FINDINGS.map((c, k) => [c, round4(scores[i][k])])),
      })),
      descriptors: FINDING_DESCRIPTORS[name],
      similarity,
      columns,
    };
  });
  compareWithFirst(
    variants,
    scored.map((s) => s.scores),
    FINDINGS.map((_, k) => labels01.map((row) => row[k] === 1)),
    FINDINGS,
    true,
  );
  return {
    name: 'findings',
    images: 'cxr-findings',
    classes: FINDINGS,
    method: 'mean',
    variants,
    thumbnails: await inlineThumbnails(rows, variants, opts.thumbnails),
    flags: [],
    multiLabel: true,
    run: runRecord(FINDINGS, variants, rows.length),
  };
}

export async function imagesFixture(opts: { xss?: boolean } = {}): Promise<ImagesResult> {
  const classes = ['normal', 'bacterial', opts.xss ? XSS : 'viral'];
  // A class under 10 images, as docs/methods.md's sanity flags warn about.
  const rows = kermanyRows(10, classes).filter(
    (r, i, all) => r.label !== classes[2] || all.indexOf(r) - all.findIndex((x) => x.label === classes[2]) < 8,
  );
  const samples = [];
  for (const c of classes) {
    for (const r of rows.filter((x) => x.label === c).slice(0, 4))
      samples.push({ image: r.id, label: c, thumbnail: await thumbnailDataUri(r.file, 64) });
  }
  return {
    name: 'cxr',
    count: rows.length,
    classes,
    counts: Object.fromEntries(classes.map((c) => [c, rows.filter((r) => r.label === c).length])),
    multiLabel: false,
    skipped: [
      { id: 'images/NORMAL/truncated.jpeg', reason: 'JPEG data ends early (truncated file)' },
      { id: opts.xss ? `images/${XSS}.png` : 'images/empty.png', reason: 'zero-byte file' },
    ],
    samples,
    hash: '5f0c2d9e1a',
  };
}

/**
 * Builds renderer bundles the way esbuild.mjs does (browser ESM, minified) into `outdir`, so the
 * browser tests need neither a full build nor the other bundles of the tree to compile.
 */
export async function buildRenderers(outdir: string, names: string[] = rendererNames()): Promise<void> {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: Object.fromEntries(Object.entries(rendererEntries(REPO)).filter(([n]) => names.includes(n))),
    outdir,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    logLevel: 'warning',
  });
}

export const REPO = path.resolve(__dirname, '../..');

/**
 * A stand-in for the installed package in `dir`: its package.json (the renderer manifest),
 * dist/renderers/NAME.js and dist/report-page.js, which is what writeReport reads.
 */
export async function buildPackage(dir: string, names: string[] = rendererNames()): Promise<void> {
  mkdirSync(path.join(dir, 'dist'), { recursive: true });
  copyFileSync(path.join(REPO, 'package.json'), path.join(dir, 'package.json'));
  await buildRenderers(path.join(dir, 'dist', 'renderers'), names);
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: { 'report-page': path.join(REPO, 'src/report/page.ts') },
    outdir: path.join(dir, 'dist'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    logLevel: 'warning',
  });
}

/** Every renderer bundle of the tree (scripts/renderer-entries.mjs). */
export function rendererNames(): string[] {
  return Object.keys(rendererEntries(REPO));
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
