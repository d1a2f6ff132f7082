// The variants side by side: their metrics with bootstrap or DeLong intervals (each labelled), the best per column marked,
// the controls badged, and each variant's paired comparison against the first.
import type { ConfidenceInterval, PairedDifference } from '../../protocol/statistics';
import { h } from '../_shared/dom';
import { decimal, percent, plural, pValue, signed } from '../_shared/format';
import type { Score, Variant } from './data';

/** What each control tests, for the badge's tooltip (docs/methods.md, "Controls"). */
const CONTROL_HELP: Record<string, string> = {
  'class-names': 'Control: class names only, no descriptors.',
  'random-words':
    'Control (WaffleCLIP): per class 15 random word + random character pairs, averaged over 7 seeds. Descriptors that do not beat it add text, not meaning.',
  shuffled: 'Control: each class gets descriptors of other classes. Tests whether the class-specific text matters.',
};

interface Column {
  title: string;
  /** A second header line (the class of an AUROC column). */
  detail?: string;
  value(v: Variant): number | null | undefined;
  interval(v: Variant): ConfidenceInterval | null | undefined;
  show(x: number | null | undefined): string;
  /** The same metric against the first variant (AUROC only), for the cell's tooltip. */
  difference?(v: Variant): PairedDifference | null | undefined;
}

function metricColumns(s: Score): Column[] {
  const auroc = s.classes.map((c) => ({
    title: 'AUROC',
    detail: c,
    value: (v: Variant) => v.metrics.auroc?.[c],
    interval: (v: Variant) => v.metrics.ci?.auroc?.[c],
    show: (x: number | null | undefined) => decimal(x),
    difference: (v: Variant) => v.comparison?.auroc?.perClass?.[c],
  }));
  // Accuracy, balanced accuracy and F1 need one class per image: multi-label sets have none.
  if (s.multiLabel) {
    return [
      {
        title: 'Mean AUROC',
        value: (v) => v.metrics.meanAuroc,
        interval: (v) => v.metrics.ci?.meanAuroc,
        show: (x) => decimal(x),
        difference: (v) => v.comparison?.auroc?.mean,
      },
      ...auroc,
    ];
  }
  return [
    { title: 'Accuracy', value: (v) => v.metrics.accuracy, interval: (v) => v.metrics.ci?.accuracy, show: percent },
    {
      title: 'Balanced acc.',
      value: (v) => v.metrics.balancedAccuracy,
      interval: (v) => v.metrics.ci?.balancedAccuracy,
      show: percent,
    },
    { title: 'Macro-F1', value: (v) => v.metrics.macroF1, interval: (v) => v.metrics.ci?.macroF1, show: percent },
    ...auroc,
  ];
}

export function comparisonHelp(s: Score): string {
  const first = s.variants[0].name;
  const parts = ['▲ marks the best variant per column; click a row to inspect it below.'];
  if (s.variants.some((v) => v.control)) parts.push('Controls (badge) set the bar a descriptor variant has to clear.');
  if (s.variants.some((v) => v.comparison)) {
    const mcnemar = s.variants.some((v) => v.comparison?.mcnemar)
      ? `; McNemar b / c = images only ${first} / only this variant got right`
      : '';
    parts.push(
      `Paired against ${first} on the same images: Δ mean AUROC with its ${pairedMethod(s)} 95 % interval, bold where it excludes 0${mcnemar}.`,
    );
  }
  if (s.variants.some((v) => v.metrics.ci)) parts.push(intervalMethods(s));
  return parts.join(' ');
}

/** Which method produced the table's intervals, e.g. "AUROC intervals: DeLong; other intervals: bootstrap." */
function intervalMethods(s: Score): string {
  const aurocs = s.variants.flatMap((v) => [...Object.values(v.metrics.ci?.auroc ?? {}), v.metrics.ci?.meanAuroc]);
  const others = s.variants.flatMap((v) => [
    v.metrics.ci?.accuracy,
    v.metrics.ci?.balancedAccuracy,
    v.metrics.ci?.macroF1,
  ]);
  const names = (xs: (ConfidenceInterval | null | undefined)[]) =>
    [...new Set(xs.filter(isInterval).map((x) => methodName(x)))].join(' and ');
  const a = names(aurocs);
  const o = names(others);
  return `Intervals: ${[a && `AUROC by ${a}`, o && `accuracy, balanced accuracy and macro-F1 by ${o}`].filter(Boolean).join('; ')}.`;
}

