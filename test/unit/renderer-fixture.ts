// Realistic renderer inputs: score and image-set results over real Kermany chest X-rays (their
// thumbnails made by the project's own decoder), three classes (normal / bacterial / viral
// pneumonia), several descriptor variants with cosines in CLIP's usual narrow band, metrics and
// bootstrap intervals computed by src/metrics. Seeded, so every run draws the same numbers.
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { thumbnailDataUri } from '../../src/images/decode';
import type { ImagesResult, ScoreResult, VariantResult } from '../../src/kernel/types';
import { classificationCIs } from '../../src/metrics/bootstrap';
import { classificationMetrics } from '../../src/metrics/classification';
import type { SanityFlag } from '../../src/scoring/flags';

export const KERMANY = path.resolve(__dirname, '../../../shared/data/kermany-test-224');

/** What a hostile file name, label or descriptor might carry; renderers must show it as text. */
export const XSS = '<img src=x onerror=alert(1)>';

export interface FixtureOptions {
  /** Images per class (3 classes). */
  perClass?: number;
  /** Which images get an inline thumbnail: all, the misclassified ones, the first N misclassified, or none. */
  thumbnails?: 'all' | 'failures' | number | 'none';
  /** Put XSS probes into a class name, an image id and a descriptor. */
  xss?: boolean;
  /** Variants to include, by name (default all three). */
  variants?: ('names' | 'v1' | 'v2')[];
  seed?: number;
}

const DESCRIPTORS: Record<'names' | 'v1' | 'v2', (classes: string[]) => Record<string, string[]>> = {
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
};

/** How strongly a variant's text matches the true class: names barely, descriptors more. */
const SIGNAL = { names: 0.009, v1: 0.01, v2: 0.011 };

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

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

export async function scoreFixture(opts: FixtureOptions = {}): Promise<ScoreResult & { flags: SanityFlag[] }> {
  const perClass = opts.perClass ?? 10;
  const classes = ['normal', 'bacterial', opts.xss ? XSS : 'viral'];
  const rows = kermanyRows(perClass, classes);
  if (opts.xss) rows[0] = { ...rows[0], id: `images/${XSS}<script>alert(2)</script>.jpeg` };
  const random = mulberry32(opts.seed ?? 7);
  // Per image: how typical it looks (shared by all variants), so variants fail on related images.
  const typicality = rows.map(() => random() - 0.35);
  // ...and which other class it resembles (a hazy normal film that reads as viral, say).
  const lookalike = rows.map((r) => classes.filter((c) => c !== r.label)[Math.floor(random() * 2)]);
  const variants: VariantResult[] = (opts.variants ?? ['names', 'v1', 'v2']).map((name) => {
    const descriptors = DESCRIPTORS[name](classes);
    if (opts.xss && name === 'v1') descriptors[classes[0]] = [...descriptors[classes[0]], `<b onmouseover=alert(3)>${XSS}</b>`];
    const columns = classes.flatMap((c) => (descriptors[c].length ? descriptors[c] : [c]).map((text) => ({ class: c, text })));
    const similarity = rows.map((r, i) =>
      columns.map((col) => round4(0.22 + 0.03 * (random() - 0.5) + (col.class === r.label ? SIGNAL[name] * (1 + typicality[i]) : col.class === lookalike[i] ? 0.006 : 0))),
    );
    const scores = similarity.map((row) => classes.map((c) => mean(row.filter((_, k) => columns[k].class === c))));
    const predicted = scores.map((s) => classes[s.indexOf(Math.max(...s))]);
    const labels = rows.map((r) => r.label);
    const metrics = classificationMetrics(labels, predicted, scores, classes);
    const ci = classificationCIs(labels, predicted, scores, classes, { resamples: 200, seed: 1 });
    return {
      name,
      metrics: { ...metrics, ci },
      predictions: rows.map((r, i) => ({ image: r.id, label: r.label, predicted: predicted[i], scores: Object.fromEntries(classes.map((c, k) => [c, round4(scores[i][k])])) })),
      descriptors,
      similarity,
      columns,
    };
  });
  const misclassified = [...new Set(variants.flatMap((v) => v.predictions.filter((p) => p.label !== p.predicted).map((p) => p.image)))];
  const mode = opts.thumbnails ?? 'failures';
  const wanted = mode === 'all' ? rows.map((r) => r.id) : mode === 'failures' ? misclassified : mode === 'none' ? [] : misclassified.slice(0, mode);
  const thumbnails: Record<string, string> = {};
  for (const r of rows) if (wanted.includes(r.id)) thumbnails[r.id] = await thumbnailDataUri(r.file, 64);
  return {
    name: 'names-vs-descriptors',
    images: 'cxr',
    classes,
    method: 'mean',
    variants,
    thumbnails,
    flags: [
      { severity: 'warning', message: `AUROC of "${classes[2]}" is below 0.5 for variant names: its scores rank that class backwards.`, variant: 'names', class: classes[2] },
      { severity: 'info', message: 'Descriptor "normal heart size" repeats no class name but reads as a negative finding.', variant: 'v2' },
    ],
    run: {
      modelFingerprint: 'f3a1c9e04b7d2a65c8e1',
      model: 'demo',
      provider: 'cpu',
      providerReason: 'CUDA provider libraries not found',
      classOrder: classes,
      descriptorSetHashes: Object.fromEntries(variants.map((v, i) => [v.name, `${i}b9e7c1d2f3a4b5c6`])),
      imageSetHash: '9c41d2e07a6b55f3e1d0c8a7',
      method: 'mean',
      packageVersion: '0.1.0',
      encoded: { images: rows.length, texts: new Set(variants.flatMap((v) => v.columns.map((c) => c.text))).size },
      startedAt: '2026-01-15T10:00:00.000Z',
      durationMs: 2345,
    },
  };
}

export async function imagesFixture(opts: { xss?: boolean } = {}): Promise<ImagesResult> {
  const classes = ['normal', 'bacterial', opts.xss ? XSS : 'viral'];
  // A class under 10 images, as METHODS.md's sanity flags warn about.
  const rows = kermanyRows(10, classes).filter((r, i, all) => r.label !== classes[2] || all.indexOf(r) - all.findIndex((x) => x.label === classes[2]) < 8);
  const samples = [];
  for (const c of classes) {
    for (const r of rows.filter((x) => x.label === c).slice(0, 4)) samples.push({ image: r.id, label: c, thumbnail: await thumbnailDataUri(r.file, 64) });
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
    entryPoints: names.map((n) => path.join(REPO, 'src/renderers', `${n}.ts`)),
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

/** Every renderer entry point in the tree (files starting with `_` are shared code). */
export function rendererNames(): string[] {
  return readdirSync(path.join(REPO, 'src/renderers'))
    .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
    .map((f) => f.slice(0, -3));
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
