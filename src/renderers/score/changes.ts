// "What changed" since the previous run of this score cell, and its run history: per variant the
// metric differences (with the paired CI when the same images were scored), the descriptors and
// options that changed, the images whose prediction flipped with the descriptor that moved each
// most; and the last runs, any two of which can be compared.
import type { FlippedImage, HeadlineMetric, RunSummary, ScoreChanges, VariantChanges } from '../../protocol/changes';
import { h, section } from '../_shared/dom';
import { dropdown } from '../_shared/elements';
import { basename, decimal, percent, shortHash, signed } from '../_shared/format';
import type { Thumbnails } from '../_shared/thumbnails';
import type { Score } from './data';

const METRIC_LABEL: Record<HeadlineMetric, string> = {
  accuracy: 'accuracy',
  balancedAccuracy: 'balanced accuracy',
  macroF1: 'macro-F1',
  meanAuroc: 'mean AUROC',
};

const value = (metric: HeadlineMetric, x: number | null | undefined) =>
  metric === 'macroF1' || metric === 'meanAuroc' ? decimal(x) : percent(x);

export function whatChanged(data: Score, thumbs: Thumbnails): HTMLElement | null {
  const changes = data.changes;
  if (!changes) return null;
  const nothing =
    changes.options.length === 0 &&
    changes.variants.every(
      (v) =>
        v.status === 'both' &&
        v.descriptors.length === 0 &&
        v.flipped.length === 0 &&
        v.metrics.every((m) => m.difference === 0),
    );
  const help = `Against the run of ${new Date(changes.previousRun).toLocaleString()}. ${
    changes.sameImages
      ? `Same images: each difference has a 95 % CI (${changes.ciMethod}).`
      : 'Other images than that run: differences without intervals.'
  }`;
  return section(
    'sl-changes',
    'What changed since the previous run',
    help,
    nothing ? h('p', { testid: 'nothing-changed' }, 'Nothing changed: same inputs, same result.') : null,
    changes.options.length
      ? h(
          'ul',
          { class: 'sl-option-changes', testid: 'option-changes' },
          ...changes.options.map((o) => h('li', null, `${o.option}: ${o.previous} → ${o.current}`)),
        )
      : null,
    ...(nothing ? [] : changes.variants.map((v) => variantChanges(v, changes, thumbs))),
  );
}

function variantChanges(v: VariantChanges, changes: ScoreChanges, thumbs: Thumbnails): HTMLElement {
  const box = h('div', {
    class: 'sl-variant-changes',
    testid: 'variant-changes',
    attrs: { 'data-variant': v.variant },
  });
  box.appendChild(h('h4', null, v.variant));
  if (v.status === 'both' && !v.descriptors.length && !v.flipped.length && v.metrics.every((m) => !m.difference)) {
    box.appendChild(h('p', { class: 'sl-muted' }, 'Unchanged: same descriptors, same metrics.'));
    return box;
  }
  if (v.status !== 'both') {
    box.appendChild(h('p', null, v.status === 'added' ? 'New variant in this run.' : 'Not in this run any more.'));
    return box;
  }
  box.appendChild(
    h(
      'table',
      { class: 'sl-metric-changes', testid: 'metric-changes' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ...['metric', 'previous', 'now', 'difference', changes.sameImages ? '95 % CI' : ''].map((t) =>
            h('th', null, t),
          ),
        ),
      ),
      h(
        'tbody',
        null,
        ...v.metrics.map((m) =>
          h(
            'tr',
            { attrs: { 'data-metric': m.metric, 'data-difference': m.difference ?? '' } },
            h('td', null, METRIC_LABEL[m.metric]),
            h('td', null, value(m.metric, m.previous)),
            h('td', null, value(m.metric, m.current)),
            h('td', { class: tone(m.difference) }, signed(m.difference)),
            h('td', { class: 'sl-muted' }, m.ci ? `${signed(m.ci.low)} to ${signed(m.ci.high)}` : ''),
          ),
        ),
      ),
    ),
  );
  if (v.descriptors.length) {
    box.appendChild(
      h(
        'ul',
        { class: 'sl-descriptor-diff', testid: 'descriptor-diff' },
        ...v.descriptors.flatMap((d) => [
          ...d.removed.map((t) => h('li', { class: 'sl-removed' }, `− ${d.class}: ${t}`)),
          ...d.added.map((t) => h('li', { class: 'sl-added' }, `+ ${d.class}: ${t}`)),
        ]),
      ),
    );
  }
  if (v.flipped.length) {
    const all = v.flippedTotal ?? v.flipped.length;
    const listed = all > v.flipped.length ? ` (the first ${v.flipped.length} listed)` : '';
    box.appendChild(h('p', { class: 'sl-help' }, `${all} image(s) changed their prediction${listed}:`));
    box.appendChild(h('div', { class: 'sl-flips', testid: 'flipped' }, ...v.flipped.map((f) => flipCard(f, thumbs))));
  }
  return box;
}