/** "DeLong", "percentile bootstrap" or its multinomial variant (saved before DeLong: no method, bootstrap). */
function methodName(x: { method?: string }): string {
  if (x.method === 'bootstrap-multinomial') return 'percentile bootstrap (cell counts drawn from their multinomial)';
  return x.method === 'delong' ? 'DeLong' : 'percentile bootstrap';
}

function pairedMethod(s: Score): string {
  const d = s.variants.find((v) => v.comparison?.auroc?.mean)?.comparison?.auroc?.mean;
  return d?.method === 'delong' ? "DeLong's paired" : 'paired bootstrap';
}

function intervalTitle(x: ConfidenceInterval): string {
  const level = Math.round((x.level ?? 0.95) * 100);
  return x.method === 'delong'
    ? `${level} % DeLong interval (normal, from ${x.valid} images)`
    : `${level} % percentile bootstrap interval (${x.valid} resamples${x.method === 'bootstrap-multinomial' ? ', cell counts drawn from their multinomial' : ''})`;
}

export function comparisonTable(s: Score, onPick: (index: number) => void): HTMLTableElement {
  const columns = metricColumns(s);
  // With one variant there is nothing to compare, so nothing is marked best.
  const best = columns.map((col) => (s.variants.length > 1 ? bestOf(s.variants.map(col.value)) : new Set<number>()));
  const hasIntervals = s.variants.some((v) => v.metrics.ci);
  const first = s.variants[0].name;
  const paired = s.variants.some((v) => v.comparison);
  const mcnemar = s.variants.some((v) => v.comparison?.mcnemar);
  const th = (title: string, detail?: string, className?: string, help?: string) =>
    h(
      'th',
      { class: className, title: help ?? (detail ? `${title} ${detail}` : undefined) },
      title,
      detail ? h('span', { class: 'sl-th-detail' }, detail) : null,
    );
  return h(
    'table',
    { class: 'sl-comparison-table', testid: 'comparison-table' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', null, 'Variant'),
        ...columns.map((c) => th(c.title, c.detail)),
        paired
          ? th(
              'Δ mean AUROC',
              `vs ${first}`,
              'sl-paired sl-delta',
              `Mean AUROC of this variant minus ${first}'s, ${pairedMethod(s)} test on the same images: difference, two-sided p, 95 % interval`,
            )
          : null,
        mcnemar
          ? th(
              'McNemar',
              `vs ${first}`,
              'sl-paired sl-mcnemar',
              `Exact McNemar test on per-image correctness against ${first}: two-sided p, then b / c, the images only ${first} / only this variant got right`,
            )
          : null,
      ),
    ),
    h(
      'tbody',
      null,
      ...s.variants.map((v, vi) =>
        h(
          'tr',
          {
            class: v.control ? 'sl-control' : undefined,
            attrs: { 'data-index': vi, 'data-variant': v.name, 'data-control': v.control, tabindex: 0 },
            on: { click: () => onPick(vi), keydown: (e) => e.key === 'Enter' && onPick(vi) },
          },
          h('td', null, variantName(v)),
          ...columns.map((col, ci) => {
            const interval = hasIntervals ? col.interval(v) : undefined;
            const tips = [
              best[ci].has(vi) ? 'best of the variants' : '',
              vi > 0 ? differenceText(col.difference?.(v), first) : '',
            ].filter(Boolean);
            return h(
              'td',
              { class: best[ci].has(vi) ? 'sl-best' : '', title: tips.length ? tips.join('\n') : undefined },
              h('span', { class: 'sl-value' }, col.show(col.value(v))),
              isInterval(interval)
                ? h(
                    'span',
                    {
                      class: 'sl-ci',
                      title: intervalTitle(interval),
                      attrs: { 'data-method': interval.method ?? 'bootstrap' },
                    },
                    `${col.show(interval.low)} – ${col.show(interval.high)}`,
                  )
                : null,
            );
          }),
          paired ? aurocDifferenceCell(v, vi, first) : null,
          mcnemar ? mcnemarCell(v, vi, first) : null,
        ),
      ),
    ),
  );
}

