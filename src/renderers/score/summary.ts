// The score output's header, its sanity flags and the run record: what was scored, what looks
// suspicious, and what produced it.
import type { RunRecord } from '../../protocol/results';
import type { SanityFlag } from '../../protocol/statistics';
import { h, section } from '../_shared/dom';
import { duration, plural, shortHash } from '../_shared/format';
import type { Score } from './data';

export function header(s: Score): HTMLElement {
  const n = s.variants[0].predictions.length;
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

export function flagList(flags: SanityFlag[]): HTMLElement {
  return h(
    'ul',
    { class: 'sl-flags', testid: 'flags', attrs: { 'aria-label': 'Sanity flags' } },
    ...flags.map((f) => {
      const severity = f.severity === 'warning' ? 'warning' : 'info';
      return h(
        'li',
        { class: `sl-flag sl-${severity}` },
        h('span', { class: 'sl-flag-kind' }, severity),
        f.variant ? h('span', { class: 'sl-muted' }, f.variant) : null,
        h('span', null, String(f.message)),
      );
    }),
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
