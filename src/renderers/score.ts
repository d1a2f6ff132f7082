// The renderer of a score cell (application/vnd.symptom-lens.score+json): the variants side by
// side with their paired comparison against the first and the controls marked, then for the
// chosen variant its confusion matrix, similarity heatmap and failure cases, linked (a confusion
// cell filters the gallery, a card or heatmap row opens the image's evidence), and the images on
// which two variants disagree. Multi-label sets have no confusion matrix: each class is its own
// yes/no question, and a failure is an image whose predicted classes differ from its labels.
import type { ConfidenceInterval, PairedDifference } from '../protocol/statistics';
import type { Prediction, RunRecord, ScoreResult, VariantResult } from '../protocol/results';
import { BARS_CSS, descriptorBars, type BarGroup } from './_shared/bars';
import { append, clear, h, notice, section } from './_shared/dom';
import { button, dropdown, tabBar, type Choice } from './_shared/elements';
import { basename, decimal, duration, percent, plural, pValue, shortHash, signed, truncate } from './_shared/format';
import { plotText, themedLayout, themedPlot, type ThemedPlot } from './_shared/plotly';
import type { ThemeColors } from './_shared/theme';
import { createRenderer, DataError, expectArray, expectObject, expectString } from './_shared/renderer';
import type { OpenImageRequest } from '../protocol/messages';
import { Thumbnails } from './_shared/thumbnails';
import type { SanityFlag } from '../protocol/statistics';

// Outputs saved before the statistics work lack flags, intervals and comparisons: all optional here.
type Variant = VariantResult;
type Score = Omit<ScoreResult, 'flags'> & { flags?: SanityFlag[] };

/** What a multi-label prediction lists when the image has (or the recipe calls) no class. */
const NO_CLASS = '(none)';

/** What each control tests, for the badge's tooltip (METHODS.md, "Controls"). */
const CONTROL_HELP: Record<string, string> = {
  'class-names': 'Control: class names only, no descriptors.',
  'random-words':
    'Control (WaffleCLIP): per class 15 random word + random character pairs, averaged over 7 seeds. Descriptors that do not beat it add text, not meaning.',
  shuffled: 'Control: each class gets descriptors of other classes. Tests whether the class-specific text matters.',
};

/** Cards and rows drawn at once; "Show more" adds the next page (big sets stay responsive). */
const PAGE_SIZE = 60;
/** Above this many images the heatmap labels class groups instead of single images. */
const MAX_LABELLED_ROWS = 60;
/** Above this many descriptors the columns are named only in the hover text (ticks would overlap). */
const MAX_LABELLED_COLUMNS = 40;