/** The name cell: a control shows a badge and the control's name, with what it tests on hover. */
function variantName(v: Variant): HTMLElement {
  if (!v.control) return h('span', null, v.name);
  const shown = v.name.startsWith('control: ') ? v.name.slice('control: '.length) : v.name;
  return h(
    'span',
    { class: 'sl-control-label', title: CONTROL_HELP[v.control] ?? `Control variant ${v.control}.` },
    h('span', { class: 'sl-control-badge', testid: 'control-badge' }, 'control'),
    h('span', { class: 'sl-control-name' }, shown),
  );
}

function aurocDifferenceCell(v: Variant, index: number, first: string): HTMLElement {
  if (index === 0) return h('td', { class: 'sl-paired sl-delta sl-muted', testid: 'paired-auroc' }, 'baseline');
  const d = v.comparison?.auroc?.mean;
  if (!d)
    return h(
      'td',
      { class: 'sl-paired sl-delta', testid: 'paired-auroc', title: 'no paired AUROC comparison in this result' },
      '—',
    );
  const excludesZero = d.low > 0 || d.high < 0;
  const perClass = Object.entries(v.comparison?.auroc?.perClass ?? {}).map(
    ([c, x]) =>
      `${c}: ${x ? `${signed(x.difference)} (${signed(x.low)} to ${signed(x.high)}, ${pValue(x.p)})` : 'undefined'}`,
  );
  return h(
    'td',
    {
      class: `sl-paired sl-delta${excludesZero ? ' sl-excludes-zero' : ''}`,
      testid: 'paired-auroc',
      attrs: {
        'data-difference': d.difference,
        'data-low': d.low,
        'data-high': d.high,
        'data-p': d.p,
        'data-method': d.method ?? 'bootstrap',
      },
      title: [differenceText(d, first), '', 'Per class:', ...perClass].join('\n'),
    },
    h('span', { class: 'sl-value' }, signed(d.difference), h('span', { class: 'sl-p' }, pValue(d.p))),
    h('span', { class: 'sl-ci' }, `${signed(d.low)} – ${signed(d.high)}`),
  );
}

function mcnemarCell(v: Variant, index: number, first: string): HTMLElement {
  if (index === 0) return h('td', { class: 'sl-paired sl-mcnemar sl-muted', testid: 'mcnemar' }, 'baseline');
  const m = v.comparison?.mcnemar;
  if (!m) return h('td', { class: 'sl-paired sl-mcnemar', testid: 'mcnemar' }, '—');
  return h(
    'td',
    {
      class: 'sl-paired sl-mcnemar',
      testid: 'mcnemar',
      attrs: { 'data-b': m.baselineOnly, 'data-c': m.variantOnly, 'data-p': m.p },
      title: `Exact McNemar test, two-sided, on the images the two variants disagree on: ${plural(m.baselineOnly, 'image')} only ${first} got right (b), ${plural(m.variantOnly, 'image')} only ${v.name} got right (c).`,
    },
    h('span', { class: 'sl-value' }, pValue(m.p)),
    h('span', { class: 'sl-ci' }, `b ${m.baselineOnly} / c ${m.variantOnly}`),
  );
}

/** "Δ vs names +0.012 (95 % CI −0.004 to +0.028, p = 0.134)", or '' without a comparison. */
function differenceText(d: PairedDifference | null | undefined, first: string): string {
  if (!d) return '';
  const method =
    d.method === 'delong' ? `DeLong's paired test, ${d.valid} images` : `paired bootstrap, ${d.valid} resamples`;
  return `Δ vs ${first} ${signed(d.difference)} (${Math.round((d.level ?? 0.95) * 100)} % CI ${signed(d.low)} to ${signed(d.high)}, ${pValue(d.p)}; ${method})`;
}

function isInterval(x: ConfidenceInterval | null | undefined): x is ConfidenceInterval {
  return !!x && typeof x.low === 'number' && typeof x.high === 'number';
}

/** The variants with the highest value; none when every variant has it (nothing stands out). */
function bestOf(values: (number | null | undefined)[]): Set<number> {
  const finite = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (finite.length === 0) return new Set();
  const max = Math.max(...finite);
  const best = values.flatMap((x, i) => (x === max ? [i] : []));
  return best.length === finite.length ? new Set() : new Set(best);
}
