// The score output's header, its sanity flags and the run record: what was scored, what looks
// suspicious, and what produced it.
import type { RunRecord } from '../../protocol/results';
import type { SanityFlag } from '../../protocol/statistics';
import { h, section } from '../_shared/dom';
import { duration, plural, shortHash } from '../_shared/format';
import type { Score } from './data';

export function header(s: Score): HTMLElement {
  const n = s.perImage?.images ?? s.variants[0].predictions.length;
  const kind = s.multiLabel ? ' (multi-label)' : '';
  return h(
    'div',
    { class: 'sl-header' },
    h('h2', null, `Score · ${s.name}`),
    h(
      'p',
      { class: 'sl-subtitle' },
      `image set ${s.images} · ${plural(n, 'image')} · ${plural(s.classes.length, 'class', 'classes')}${kind} · method ${s.method} · ${plural(s.variants.length, 'variant')}`,
    ),
  );
}

/**
 * What a paged output left out (ScoreResult.perImage): every aggregate is of all images, the
 * per-image views start from the rows it kept and page through the rest where they can.
 */
export function perImageNote(s: Score, messaging: boolean): HTMLElement | null {
  const p = s.perImage;
  if (!p) return null;
  const n = p.images.toLocaleString('en');
  const where = messaging
    ? 'the gallery, the confusion cells and the heatmap fetch the others from this run’s per-image file in the cache'
    : `the others are in the run’s per-image Parquet file${p.file ? ` (${p.file})` : ''} beside results.json`;
  return h(
    'p',
    {
      class: 'sl-help sl-per-image',
      testid: 'per-image-note',
      attrs: { 'data-images': p.images, 'data-shown': p.shown },
    },
    `Metrics, intervals, comparisons and the confusion matrix are of all ${n} images. This output keeps the rows of ${p.shown.toLocaleString('en')} of them per variant (the worst failures, recent flips, the first images); ${where}.`,
  );
}

/** A heading per kind of flag; flags saved before kinds existed fall under their severity. */
const FLAG_GROUPS: Record<string, string> = {
  'below-chance': 'AUROC below chance',
  'few-images': 'Classes with few images',
  'repeats-class-name': 'Descriptors repeating the class name',
  'no-descriptors': 'Classes without descriptors',
  'unknown-class': 'Classes matching no label',
  'it-is': 'Descriptors starting with "It is"',
  cache: 'Cache notes',
  embeddings: 'Imported embeddings',
  warning: 'Other warnings',
  info: 'Notes',
};

/**
 * The sanity flags grouped by kind with counts, collapsed by default: ten "below chance" rows
 * would otherwise push the Variants table below the fold. The summary line keeps the counts in
 * view.
 */
export function flagList(flags: SanityFlag[]): HTMLElement {
  const groups = new Map<string, SanityFlag[]>();
  for (const f of flags) {
    const severity = f.severity === 'warning' ? 'warning' : 'info';
    const key = f.kind && f.kind in FLAG_GROUPS ? f.kind : severity;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const counts = [...groups].map(([key, list]) => `${FLAG_GROUPS[key]} ${list.length}`).join(' · ');
  return h(
    'details',
    { class: 'sl-flags', testid: 'flags', attrs: { 'aria-label': 'Sanity flags' } },
    h(
      'summary',
      null,
      h('strong', null, plural(flags.length, 'sanity flag')),
      h('span', { class: 'sl-muted' }, ` · ${counts}`),
    ),
    ...[...groups].map(([key, list]) =>
      h(
        'div',
        { class: 'sl-flag-group', attrs: { 'data-kind': key, 'data-count': list.length } },
        h('h4', null, `${FLAG_GROUPS[key]} (${list.length})`),
        h('ul', null, ...list.map(flagItem)),
      ),
    ),
  );
}

function flagItem(f: SanityFlag): HTMLElement {
  const severity = f.severity === 'warning' ? 'warning' : 'info';
  return h(
    'li',
    { class: `sl-flag sl-${severity}` },
    h('span', { class: 'sl-flag-kind' }, severity),
    f.variant ? h('span', { class: 'sl-muted' }, f.variant) : null,
    h('span', null, String(f.message)),
  );
}

export function runSummary(run: RunRecord): HTMLElement {
  const item = (label: string, value: string | HTMLElement, title?: string, testid?: string) =>
    h('div', null, h('dt', null, label), typeof value === 'string' ? h('dd', { title, testid }, value) : value);
  const encoded = run.encoded ?? { images: 0, texts: 0 };
  return section(
    'sl-run',
    'Run record',
    undefined,
    h(
      'dl',
      { class: 'sl-kv', testid: 'run-record' },
      item('Model', run.model, `fingerprint ${run.modelFingerprint}`),
      item('Provider', run.provider, run.providerReason),
      item('Method', run.method),
      item(
        'Encoded this run',
        h(
          'dd',
          {
            testid: 'encoded',
            attrs: { 'data-images': encoded.images, 'data-texts': encoded.texts },
            title: 'Sent through the model in this run; cache hits are not counted',
          },
          `${plural(encoded.images, 'image')} · ${plural(encoded.texts, 'text')}`,
        ),
      ),
      item('Duration', duration(run.durationMs), run.startedAt),
      item('Image set', shortHash(run.imageSetHash), run.imageSetHash),
      run.seed !== undefined ? item('Seed', String(run.seed)) : null,
      item('Version', run.packageVersion),
    ),
  );
}