const CSS = `
${BARS_CSS}
.sl-header { display: flex; flex-direction: column; }
.sl-flags { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 4px; }
.sl-flag { display: flex; gap: 8px; align-items: baseline; padding: 4px 10px; background: var(--sl-panel); border-left: 3px solid var(--sl-accent); border-radius: 2px; }
.sl-flag.sl-warning { border-left-color: var(--sl-warn); }
.sl-flag.sl-error { border-left-color: var(--sl-bad); }
.sl-flag-kind { font-weight: 600; text-transform: uppercase; font-size: 0.8em; letter-spacing: 0.04em; min-width: 5.5em; }
.sl-comparison-table tbody tr { cursor: pointer; }
.sl-comparison-table tbody tr:hover { background: var(--sl-hover); }
.sl-comparison-table tr.sl-current td:first-child { box-shadow: inset 3px 0 0 var(--sl-accent); }
.sl-comparison-table td.sl-best { font-weight: 700; color: var(--sl-accent); }
.sl-comparison-table td.sl-best .sl-value::before { content: '▲ '; font-size: 0.75em; }
.sl-th-detail { display: block; font-weight: normal; color: var(--sl-fg); max-width: 14em; overflow: hidden; text-overflow: ellipsis; margin-left: auto; }
.sl-comparison-table th { padding: 4px 8px; vertical-align: bottom; }
.sl-comparison-table td { padding: 4px 8px; vertical-align: top; }
.sl-ci { display: block; font-size: 0.8em; color: var(--sl-muted); font-weight: normal; }
.sl-comparison-table .sl-paired { border-left: 1px solid var(--sl-border); }
.sl-comparison-table td.sl-paired.sl-muted { vertical-align: middle; font-style: italic; }
.sl-comparison-table td.sl-excludes-zero .sl-value { font-weight: 700; }
.sl-comparison-table .sl-p { margin-left: 0.6em; font-size: 0.8em; color: var(--sl-muted); font-weight: normal; }
.sl-comparison-table tr:not(.sl-control) + tr.sl-control td { border-top: 1px dashed var(--sl-muted); }
.sl-control-name { font-style: italic; }
.sl-control-badge { display: inline-block; margin-right: 6px; padding: 0 6px; border: 1px solid var(--sl-warn); border-radius: 8px; color: var(--sl-warn); font-size: 0.78em; line-height: 1.4; vertical-align: 1px; }
.sl-run dd[data-testid="encoded"] { font-variant-numeric: tabular-nums; }
.sl-variant { display: flex; flex-direction: column; gap: 16px; padding-top: 10px; }
.sl-heading-row { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 8px; }
.sl-heading-row h3 { margin: 0; }
.sl-confusion th.sl-axis { color: var(--sl-muted); font-weight: normal; font-style: italic; }
.sl-confusion td { padding: 2px; text-align: center; border: none; }
.sl-confusion-cell { min-width: 64px; height: 40px; width: 100%; border: 1px solid var(--sl-border); border-radius: 3px; color: var(--sl-fg); font: inherit; cursor: pointer;
  background: color-mix(in srgb, var(--sl-cell) calc(var(--sl-intensity) * 75%), transparent); display: flex; flex-direction: column; align-items: center; justify-content: center; line-height: 1.1; }
.sl-confusion-cell.sl-diagonal { --sl-cell: var(--sl-good); }
.sl-confusion-cell.sl-off { --sl-cell: var(--sl-bad); }
.sl-confusion-cell .sl-count { font-weight: 600; font-size: 1.05em; }
.sl-confusion-cell .sl-rate { font-size: 0.78em; color: var(--sl-muted); }
.sl-confusion-cell:hover { outline: 1px solid var(--sl-focus); }
.sl-confusion-cell.sl-selected { outline: 2px solid var(--sl-focus); outline-offset: 1px; }
.sl-heatmap { width: 100%; min-height: 200px; }
.sl-gallery-area { container-type: inline-size; }
.sl-gallery-body { display: grid; grid-template-columns: 1fr; gap: 12px; align-items: start; }
.sl-gallery-body.sl-with-detail .sl-detail { order: -1; }
@container (min-width: 820px) {
  .sl-gallery-body.sl-with-detail { grid-template-columns: minmax(0, 1fr) minmax(320px, 420px); }
  .sl-gallery-body.sl-with-detail .sl-detail { order: 0; }
}
.sl-filter { display: flex; gap: 10px; align-items: center; margin: 0 0 8px; }
.sl-gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 8px; }
.sl-card { display: flex; flex-direction: column; gap: 6px; padding: 8px; border: 1px solid var(--sl-border); border-radius: 4px; cursor: pointer; background: var(--sl-panel); min-width: 0; }
.sl-card:hover { background: var(--sl-hover); }
.sl-card.sl-selected { border-color: var(--sl-focus); box-shadow: 0 0 0 1px var(--sl-focus); }
.sl-card-top { display: flex; gap: 8px; min-width: 0; }
.sl-card-meta { display: flex; flex-direction: column; min-width: 0; gap: 1px; }
.sl-card-meta > span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.sl-card-name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.sl-label-row { display: flex; gap: 6px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.sl-label-row .sl-k { color: var(--sl-muted); min-width: 4.4em; flex: none; }
.sl-label-row > span:last-child { overflow: hidden; text-overflow: ellipsis; }
.sl-drivers { font-size: 0.88em; display: flex; flex-direction: column; gap: 2px; border-top: 1px solid var(--sl-border); padding-top: 4px; }
.sl-driver { display: flex; gap: 6px; min-width: 0; }
.sl-driver .sl-k { flex: none; color: var(--sl-muted); }
.sl-driver .sl-v { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.sl-more { margin-top: 8px; }
.sl-detail { border: 1px solid var(--sl-border); border-radius: 4px; padding: 10px 12px; background: var(--sl-panel); display: flex; flex-direction: column; gap: 10px; min-width: 0; }
.sl-detail-head { display: flex; gap: 12px; align-items: flex-start; }
.sl-detail-head .sl-thumb { width: 128px; height: 128px; }
.sl-detail-head .sl-card-meta { flex: 1; }
.sl-detail-actions { margin-left: auto; display: flex; flex-direction: column; gap: 6px; }
.sl-disagreements th, .sl-disagreements td { text-align: left; }
.sl-disagreements td { vertical-align: middle; }
.sl-disagreements td .sl-thumb { width: 40px; height: 40px; }
.sl-image-cell { display: flex; gap: 8px; align-items: center; max-width: 320px; overflow: hidden; text-overflow: ellipsis; }
.sl-versus { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-bottom: 8px; }
.sl-tally { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 0 0 8px; color: var(--sl-muted); }
.sl-tally b { color: var(--sl-fg); }
`;

export const activate = createRenderer<Score>({
  kind: 'score output',
  css: CSS,
  parse: parseScore,
  render({ data, container, root, ctx, onDispose }) {
    const thumbs = new Thumbnails(data.thumbnails, ctx, onDispose);
    const variantArea = h('div', { class: 'sl-variant' });
    let panel: VariantPanel | undefined;
    let tabs: ReturnType<typeof tabBar> | undefined;
    const table = comparisonTable(data, (i) => select(i));
    const select = (i: number) => {
      panel?.dispose();
      clear(variantArea);
      panel = new VariantPanel(data, i, thumbs, root, ctx.postMessage?.bind(ctx));
      variantArea.appendChild(panel.el);
      void panel.drawHeatmap();
      for (const row of table.querySelectorAll('tbody tr'))
        row.classList.toggle('sl-current', Number((row as HTMLElement).dataset.index) === i);
      if (tabs && tabs.selectedIndex !== i) tabs.selectedIndex = i;
    };
    onDispose(() => panel?.dispose());

    append(container, header(data), data.flags?.length ? flagList(data.flags) : null);
    container.appendChild(
      section('sl-comparison', 'Variants', comparisonHelp(data), h('div', { class: 'sl-scroll' }, table)),
    );
    if (data.run) container.appendChild(runSummary(data.run));
    const names = data.variants.map((v) => v.name);
    if (names.length > 1) {
      tabs = tabBar(names, 0, select, 'variant-tabs');
      container.appendChild(h('div', { class: 'sl-section' }, tabs, variantArea));
    } else {
      container.appendChild(variantArea);
    }
    select(0);
    if (names.length > 1) container.appendChild(disagreements(data, thumbs));
  },
});

// ---------------------------------------------------------------------------------------------
// Data checks: a malformed output names the field instead of drawing half a page.

