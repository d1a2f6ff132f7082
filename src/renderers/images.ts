// The renderer of an images cell (application/vnd.symptom-lens.images+json): how many images each
// class has, which files were skipped and why, and a few thumbnails per class. Plain DOM only:
// this bundle stays small (no plotly, no controls).
import type { ImagesResult } from '../protocol/results';
import { describeDicomSummary, describeImportedEmbeddings } from '../protocol/dataset';
import { h, section } from './_shared/dom';
import { basename, plural } from './_shared/format';
import { createRenderer, DataError, expectArray, expectObject, expectString } from './_shared/renderer';
import { Thumbnails } from './_shared/thumbnails';

/** docs/methods.md flags classes this small: their metrics swing with a single image. */
const SMALL_CLASS = 10;

const CSS = `
.sl-counts { display: grid; grid-template-columns: minmax(80px, max-content) minmax(120px, 1fr) max-content; gap: 4px 10px; align-items: center; max-width: 640px; }
.sl-count-track { height: 12px; background: var(--sl-panel); border: 1px solid var(--sl-border); border-radius: 2px; }
.sl-count-fill { display: block; height: 100%; width: calc(var(--sl-fill) * 100%); background: var(--sl-accent); border-radius: 1px; }
.sl-count-n { font-variant-numeric: tabular-nums; }
.sl-small { color: var(--sl-warn); }
.sl-skipped ul { margin: 4px 0 0; padding-left: 18px; }
.sl-skipped li { margin: 2px 0; }
.sl-skipped summary { cursor: pointer; }
.sl-samples { display: flex; flex-direction: column; gap: 10px; }
.sl-sample-row { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.sl-sample-row h4 { width: 100%; margin: 0; }
.sl-sample { margin: 0; display: flex; flex-direction: column; align-items: center; gap: 2px; width: 72px; font-size: 0.8em; color: var(--sl-muted); }
.sl-sample span { max-width: 72px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
`;

export const activate = createRenderer<ImagesResult>({
  kind: 'image set output',
  css: CSS,
  parse(json) {
    const r = expectObject(json, 'image set result');
    expectString(r.name, 'name');
    if (typeof r.count !== 'number') throw new DataError('`count` should be a number.');
    expectArray(r.classes, 'classes');
    expectObject(r.counts, 'counts');
    expectArray(r.skipped, 'skipped');
    expectArray(r.samples, 'samples');
    return r as unknown as ImagesResult;
  },
  render({ data, container, ctx, onDispose }) {
    const thumbs = new Thumbnails(Object.fromEntries(data.samples.map((s) => [s.image, s.thumbnail])), ctx, onDispose);
    container.append(
      h(
        'div',
        { class: 'sl-header' },
        h('h2', null, `Image set · ${data.name}`),
        h(
          'p',
          { class: 'sl-subtitle' },
          `${plural(data.count, 'image')} · ${plural(data.classes.length, 'class', 'classes')}${data.multiLabel ? ' · multi-label' : ''}${data.skipped.length ? ` · ${data.skipped.length} skipped` : ''}`,
        ),
      ),
      classCounts(data),
    );
    if (data.dicom) {
      container.appendChild(h('p', { class: 'sl-subtitle', testid: 'dicom' }, describeDicomSummary(data.dicom)));
    }
    for (const line of data.embeddings ? describeImportedEmbeddings(data.embeddings) : [])
      container.appendChild(h('p', { class: 'sl-subtitle', testid: 'embeddings' }, line));
    if (data.skipped.length) container.appendChild(skippedList(data.skipped));
    if (data.samples.length) container.appendChild(samples(data, thumbs));
  },
});

function classCounts(data: ImagesResult): HTMLElement {
  const max = Math.max(1, ...data.classes.map((c) => data.counts[c] ?? 0));
  return section(
    'sl-class-counts',
    data.multiLabel ? 'Positives per class' : 'Images per class',
    undefined,
    h(
      'div',
      { class: 'sl-counts', testid: 'class-counts' },
      ...data.classes.flatMap((c) => {
        const n = data.counts[c] ?? 0;
        const small = n < SMALL_CLASS;
        return [
          h('span', { title: c }, c),
          h(
            'span',
            { class: 'sl-count-track' },
            h('span', { class: 'sl-count-fill', style: { '--sl-fill': String(n / max) } }),
          ),
          h(
            'span',
            {
              class: `sl-count-n${small ? ' sl-small' : ''}`,
              attrs: { 'data-class': c, 'data-count': n },
              title: small ? `fewer than ${SMALL_CLASS} images: metrics for this class are unstable` : undefined,
            },
            small ? `${n} ⚠` : String(n),
          ),
        ];
      }),
    ),
  );
}

function skippedList(skipped: ImagesResult['skipped']): HTMLElement {
  const details = h(
    'details',
    { class: 'sl-section sl-skipped', testid: 'skipped' },
    h('summary', null, `${plural(skipped.length, 'file')} skipped (could not be read)`),
    h(
      'ul',
      null,
      ...skipped.map((s) =>
        h('li', null, h('span', { class: 'sl-mono' }, s.id), h('span', { class: 'sl-muted' }, ` — ${s.reason}`)),
      ),
    ),
  );
  // A short list is worth seeing at once; a long one stays folded.
  if (skipped.length <= 5) details.open = true;
  return details;
}

function samples(data: ImagesResult, thumbs: Thumbnails): HTMLElement {
  const byClass = new Map<string, ImagesResult['samples']>();
  for (const s of data.samples) byClass.set(s.label, [...(byClass.get(s.label) ?? []), s]);
  return section(
    'sl-samples-section',
    'Examples',
    undefined,
    h(
      'div',
      { class: 'sl-samples', testid: 'samples' },
      ...[...byClass].map(([label, items]) =>
        h(
          'div',
          { class: 'sl-sample-row', attrs: { 'data-class': label } },
          h('h4', null, label),
          ...items.map((s) =>
            h(
              'figure',
              { class: 'sl-sample' },
              thumbs.element(s.image),
              h('span', { title: s.image }, basename(s.image)),
            ),
          ),
        ),
      ),
    ),
  );
}