function flipCard(f: FlippedImage, thumbs: Thumbnails): HTMLElement {
  const verdict = f.nowCorrect === true ? 'now right' : f.nowCorrect === false ? 'now wrong' : 'still wrong';
  return h(
    'div',
    {
      class: `sl-flip ${f.nowCorrect === true ? 'sl-good' : f.nowCorrect === false ? 'sl-bad' : ''}`,
      attrs: { 'data-image': f.image },
    },
    thumbs.element(f.image),
    h('div', { class: 'sl-flip-name', title: f.image }, basename(f.image)),
    h('div', null, `${f.previous} → ${f.current} (${verdict}; label ${f.label})`),
    f.movedBy
      ? h(
          'div',
          { class: 'sl-muted', testid: 'moved-by' },
          `moved most by ${f.movedBy.added ? '' : 'removing '}"${f.movedBy.text}" (${f.movedBy.class}, ${signed(f.movedBy.change, 4)})`,
        )
      : null,
  );
}

function tone(x: number | null): string {
  return x === null || x === 0 ? '' : x > 0 ? 'sl-better' : 'sl-worse';
}

/** The last runs of the cell; two dropdowns pick the runs whose headline metrics are compared. */
export function runHistory(data: Score): HTMLElement | null {
  const runs = data.history ?? [];
  if (runs.length < 2) return null;
  const label = (r: RunSummary, i: number) => `#${i + 1} · ${new Date(r.startedAt).toLocaleString()}`;
  const choices = runs.map((r, i) => ({
    value: String(i),
    label: label(r, i),
    description: Object.entries(r.descriptorSetHashes)
      .map(([name, hash]) => `${name} ${shortHash(hash)}`)
      .join(', '),
  }));
  let a = runs.length - 2;
  let b = runs.length - 1;
  const table = h('div', { testid: 'history-comparison' });
  const draw = () => table.replaceChildren(compareSummaries(runs[a], runs[b]));
  draw();
  return section(
    'sl-history',
    `Run history (last ${runs.length} runs)`,
    'Time, descriptor-set hashes and headline metrics of each run of this cell; pick two runs to compare them.',
    h(
      'table',
      { testid: 'history' },
      h('thead', null, h('tr', null, ...['run', 'method', 'images', 'descriptor sets'].map((t) => h('th', null, t)))),
      h(
        'tbody',
        null,
        ...runs.map((r, i) =>
          h(
            'tr',
            null,
            h('td', null, label(r, i)),
            h('td', null, r.method),
            h('td', null, String(r.images)),
            h('td', null, choices[i].description),
          ),
        ),
      ),
    ),
    h(
      'div',
      { class: 'sl-controls' },
      dropdown(choices, String(a), (x) => ((a = Number(x)), draw()), 'Earlier run'),
      h('span', null, 'against'),
      dropdown(choices, String(b), (x) => ((b = Number(x)), draw()), 'Later run'),
    ),
    table,
  );
}

function compareSummaries(a: RunSummary, b: RunSummary): HTMLElement {
  const variants = [...new Set([...Object.keys(b.metrics), ...Object.keys(a.metrics)])];
  const metrics = Object.keys(METRIC_LABEL) as HeadlineMetric[];
  return h(
    'table',
    null,
    h('thead', null, h('tr', null, h('th', null, 'variant'), ...metrics.map((m) => h('th', null, METRIC_LABEL[m])))),
    h(
      'tbody',
      null,
      ...variants.map((v) =>
        h(
          'tr',
          null,
          h('td', null, v),
          ...metrics.map((m) => {
            const x = a.metrics[v]?.[m];
            const y = b.metrics[v]?.[m];
            const d = typeof x === 'number' && typeof y === 'number' ? y - x : null;
            return h('td', { class: tone(d) }, `${value(m, y)} (${signed(d)})`);
          }),
        ),
      ),
    ),
  );
}