function parseScore(json: unknown): Score {
  const score = expectObject(json, 'score result');
  expectString(score.name, 'name');
  const classes = expectArray(score.classes, 'classes').map((c, i) => expectString(c, `classes[${i}]`));
  const variants = expectArray(score.variants, 'variants');
  if (variants.length === 0) throw new DataError('`variants` is empty: the score cell scored no descriptor variant.');
  variants.forEach((raw, vi) => {
    const v = expectObject(raw, `variants[${vi}]`);
    expectString(v.name, `variants[${vi}].name`);
    expectObject(v.metrics, `variants[${vi}].metrics`);
    const predictions = expectArray(v.predictions, `variants[${vi}].predictions`);
    predictions.forEach((p, pi) => {
      const field = `variants[${vi}].predictions[${pi}]`;
      const pred = expectObject(p, field);
      expectString(pred.image, `${field}.image`);
      expectString(pred.label, `${field}.label`);
      expectString(pred.predicted, `${field}.predicted`);
      expectObject(pred.scores, `${field}.scores`);
    });
  });
  if (score.thumbnails !== undefined) expectObject(score.thumbnails, 'thumbnails');
  if (score.flags !== undefined) expectArray(score.flags, 'flags');
  if (classes.length === 0) throw new DataError('`classes` is empty.');
  return score as unknown as Score;
}

/** Why the heatmap of a variant cannot be drawn, or undefined when its matrix is complete. */
function similarityProblem(v: Variant): string | undefined {
  const n = v.predictions.length;
  if (!Array.isArray(v.similarity) || !Array.isArray(v.columns))
    return `variant ${v.name} carries no similarity matrix.`;
  if (v.similarity.length !== n)
    return `variant ${v.name}: similarity has ${v.similarity.length} rows but there are ${n} predictions.`;
  const bad = v.similarity.findIndex((row) => !Array.isArray(row) || row.length !== v.columns.length);
  if (bad >= 0)
    return `variant ${v.name}: similarity row ${bad} does not have one value per descriptor (${v.columns.length}).`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Header, flags, comparison table, run record

function header(s: Score): HTMLElement {
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

function flagList(flags: SanityFlag[]): HTMLElement {
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

function comparisonHelp(s: Score): string {
  const first = s.variants[0].name;
  const parts = ['▲ marks the best variant per column; click a row to inspect it below.'];
  if (s.variants.some((v) => v.control)) parts.push('Controls (badge) set the bar a descriptor variant has to clear.');
  if (s.variants.some((v) => v.comparison)) {
    const mcnemar = s.variants.some((v) => v.comparison?.mcnemar)
      ? `; McNemar b / c = images only ${first} / only this variant got right`
      : '';
    parts.push(
      `Paired against ${first} on the same images: Δ mean AUROC with its bootstrap 95 % interval, bold where it excludes 0${mcnemar}.`,
    );
  }
  return parts.join(' ');
}

function comparisonTable(s: Score, onPick: (index: number) => void): HTMLTableElement {
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
              'sl-paired',
              `Mean AUROC of this variant minus ${first}'s, paired bootstrap over the same images: difference, two-sided p, 95 % interval`,
            )
          : null,
        mcnemar
          ? th(
              'McNemar',
              `vs ${first}`,
              'sl-paired',
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
                    { class: 'sl-ci', title: '95 % bootstrap interval' },
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
  if (index === 0) return h('td', { class: 'sl-paired sl-muted', testid: 'paired-auroc' }, 'baseline');
  const d = v.comparison?.auroc?.mean;
  if (!d)
    return h(
      'td',
      { class: 'sl-paired', testid: 'paired-auroc', title: 'no paired AUROC comparison in this result' },
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
      class: `sl-paired${excludesZero ? ' sl-excludes-zero' : ''}`,
      testid: 'paired-auroc',
      attrs: { 'data-difference': d.difference, 'data-low': d.low, 'data-high': d.high, 'data-p': d.p },
      title: [differenceText(d, first), '', 'Per class:', ...perClass].join('\n'),
    },
    h('span', { class: 'sl-value' }, signed(d.difference), h('span', { class: 'sl-p' }, pValue(d.p))),
    h('span', { class: 'sl-ci' }, `${signed(d.low)} – ${signed(d.high)}`),
  );
}

function mcnemarCell(v: Variant, index: number, first: string): HTMLElement {
  if (index === 0) return h('td', { class: 'sl-paired sl-muted', testid: 'mcnemar' }, 'baseline');
  const m = v.comparison?.mcnemar;
  if (!m) return h('td', { class: 'sl-paired', testid: 'mcnemar' }, '—');
  return h(
    'td',
    {
      class: 'sl-paired',
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
  return `Δ vs ${first} ${signed(d.difference)} (${Math.round((d.level ?? 0.95) * 100)} % CI ${signed(d.low)} to ${signed(d.high)}, ${pValue(d.p)}; paired bootstrap, ${d.valid} resamples)`;
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

function runSummary(run: RunRecord): HTMLElement {
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

// ---------------------------------------------------------------------------------------------
// One variant: confusion matrix, heatmap, failure gallery, detail panel

type Pair = { label: string; predicted: string };
type SortMode = 'class' | 'margin' | `column:${number}`;

class VariantPanel {
  readonly el: HTMLElement;
  private readonly v: Variant;
  private readonly cleanups: (() => void)[] = [];
  private readonly heatmapEl = h('div', { class: 'sl-heatmap', testid: 'heatmap' });
  private sort: SortMode = 'class';
  private order: number[] = [];
  private filter: Pair | undefined;
  private shown = PAGE_SIZE;
  private selected: number | undefined;
  private readonly galleryEl = h('div', { class: 'sl-gallery', testid: 'gallery' });
  private readonly galleryTitle = h('h3');
  private readonly filterEl = h('div', { class: 'sl-filter' });
  private readonly moreEl = h('div', { class: 'sl-more' });
  private readonly detailSlot = h('div', { class: 'sl-detail-slot' });
  private readonly body = h('div', { class: 'sl-gallery-body' });
  /** Absent for multi-label sets, which have no confusion matrix. */
  private readonly confusionEl: HTMLElement | undefined;
  /** margin[i] (see labelMargin): negative when the scores rank a wrong class above a labelled one; NaN where undefined. */
  private readonly margin: number[];
  private readonly multiLabel: boolean;
  private heatmapPlot: ThemedPlot | undefined;
  /** Column texts without the words every column starts with (a class-name template, say). */
  private readonly labels: string[];
  private readonly sharedPrefix: string;

  constructor(
    private readonly s: Score,
    index: number,
    private readonly thumbs: Thumbnails,
    private readonly root: ShadowRoot,
    /** Renderer messaging, where the host offers it (not in the standalone report). */
    private readonly post: ((message: OpenImageRequest) => void) | undefined,
  ) {
    this.v = s.variants[index];
    this.multiLabel = s.multiLabel === true;
    this.margin = this.v.predictions.map((p) => labelMargin(p, s.classes, this.multiLabel));
    this.sharedPrefix = commonWordPrefix((this.v.columns ?? []).map((c) => c.text));
    this.labels = (this.v.columns ?? []).map((c) => c.text.slice(this.sharedPrefix.length));
    this.confusionEl = this.multiLabel ? undefined : this.confusion();
    // The grid and, once a card is clicked, the detail panel beside it (or above, when narrow).
    append(this.body, this.galleryEl, this.detailSlot);
    const problem = similarityProblem(this.v);
    this.el = h(
      'div',
      { class: 'sl-variant-panel', attrs: { 'data-variant': this.v.name } },
      this.confusionEl
        ? section(
            'sl-confusion-section',
            `Confusion matrix · ${this.v.name}`,
            'Rows: true class; columns: predicted. Click a cell to list its images below.',
            h('div', { class: 'sl-scroll' }, this.confusionEl),
          )
        : h(
            'div',
            { testid: 'no-confusion' },
            notice(
              'No confusion matrix: in a multi-label set each class is its own yes/no question, so an image has no single true and predicted class; read the per-class AUROC above.',
            ),
          ),
      problem
        ? section(
            'sl-heatmap-section',
            'Similarity heatmap',
            undefined,
            notice(`The heatmap cannot be drawn: ${problem}`, 'warning'),
          )
        : h(
            'section',
            { class: 'sl-section sl-heatmap-section' },
            h(
              'div',
              { class: 'sl-heading-row' },
              h('h3', null, 'Similarity heatmap'),
              dropdown(this.sortChoices(), this.sort, (m) => this.resort(m as SortMode), 'Sort images'),
            ),
            h(
              'p',
              { class: 'sl-help' },
              this.multiLabel
                ? 'Cosine similarity of every image (row) with every descriptor (column), columns grouped by class, rows by their first labelled class. ✗ marks an image whose predicted classes differ from its labels; click a row for its evidence.'
                : 'Cosine similarity of every image (row) with every descriptor (column), columns grouped by class. ✗ marks a misclassified image; click a row for its evidence.',
            ),
            this.heatmapEl,
          ),
      h('section', { class: 'sl-section sl-gallery-area' }, this.galleryTitle, this.filterEl, this.body, this.moreEl),
    );
    this.order = this.sortedRows();
    this.drawGallery();
  }

  dispose(): void {
    for (const fn of this.cleanups.splice(0)) fn();
  }

  // --- confusion matrix

  private confusion(): HTMLTableElement {
    const classes = this.s.classes;
    // Counted from the predictions themselves, so a cell's number is exactly the number of
    // cards its click lists.
    const counts = classes.map((t) =>
      classes.map((p) => this.v.predictions.filter((x) => x.label === t && x.predicted === p).length),
    );
    return h(
      'table',
      { class: 'sl-confusion', testid: 'confusion' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { class: 'sl-axis' }, 'true \\ predicted'),
          ...classes.map((c) => h('th', { title: c }, truncate(c, 18))),
        ),
      ),
      h(
        'tbody',
        null,
        ...classes.map((t, ti) => {
          const total = counts[ti].reduce((a, b) => a + b, 0);
          return h(
            'tr',
            null,
            h('th', { title: t }, truncate(t, 18)),
            ...classes.map((p, pi) => {
              const n = counts[ti][pi];
              const rate = total ? n / total : 0;
              return h(
                'td',
                null,
                h(
                  'button',
                  {
                    class: `sl-confusion-cell ${ti === pi ? 'sl-diagonal' : 'sl-off'}`,
                    attrs: { 'data-true': t, 'data-predicted': p, 'data-count': n, type: 'button' },
                    title: `${n} of ${total} ${t} images predicted as ${p}`,
                    style: { '--sl-intensity': String(rate) },
                    on: { click: () => this.setFilter({ label: t, predicted: p }) },
                  },
                  h('span', { class: 'sl-count' }, n),
                  h('span', { class: 'sl-rate' }, total ? `${Math.round(rate * 100)} %` : '—'),
                ),
              );
            }),
          );
        }),
      ),
    );
  }

  private setFilter(pair: Pair | undefined): void {
    const same = pair && this.filter && pair.label === this.filter.label && pair.predicted === this.filter.predicted;
    this.filter = same ? undefined : pair;
    this.shown = PAGE_SIZE;
    for (const cell of this.confusionEl?.querySelectorAll<HTMLElement>('.sl-confusion-cell') ?? []) {
      cell.classList.toggle(
        'sl-selected',
        !!this.filter && cell.dataset.true === this.filter.label && cell.dataset.predicted === this.filter.predicted,
      );
    }
    this.drawGallery();
  }

  // --- heatmap

  private sortChoices(): Choice[] {
    return [
      { value: 'class', label: 'Sort by class' },
      { value: 'margin', label: 'Sort by margin (worst first)' },
      ...(this.v.columns ?? []).map((c, k) => ({
        value: `column:${k}`,
        label: `By descriptor: ${truncate(this.labels[k], 48)}`,
        description: c.class,
      })),
    ];
  }

  private resort(mode: SortMode): void {
    this.sort = mode;
    this.order = this.sortedRows();
    void this.drawHeatmap();
  }

  private sortedRows(): number[] {
    const idx = this.v.predictions.map((_, i) => i);
    if (this.sort === 'margin') return idx.sort((a, b) => byMargin(this.margin[a], this.margin[b]) || a - b);
    if (this.sort.startsWith('column:')) {
      const k = Number(this.sort.slice('column:'.length));
      return idx.sort((a, b) => this.v.similarity[b][k] - this.v.similarity[a][k] || a - b);
    }
    // Multi-label images without any class come after every class group.
    const rank = new Map([...this.s.classes, NO_CLASS].map((c, i) => [c, i]));
    const group = (i: number) => rank.get(rowGroup(this.v.predictions[i], this.multiLabel)) ?? rank.size;
    return idx.sort((a, b) => group(a) - group(b) || a - b);
  }

  async drawHeatmap(): Promise<void> {
    if (similarityProblem(this.v)) return;
    if (!this.heatmapEl.isConnected) return;
    if (this.heatmapPlot) return this.heatmapPlot.redraw();
    this.heatmapPlot = await themedPlot(
      this.root,
      this.heatmapEl,
      (theme) => this.heatmapFigure(theme),
      (fn) => this.cleanups.push(fn),
    );
    this.heatmapPlot.el.on('plotly_click', (ev) => {
      const row = Number(ev.points[0]?.y);
      if (Number.isInteger(row) && this.order[row] !== undefined) this.openDetail(this.order[row], true);
    });
  }

  private heatmapFigure(theme: ThemeColors) {
    const { predictions, similarity, columns } = this.v;
    const order = this.order;
    const rows = order.length;
    const labelRows = rows <= MAX_LABELLED_ROWS;
    const labelColumns = columns.length <= MAX_LABELLED_COLUMNS;
    const base = themedLayout(theme);
    const z = order.map((i) => similarity[i]);
    const hover = order.map((i) => {
      const p = predictions[i];
      const head = `${plotText(p.image)}<br>true ${plotText(p.label)} · predicted ${plotText(p.predicted)}`;
      return columns.map(
        (c, k) =>
          `${head}<br>${plotText(c.class)}: ${plotText(truncate(c.text, 80))}<br>cos ${similarity[i][k].toFixed(4)}`,
      );
    });
    const shapes: Record<string, unknown>[] = [];
    const annotations: Record<string, unknown>[] = [];
    const line = { color: theme.fg, width: 1.5 };
    // Column groups (descriptors are listed class by class): a rule between classes, name above.
    let start = 0;
    for (let k = 1; k <= columns.length; k++) {
      if (k < columns.length && columns[k].class === columns[start].class) continue;
      if (k < columns.length)
        shapes.push({ type: 'line', xref: 'x', yref: 'paper', x0: k - 0.5, x1: k - 0.5, y0: 0, y1: 1, line });
      annotations.push({
        xref: 'x',
        yref: 'paper',
        x: (start + k - 1) / 2,
        y: 1,
        yanchor: 'bottom',
        showarrow: false,
        text: `<b>${plotText(truncate(columns[start].class, 24))}</b>`,
      });
      start = k;
    }
    // Row groups by true class, only while the rows are in class order.
    const groupTicks: { at: number; text: string }[] = [];
    if (this.sort === 'class') {
      let first = 0;
      for (let r = 1; r <= rows; r++) {
        const group = rowGroup(predictions[order[first]], this.multiLabel);
        if (r < rows && rowGroup(predictions[order[r]], this.multiLabel) === group) continue;
        if (r < rows)
          shapes.push({ type: 'line', xref: 'paper', yref: 'y', x0: 0, x1: 1, y0: r - 0.5, y1: r - 0.5, line });
        groupTicks.push({ at: (first + r - 1) / 2, text: group });
        first = r;
      }
    }
    const rowTicks = labelRows
      ? {
          tickvals: order.map((_, r) => r),
          ticktext: order.map(
            (i) =>
              `${isCorrect(predictions[i], this.multiLabel) ? '' : '✗ '}${plotText(truncate(basename(predictions[i].image), 26))}`,
          ),
        }
      : {
          tickvals: groupTicks.map((g) => g.at),
          ticktext: groupTicks.map((g) => `<b>${plotText(truncate(g.text, 20))}</b>`),
        };
    if (labelRows) {
      for (const g of groupTicks) {
        annotations.push({
          xref: 'paper',
          yref: 'y',
          x: 1,
          xanchor: 'left',
          xshift: 6,
          y: g.at,
          showarrow: false,
          textangle: 90,
          text: `<b>${plotText(truncate(g.text, 20))}</b>`,
        });
      }
    }
    const rowPx = labelRows ? 18 : Math.max(1, Math.floor(640 / rows));
    return {
      data: [
        {
          type: 'heatmap',
          z,
          x: columns.map((_, k) => k),
          y: order.map((_, r) => r),
          text: hover,
          hovertemplate: '%{text}<extra></extra>',
          colorscale: 'Viridis',
          colorbar: {
            title: { text: 'cos' },
            thickness: 12,
            outlinewidth: 0,
            x: 1,
            xanchor: 'left',
            xpad: labelRows && groupTicks.length ? 34 : 10,
          },
          xgap: columns.length <= 40 ? 1 : 0,
          ygap: labelRows ? 1 : 0,
        },
      ],
      layout: {
        ...base,
        height: Math.min(1100, Math.max(280, rows * rowPx + 190)),
        margin: { l: 10, r: 10, t: 28, b: 10 },
        xaxis: {
          ...(base.xaxis as object),
          tickvals: columns.map((_, k) => k),
          ticktext: this.labels.map((t) => plotText(truncate(t, 30))),
          tickangle: -35,
          showgrid: false,
          zeroline: false,
          showticklabels: labelColumns,
          title: labelColumns
            ? this.sharedPrefix
              ? { text: plotText(`${this.sharedPrefix}…`), standoff: 6 }
              : undefined
            : { text: `${columns.length} descriptors: hover for the text`, standoff: 6 },
        },
        yaxis: {
          ...(base.yaxis as object),
          ...rowTicks,
          autorange: 'reversed',
          showgrid: false,
          zeroline: false,
          ticks: '',
        },
        shapes,
        annotations,
      },
    };
  }

  // --- gallery and detail

  private galleryItems(): number[] {
    const idx = this.v.predictions.map((_, i) => i);
    const f = this.filter;
    if (f)
      return idx.filter(
        (i) => this.v.predictions[i].label === f.label && this.v.predictions[i].predicted === f.predicted,
      );
    const failures = idx.filter((i) => !isCorrect(this.v.predictions[i], this.multiLabel));
    // Worst failures first: the most negative margin was the most confidently wrong; in a
    // multi-label set, first the images with the most classes wrong.
    const wrongClasses = (i: number) => (this.multiLabel ? mismatchedClasses(this.v.predictions[i]) : 0);
    return failures.sort(
      (a, b) => wrongClasses(b) - wrongClasses(a) || byMargin(this.margin[a], this.margin[b]) || a - b,
    );
  }

  private drawGallery(): void {
    const items = this.galleryItems();
    const f = this.filter;
    this.galleryTitle.textContent = f
      ? `${f.label === f.predicted ? 'Correct' : 'Failure'} cases: true ${f.label} → predicted ${f.predicted} (${items.length})`
      : this.multiLabel
        ? `Label mismatches (${items.length} of ${this.v.predictions.length} images: predicted classes differ from the labelled ones)`
        : `Failure cases (${items.length} misclassified of ${this.v.predictions.length})`;
    clear(this.filterEl);
    if (f)
      this.filterEl.appendChild(
        button('Show all failures', () => this.setFilter(undefined), { secondary: true, testid: 'clear-filter' }),
      );
    else
      this.filterEl.appendChild(
        h(
          'span',
          { class: 'sl-help' },
          `${this.multiLabel ? 'Most classes wrong first, then most confidently wrong' : 'Most confidently wrong first'}. Click a card for the image’s descriptor scores.`,
        ),
      );
    clear(this.galleryEl);
    this.galleryEl.dataset.total = String(items.length);
    if (f) {
      this.galleryEl.dataset.filterTrue = f.label;
      this.galleryEl.dataset.filterPredicted = f.predicted;
    } else {
      delete this.galleryEl.dataset.filterTrue;
      delete this.galleryEl.dataset.filterPredicted;
    }
    if (items.length === 0)
      this.galleryEl.appendChild(
        h(
          'p',
          { class: 'sl-muted' },
          f
            ? 'No images in this cell.'
            : this.multiLabel
              ? 'Every image’s predicted classes match its labels.'
              : 'No misclassified images.',
        ),
      );
    for (const i of items.slice(0, this.shown)) this.galleryEl.appendChild(this.card(i));
    clear(this.moreEl);
    if (items.length > this.shown) {
      this.moreEl.appendChild(
        button(
          `Show ${Math.min(PAGE_SIZE, items.length - this.shown)} more of ${items.length - this.shown}`,
          () => {
            this.shown += PAGE_SIZE;
            this.drawGallery();
          },
          { secondary: true },
        ),
      );
    }
  }

  private card(i: number): HTMLElement {
    const p = this.v.predictions[i];
    const wrong = !isCorrect(p, this.multiLabel);
    const open = () => this.openDetail(i, false);
    return h(
      'div',
      {
        class: `sl-card${this.selected === i ? ' sl-selected' : ''}`,
        testid: 'card',
        attrs: {
          role: 'button',
          tabindex: 0,
          'data-image': p.image,
          'data-index': i,
          'data-true': p.label,
          'data-predicted': p.predicted,
        },
        on: { click: open, keydown: (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), open()) },
      },
      h(
        'div',
        { class: 'sl-card-top' },
        this.thumbs.element(p.image),
        h(
          'div',
          { class: 'sl-card-meta' },
          h('span', { class: 'sl-card-name', title: p.image }, basename(p.image)),
          labelRow('true', p.label, 'sl-good-text'),
          labelRow('pred.', p.predicted, wrong ? 'sl-bad-text' : 'sl-good-text'),
          labelRow('margin', decimal(this.margin[i]), '', this.marginHelp()),
        ),
      ),
      this.drivers(i),
    );
  }

  private marginHelp(): string {
    return this.multiLabel
      ? 'lowest score of the labelled classes minus the highest of the others: negative when an unlabelled class outranks a labelled one; — for an image with no class or every class'
      : 'score of the true class minus the best other class: negative when misclassified';
  }

  /**
   * The descriptors that drove the prediction: the predicted class's strongest, against the true
   * class's; in a multi-label set the strongest of each predicted class, then of each missed one.
   */
  private drivers(i: number): HTMLElement | null {
    if (similarityProblem(this.v)) return null;
    const p = this.v.predictions[i];
    const line = (cls: string, count: number) => {
      const top = this.topDescriptors(i, cls, count);
      return top.length
        ? h(
            'div',
            { class: 'sl-driver', title: top.map((t) => `${t.text}: ${decimal(t.value)}`).join('\n') },
            h('span', { class: 'sl-k' }, `${truncate(cls, 14)}:`),
            h('span', { class: 'sl-v' }, top.map((t) => `${t.text} ${decimal(t.value)}`).join(' · ')),
          )
        : null;
    };
    if (this.multiLabel) {
      const predicted = classList(p.predicted, true);
      const missed = classList(p.label, true).filter((c) => !predicted.includes(c));
      return h('div', { class: 'sl-drivers' }, ...[...predicted, ...missed].slice(0, 3).map((c) => line(c, 1)));
    }
    return h('div', { class: 'sl-drivers' }, line(p.predicted, 2), p.label !== p.predicted ? line(p.label, 1) : null);
  }

  private topDescriptors(i: number, cls: string, count: number): { text: string; value: number }[] {
    return this.v.columns
      .map((c, k) => ({ c, k }))
      .filter(({ c }) => c.class === cls)
      .map(({ k }) => ({ text: this.labels[k], value: this.v.similarity[i][k] }))
      .sort((a, b) => b.value - a.value)
      .slice(0, count);
  }

  private openDetail(i: number, fromHeatmap: boolean): void {
    this.selected = i;
    for (const card of this.galleryEl.querySelectorAll<HTMLElement>('.sl-card'))
      card.classList.toggle('sl-selected', Number(card.dataset.index) === i);
    clear(this.detailSlot);
    this.detailSlot.appendChild(this.detail(i));
    this.body.classList.add('sl-with-detail');
    if (fromHeatmap) this.detailSlot.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }

  private closeDetail(): void {
    this.selected = undefined;
    clear(this.detailSlot);
    this.body.classList.remove('sl-with-detail');
    for (const card of this.galleryEl.querySelectorAll('.sl-card.sl-selected')) card.classList.remove('sl-selected');
  }

  private detail(i: number): HTMLElement {
    const p = this.v.predictions[i];
    const ranked = Object.entries(p.scores).sort((a, b) => b[1] - a[1]);
    // Each class of a multi-label set is decided on its own: no class is the runner-up.
    const runnerUp = this.multiLabel ? undefined : ranked[1];
    const predicted = new Set(classList(p.predicted, this.multiLabel));
    const labelled = new Set(classList(p.label, this.multiLabel));
    const groups: BarGroup[] = similarityProblem(this.v)
      ? []
      : this.s.classes.map((c) => ({
          label: c,
          score: p.scores[c],
          role:
            predicted.has(c) && labelled.has(c)
              ? 'both'
              : predicted.has(c)
                ? 'predicted'
                : labelled.has(c)
                  ? 'true'
                  : 'other',
          items: this.topDescriptors(i, c, Infinity),
        }));
    // Predicted class first, then the true class, then the rest by score.
    const rank = (g: BarGroup) => (g.role === 'both' || g.role === 'predicted' ? 0 : g.role === 'true' ? 1 : 2);
    groups.sort((a, b) => rank(a) - rank(b) || (b.score ?? 0) - (a.score ?? 0));
    return h(
      'div',
      {
        class: 'sl-detail',
        testid: 'detail',
        attrs: { 'data-image': p.image, role: 'region', 'aria-label': `Descriptor scores of ${p.image}` },
      },
      h(
        'div',
        { class: 'sl-detail-head' },
        this.thumbs.element(p.image),
        h(
          'div',
          { class: 'sl-card-meta' },
          h('span', { class: 'sl-card-name', title: p.image }, basename(p.image)),
          h('span', { class: 'sl-muted sl-mono', title: p.image }, truncate(p.image, 60)),
          labelRow('true', p.label, 'sl-good-text'),
          labelRow('pred.', p.predicted, isCorrect(p, this.multiLabel) ? 'sl-good-text' : 'sl-bad-text'),
          labelRow('margin', decimal(this.margin[i]), '', this.marginHelp()),
          runnerUp
            ? labelRow(
                'runner-up',
                `${runnerUp[0]} (−${decimal(ranked[0][1] - runnerUp[1])})`,
                '',
                'the second-best class and how far its score is below the predicted one',
              )
            : null,
          h('span', { class: 'sl-muted' }, `variant ${this.v.name}`),
        ),
        h(
          'div',
          { class: 'sl-detail-actions' },
          this.post
            ? button('Open image', () => this.post?.({ type: 'openImage', image: p.image }), {
                secondary: true,
                testid: 'open-image',
              })
            : null,
          button('Close', () => this.closeDetail(), { secondary: true, testid: 'close-detail' }),
        ),
      ),
      groups.length ? descriptorBars(groups) : notice('No descriptor similarities in this result.', 'info'),
    );
  }
}

function labelRow(key: string, value: string, valueClass: string, help?: string): HTMLElement {
  return h(
    'span',
    { class: 'sl-label-row', title: help },
    h('span', { class: 'sl-k' }, key),
    h('span', { class: valueClass, title: help ? undefined : value }, value),
  );
}

/**
 * The whole words every text starts with, when there are several texts and they share at least
 * two words: "a chest x-ray showing " for a class-name template. Dropping it leaves the part
 * that differs in short labels.
 */
function commonWordPrefix(texts: string[]): string {
  if (texts.length < 2) return '';
  let prefix = texts[0];
  for (const t of texts) while (!t.startsWith(prefix)) prefix = prefix.slice(0, -1);
  prefix = prefix.slice(0, prefix.lastIndexOf(' ') + 1);
  const rest = texts.every((t) => t.length > prefix.length);
  return rest && prefix.trim().split(/\s+/).length >= 2 ? prefix : '';
}

// ---------------------------------------------------------------------------------------------
// Reading a prediction: one class per image, or in a multi-label set a list of classes
// ("a, b", or "(none)") in the score's class order.

function classList(value: string, multiLabel: boolean): string[] {
  if (!multiLabel) return [value];
  return value === NO_CLASS ? [] : value.split(', ');
}

/** Classes in one of two multi-label lists but not in the other. */
function classDifference(a: string, b: string): number {
  const x = classList(a, true);
  const y = classList(b, true);
  return x.filter((c) => !y.includes(c)).length + y.filter((c) => !x.includes(c)).length;
}

/** Classes in the label or the prediction but not both (0 when the prediction is right). */
function mismatchedClasses(p: Prediction): number {
  return classDifference(p.label, p.predicted);
}

function sameClasses(a: string, b: string, multiLabel: boolean): boolean {
  return multiLabel ? classDifference(a, b) === 0 : a === b;
}

function isCorrect(p: Prediction, multiLabel: boolean): boolean {
  return sameClasses(p.label, p.predicted, multiLabel);
}

/** The class a heatmap row is grouped under: its label, or a multi-label image's first labelled class. */
function rowGroup(p: Prediction, multiLabel: boolean): string {
  return multiLabel ? (classList(p.label, true)[0] ?? NO_CLASS) : p.label;
}

/**
 * How far the scores back the labels: single-label, the true class's score minus the best other
 * class's; multi-label, the lowest labelled class's minus the highest unlabelled one's (NaN for
 * an image with no class or with every class, where nothing is ranked against anything).
 */
function labelMargin(p: Prediction, classes: string[], multiLabel: boolean): number {
  const labelled = classList(p.label, multiLabel);
  const own = labelled.map((c) => p.scores[c]).filter((x) => typeof x === 'number');
  const others = classes
    .filter((c) => !labelled.includes(c))
    .map((c) => p.scores[c])
    .filter((x) => typeof x === 'number');
  return own.length === labelled.length && own.length && others.length ? Math.min(...own) - Math.max(...others) : NaN;
}

/** Ascending, with undefined (NaN) margins last. */
function byMargin(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b));
  return a - b;
}

// ---------------------------------------------------------------------------------------------
// Disagreements between two variants

function disagreements(s: Score, thumbs: Thumbnails): HTMLElement {
  const multiLabel = s.multiLabel === true;
  const right = (p: Prediction) => isCorrect(p, multiLabel);
  let a = 0;
  let b = 1;
  let shown = PAGE_SIZE;
  const body = h('div');
  const choices = s.variants.map((v, i) => ({ value: String(i), label: v.name }));
  const draw = () => {
    clear(body);
    const va = s.variants[a];
    const vb = s.variants[b];
    const byImage = new Map(vb.predictions.map((p) => [p.image, p]));
    const rows = va.predictions.flatMap((pa) => {
      const pb = byImage.get(pa.image);
      return pb && !sameClasses(pa.predicted, pb.predicted, multiLabel) ? [{ pa, pb }] : [];
    });
    if (a === b) {
      body.appendChild(notice('Pick two different variants.', 'info'));
      return;
    }
    const tally = { aOnly: 0, bOnly: 0, neither: 0 };
    for (const { pa, pb } of rows) {
      if (right(pa)) tally.aOnly++;
      else if (right(pb)) tally.bOnly++;
      else tally.neither++;
    }
    append(
      body,
      h(
        'p',
        { class: 'sl-tally' },
        h('span', null, h('b', null, String(rows.length)), ` of ${va.predictions.length} images differ`),
        h('span', null, `only ${va.name} right: `, h('b', null, String(tally.aOnly))),
        h('span', null, `only ${vb.name} right: `, h('b', null, String(tally.bOnly))),
        h('span', null, 'both wrong: ', h('b', null, String(tally.neither))),
      ),
    );
    if (rows.length === 0) return;
    const verdict = (p: Prediction) =>
      h(
        'td',
        {
          class: right(p) ? 'sl-good-text' : 'sl-bad-text',
          title:
            classList(p.predicted, multiLabel)
              .map((c) => `${c}: score ${decimal(p.scores[c])}`)
              .join('\n') || 'no class predicted',
        },
        `${right(p) ? '✓' : '✗'} ${p.predicted}`,
      );
    body.appendChild(
      h(
        'div',
        { class: 'sl-scroll' },
        h(
          'table',
          { testid: 'disagreements-table' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', null, 'Image'),
              h('th', null, 'True'),
              h('th', null, va.name),
              h('th', null, vb.name),
            ),
          ),
          h(
            'tbody',
            null,
            ...rows
              .slice(0, shown)
              .map(({ pa, pb }) =>
                h(
                  'tr',
                  { attrs: { 'data-image': pa.image } },
                  h(
                    'td',
                    null,
                    h('div', { class: 'sl-image-cell', title: pa.image }, thumbs.element(pa.image), basename(pa.image)),
                  ),
                  h('td', null, pa.label),
                  verdict(pa),
                  verdict(pb),
                ),
              ),
          ),
        ),
      ),
    );
    if (rows.length > shown)
      body.appendChild(
        h(
          'div',
          { class: 'sl-more' },
          button(`Show ${Math.min(PAGE_SIZE, rows.length - shown)} more`, () => ((shown += PAGE_SIZE), draw()), {
            secondary: true,
          }),
        ),
      );
  };
  const picker = (initial: number, set: (i: number) => void, label: string) =>
    dropdown(choices, String(initial), (value) => ((shown = PAGE_SIZE), set(Number(value)), draw()), label);
  draw();
  return section(
    'sl-disagreements',
    'Disagreements',
    'Images that two variants classify differently, side by side.',
    h(
      'div',
      { class: 'sl-versus' },
      picker(a, (i) => (a = i), 'First variant'),
      h('span', { class: 'sl-muted' }, 'vs'),
      picker(b, (i) => (b = i), 'Second variant'),
    ),
    body,
  );
}
