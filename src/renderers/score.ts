// The renderer of a score cell (application/vnd.symptom-lens.score+json): the variants side by
// side, then for the chosen variant its confusion matrix, similarity heatmap and failure cases,
// linked (a confusion cell filters the gallery, a card or heatmap row opens the image's evidence),
// and the images on which two variants disagree.
import type { ClassificationMetrics, Prediction, RunRecord, ScoreResult, VariantResult } from '../kernel/types';
import { BARS_CSS, descriptorBars, type BarGroup } from './_shared/bars';
import { append, clear, h, notice, section } from './_shared/dom';
import { button, dropdown, tabBar, type Choice } from './_shared/elements';
import { basename, decimal, duration, percent, plural, shortHash, truncate } from './_shared/format';
import { plotText, themedLayout, themedPlot, type ThemedPlot } from './_shared/plotly';
import type { ThemeColors } from './_shared/theme';
import { createRenderer, DataError, expectArray, expectObject, expectString } from './_shared/renderer';
import type { OpenImageRequest } from './_shared/messages';
import { Thumbnails } from './_shared/thumbnails';
import type { SanityFlag } from '../scoring/flags';

// Fields the statistics work adds to a score result; all optional, shown when present. An
// interval may come as [low, high] or as a metrics/bootstrap ConfidenceInterval ({ low, high }).
type Interval = [number, number];
type IntervalLike = Interval | { low: number; high: number } | null;
interface MetricIntervals {
  accuracy?: IntervalLike;
  balancedAccuracy?: IntervalLike;
  macroF1?: IntervalLike;
  auroc?: Record<string, IntervalLike>;
}
type Variant = Omit<VariantResult, 'metrics'> & { metrics: ClassificationMetrics & { ci?: MetricIntervals } };
type Score = Omit<ScoreResult, 'variants'> & { variants: Variant[]; flags?: SanityFlag[] };

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
      for (const row of table.querySelectorAll('tbody tr')) row.classList.toggle('sl-current', Number((row as HTMLElement).dataset.index) === i);
      if (tabs && tabs.selectedIndex !== i) tabs.selectedIndex = i;
    };
    onDispose(() => panel?.dispose());

    append(container, header(data), data.flags?.length ? flagList(data.flags) : null);
    container.appendChild(section('sl-comparison', 'Variants', '▲ marks the best variant per column; click a row to inspect that variant below.', h('div', { class: 'sl-scroll' }, table)));
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
  if (!Array.isArray(v.similarity) || !Array.isArray(v.columns)) return `variant ${v.name} carries no similarity matrix.`;
  if (v.similarity.length !== n) return `variant ${v.name}: similarity has ${v.similarity.length} rows but there are ${n} predictions.`;
  const bad = v.similarity.findIndex((row) => !Array.isArray(row) || row.length !== v.columns.length);
  if (bad >= 0) return `variant ${v.name}: similarity row ${bad} does not have one value per descriptor (${v.columns.length}).`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Header, flags, comparison table, run record

function header(s: Score): HTMLElement {
  const n = s.variants[0].predictions.length;
  return h(
    'div',
    { class: 'sl-header' },
    h('h2', null, `Score · ${s.name}`),
    h('p', { class: 'sl-subtitle' }, `image set ${s.images} · ${plural(n, 'image')} · ${plural(s.classes.length, 'class', 'classes')} · method ${s.method} · ${plural(s.variants.length, 'variant')}`),
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
  interval(v: Variant): IntervalLike | undefined;
  show(x: number | null | undefined): string;
}

function metricColumns(s: Score): Column[] {
  return [
    { title: 'Accuracy', value: (v) => v.metrics.accuracy, interval: (v) => v.metrics.ci?.accuracy, show: percent },
    { title: 'Balanced acc.', value: (v) => v.metrics.balancedAccuracy, interval: (v) => v.metrics.ci?.balancedAccuracy, show: percent },
    { title: 'Macro-F1', value: (v) => v.metrics.macroF1, interval: (v) => v.metrics.ci?.macroF1, show: percent },
    ...s.classes.map((c) => ({
      title: 'AUROC',
      detail: c,
      value: (v: Variant) => v.metrics.auroc?.[c],
      interval: (v: Variant) => v.metrics.ci?.auroc?.[c],
      show: (x: number | null | undefined) => decimal(x),
    })),
  ];
}

function comparisonTable(s: Score, onPick: (index: number) => void): HTMLTableElement {
  const columns = metricColumns(s);
  // With one variant there is nothing to compare, so nothing is marked best.
  const best = columns.map((col) => (s.variants.length > 1 ? bestOf(s.variants.map(col.value)) : new Set<number>()));
  const hasIntervals = s.variants.some((v) => v.metrics.ci);
  return h(
    'table',
    { class: 'sl-comparison-table', testid: 'comparison-table' },
    h('thead', null, h('tr', null, h('th', null, 'Variant'), ...columns.map((c) => h('th', { title: c.detail ? `${c.title} ${c.detail}` : undefined }, c.title, c.detail ? h('span', { class: 'sl-th-detail' }, c.detail) : null)))),
    h(
      'tbody',
      null,
      ...s.variants.map((v, vi) =>
        h(
          'tr',
          { attrs: { 'data-index': vi, 'data-variant': v.name, tabindex: 0 }, on: { click: () => onPick(vi), keydown: (e) => e.key === 'Enter' && onPick(vi) } },
          h('td', null, v.name),
          ...columns.map((col, ci) => {
            const interval = hasIntervals ? asInterval(col.interval(v)) : undefined;
            return h(
              'td',
              { class: best[ci].has(vi) ? 'sl-best' : '', title: best[ci].has(vi) ? 'best of the variants' : undefined },
              h('span', { class: 'sl-value' }, col.show(col.value(v))),
              interval ? h('span', { class: 'sl-ci', title: '95 % bootstrap interval' }, `${col.show(interval[0])} – ${col.show(interval[1])}`) : null,
            );
          }),
        ),
      ),
    ),
  );
}

function asInterval(x: IntervalLike | undefined): Interval | undefined {
  if (Array.isArray(x) && x.length === 2) return x;
  if (x && !Array.isArray(x) && typeof x.low === 'number' && typeof x.high === 'number') return [x.low, x.high];
  return undefined;
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
        h('dd', { testid: 'encoded', attrs: { 'data-images': encoded.images, 'data-texts': encoded.texts }, title: 'Sent through the model in this run; cache hits are not counted' }, `${plural(encoded.images, 'image')} · ${plural(encoded.texts, 'text')}`),
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
  private readonly confusionEl: HTMLElement;
  /** margin[i] = score of the true class − best other class: negative means misclassified. */
  private readonly margin: number[];
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
    this.margin = this.v.predictions.map((p) => trueMargin(p, s.classes));
    this.sharedPrefix = commonWordPrefix((this.v.columns ?? []).map((c) => c.text));
    this.labels = (this.v.columns ?? []).map((c) => c.text.slice(this.sharedPrefix.length));
    this.confusionEl = this.confusion();
    // The grid and, once a card is clicked, the detail panel beside it (or above, when narrow).
    append(this.body, this.galleryEl, this.detailSlot);
    const problem = similarityProblem(this.v);
    this.el = h(
      'div',
      { class: 'sl-variant-panel', attrs: { 'data-variant': this.v.name } },
      section('sl-confusion-section', `Confusion matrix · ${this.v.name}`, 'Rows: true class; columns: predicted. Click a cell to list its images below.', h('div', { class: 'sl-scroll' }, this.confusionEl)),
      problem
        ? section('sl-heatmap-section', 'Similarity heatmap', undefined, notice(`The heatmap cannot be drawn: ${problem}`, 'warning'))
        : h(
            'section',
            { class: 'sl-section sl-heatmap-section' },
            h('div', { class: 'sl-heading-row' }, h('h3', null, 'Similarity heatmap'), dropdown(this.sortChoices(), this.sort, (m) => this.resort(m as SortMode), 'Sort images')),
            h('p', { class: 'sl-help' }, 'Cosine similarity of every image (row) with every descriptor (column), columns grouped by class. ✗ marks a misclassified image; click a row for its evidence.'),
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
    const counts = classes.map((t) => classes.map((p) => this.v.predictions.filter((x) => x.label === t && x.predicted === p).length));
    return h(
      'table',
      { class: 'sl-confusion', testid: 'confusion' },
      h('thead', null, h('tr', null, h('th', { class: 'sl-axis' }, 'true \\ predicted'), ...classes.map((c) => h('th', { title: c }, truncate(c, 18))))),
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
    for (const cell of this.confusionEl.querySelectorAll<HTMLElement>('.sl-confusion-cell')) {
      cell.classList.toggle('sl-selected', !!this.filter && cell.dataset.true === this.filter.label && cell.dataset.predicted === this.filter.predicted);
    }
    this.drawGallery();
  }

  // --- heatmap

  private sortChoices(): Choice[] {
    return [
      { value: 'class', label: 'Sort by class' },
      { value: 'margin', label: 'Sort by margin (worst first)' },
      ...(this.v.columns ?? []).map((c, k) => ({ value: `column:${k}`, label: `By descriptor: ${truncate(this.labels[k], 48)}`, description: c.class })),
    ];
  }

  private resort(mode: SortMode): void {
    this.sort = mode;
    this.order = this.sortedRows();
    void this.drawHeatmap();
  }

  private sortedRows(): number[] {
    const idx = this.v.predictions.map((_, i) => i);
    if (this.sort === 'margin') return idx.sort((a, b) => this.margin[a] - this.margin[b] || a - b);
    if (this.sort.startsWith('column:')) {
      const k = Number(this.sort.slice('column:'.length));
      return idx.sort((a, b) => this.v.similarity[b][k] - this.v.similarity[a][k] || a - b);
    }
    const rank = new Map(this.s.classes.map((c, i) => [c, i]));
    return idx.sort((a, b) => (rank.get(this.v.predictions[a].label) ?? 1e9) - (rank.get(this.v.predictions[b].label) ?? 1e9) || a - b);
  }

  async drawHeatmap(): Promise<void> {
    if (similarityProblem(this.v)) return;
    if (!this.heatmapEl.isConnected) return;
    if (this.heatmapPlot) return this.heatmapPlot.redraw();
    this.heatmapPlot = await themedPlot(this.root, this.heatmapEl, (theme) => this.heatmapFigure(theme), (fn) => this.cleanups.push(fn));
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
      return columns.map((c, k) => `${head}<br>${plotText(c.class)}: ${plotText(truncate(c.text, 80))}<br>cos ${similarity[i][k].toFixed(4)}`);
    });
    const shapes: Record<string, unknown>[] = [];
    const annotations: Record<string, unknown>[] = [];
    const line = { color: theme.fg, width: 1.5 };
    // Column groups (descriptors are listed class by class): a rule between classes, name above.
    let start = 0;
    for (let k = 1; k <= columns.length; k++) {
      if (k < columns.length && columns[k].class === columns[start].class) continue;
      if (k < columns.length) shapes.push({ type: 'line', xref: 'x', yref: 'paper', x0: k - 0.5, x1: k - 0.5, y0: 0, y1: 1, line });
      annotations.push({ xref: 'x', yref: 'paper', x: (start + k - 1) / 2, y: 1, yanchor: 'bottom', showarrow: false, text: `<b>${plotText(truncate(columns[start].class, 24))}</b>` });
      start = k;
    }
    // Row groups by true class, only while the rows are in class order.
    const groupTicks: { at: number; text: string }[] = [];
    if (this.sort === 'class') {
      let first = 0;
      for (let r = 1; r <= rows; r++) {
        if (r < rows && predictions[order[r]].label === predictions[order[first]].label) continue;
        if (r < rows) shapes.push({ type: 'line', xref: 'paper', yref: 'y', x0: 0, x1: 1, y0: r - 0.5, y1: r - 0.5, line });
        groupTicks.push({ at: (first + r - 1) / 2, text: predictions[order[first]].label });
        first = r;
      }
    }
    const rowTicks = labelRows
      ? { tickvals: order.map((_, r) => r), ticktext: order.map((i) => `${predictions[i].label !== predictions[i].predicted ? '✗ ' : ''}${plotText(truncate(basename(predictions[i].image), 26))}`) }
      : { tickvals: groupTicks.map((g) => g.at), ticktext: groupTicks.map((g) => `<b>${plotText(truncate(g.text, 20))}</b>`) };
    if (labelRows) {
      for (const g of groupTicks) {
        annotations.push({ xref: 'paper', yref: 'y', x: 1, xanchor: 'left', xshift: 6, y: g.at, showarrow: false, textangle: 90, text: `<b>${plotText(truncate(g.text, 20))}</b>` });
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
          colorbar: { title: { text: 'cos' }, thickness: 12, outlinewidth: 0, x: 1, xanchor: 'left', xpad: labelRows && groupTicks.length ? 34 : 10 },
          xgap: columns.length <= 40 ? 1 : 0,
          ygap: labelRows ? 1 : 0,
        },
      ],
      layout: {
        ...base,
        height: Math.min(1100, Math.max(280, rows * rowPx + 190)),
        margin: { l: 10, r: 10, t: 28, b: 10 },
        xaxis: { ...(base.xaxis as object), tickvals: columns.map((_, k) => k), ticktext: this.labels.map((t) => plotText(truncate(t, 30))), tickangle: -35, showgrid: false, zeroline: false,
          showticklabels: labelColumns,
          title: labelColumns ? (this.sharedPrefix ? { text: plotText(`${this.sharedPrefix}…`), standoff: 6 } : undefined) : { text: `${columns.length} descriptors: hover for the text`, standoff: 6 } },
        yaxis: { ...(base.yaxis as object), ...rowTicks, autorange: 'reversed', showgrid: false, zeroline: false, ticks: '' },
        shapes,
        annotations,
      },
    };
  }

  // --- gallery and detail

  private galleryItems(): number[] {
    const idx = this.v.predictions.map((_, i) => i);
    const f = this.filter;
    if (f) return idx.filter((i) => this.v.predictions[i].label === f.label && this.v.predictions[i].predicted === f.predicted);
    // Worst failures first: the most negative margin was the most confidently wrong.
    return idx.filter((i) => this.v.predictions[i].label !== this.v.predictions[i].predicted).sort((a, b) => this.margin[a] - this.margin[b] || a - b);
  }

  private drawGallery(): void {
    const items = this.galleryItems();
    const f = this.filter;
    this.galleryTitle.textContent = f
      ? `${f.label === f.predicted ? 'Correct' : 'Failure'} cases: true ${f.label} → predicted ${f.predicted} (${items.length})`
      : `Failure cases (${items.length} misclassified of ${this.v.predictions.length})`;
    clear(this.filterEl);
    if (f) this.filterEl.appendChild(button('Show all failures', () => this.setFilter(undefined), { secondary: true, testid: 'clear-filter' }));
    else this.filterEl.appendChild(h('span', { class: 'sl-help' }, 'Most confidently wrong first. Click a card for the image’s descriptor scores.'));
    clear(this.galleryEl);
    this.galleryEl.dataset.total = String(items.length);
    if (f) {
      this.galleryEl.dataset.filterTrue = f.label;
      this.galleryEl.dataset.filterPredicted = f.predicted;
    } else {
      delete this.galleryEl.dataset.filterTrue;
      delete this.galleryEl.dataset.filterPredicted;
    }
    if (items.length === 0) this.galleryEl.appendChild(h('p', { class: 'sl-muted' }, f ? 'No images in this cell.' : 'No misclassified images.'));
    for (const i of items.slice(0, this.shown)) this.galleryEl.appendChild(this.card(i));
    clear(this.moreEl);
    if (items.length > this.shown) {
      this.moreEl.appendChild(
        button(`Show ${Math.min(PAGE_SIZE, items.length - this.shown)} more of ${items.length - this.shown}`, () => {
          this.shown += PAGE_SIZE;
          this.drawGallery();
        }, { secondary: true }),
      );
    }
  }

  private card(i: number): HTMLElement {
    const p = this.v.predictions[i];
    const wrong = p.label !== p.predicted;
    const open = () => this.openDetail(i, false);
    return h(
      'div',
      {
        class: `sl-card${this.selected === i ? ' sl-selected' : ''}`,
        testid: 'card',
        attrs: { role: 'button', tabindex: 0, 'data-image': p.image, 'data-index': i, 'data-true': p.label, 'data-predicted': p.predicted },
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
          labelRow('margin', decimal(this.margin[i]), '', MARGIN_HELP),
        ),
      ),
      this.drivers(i),
    );
  }

  /** The descriptors that drove the prediction: the predicted class's strongest, against the true class's. */
  private drivers(i: number): HTMLElement | null {
    if (similarityProblem(this.v)) return null;
    const p = this.v.predictions[i];
    const line = (cls: string, count: number) => {
      const top = this.topDescriptors(i, cls, count);
      return top.length
        ? h('div', { class: 'sl-driver', title: top.map((t) => `${t.text}: ${decimal(t.value)}`).join('\n') }, h('span', { class: 'sl-k' }, `${truncate(cls, 14)}:`), h('span', { class: 'sl-v' }, top.map((t) => `${t.text} ${decimal(t.value)}`).join(' · ')))
        : null;
    };
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
    for (const card of this.galleryEl.querySelectorAll<HTMLElement>('.sl-card')) card.classList.toggle('sl-selected', Number(card.dataset.index) === i);
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
    const runnerUp = ranked[1];
    const groups: BarGroup[] = similarityProblem(this.v)
      ? []
      : this.s.classes.map((c) => ({
          label: c,
          score: p.scores[c],
          role: c === p.predicted && c === p.label ? 'both' : c === p.predicted ? 'predicted' : c === p.label ? 'true' : 'other',
          items: this.topDescriptors(i, c, Infinity),
        }));
    // Predicted class first, then the true class, then the rest by score.
    const rank = (g: BarGroup) => (g.role === 'both' || g.role === 'predicted' ? 0 : g.role === 'true' ? 1 : 2);
    groups.sort((a, b) => rank(a) - rank(b) || (b.score ?? 0) - (a.score ?? 0));
    return h(
      'div',
      { class: 'sl-detail', testid: 'detail', attrs: { 'data-image': p.image, role: 'region', 'aria-label': `Descriptor scores of ${p.image}` } },
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
          labelRow('pred.', p.predicted, p.label !== p.predicted ? 'sl-bad-text' : 'sl-good-text'),
          labelRow('margin', decimal(this.margin[i]), '', MARGIN_HELP),
          runnerUp ? labelRow('runner-up', `${runnerUp[0]} (−${decimal(ranked[0][1] - runnerUp[1])})`, '', 'the second-best class and how far its score is below the predicted one') : null,
          h('span', { class: 'sl-muted' }, `variant ${this.v.name}`),
        ),
        h(
          'div',
          { class: 'sl-detail-actions' },
          this.post ? button('Open image', () => this.post?.({ type: 'openImage', image: p.image }), { secondary: true, testid: 'open-image' }) : null,
          button('Close', () => this.closeDetail(), { secondary: true, testid: 'close-detail' }),
        ),
      ),
      groups.length ? descriptorBars(groups) : notice('No descriptor similarities in this result.', 'info'),
    );
  }
}

const MARGIN_HELP = 'score of the true class minus the best other class: negative when misclassified';

function labelRow(key: string, value: string, valueClass: string, help?: string): HTMLElement {
  return h('span', { class: 'sl-label-row', title: help }, h('span', { class: 'sl-k' }, key), h('span', { class: valueClass, title: help ? undefined : value }, value));
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

function trueMargin(p: Prediction, classes: string[]): number {
  const own = p.scores[p.label];
  const others = classes.filter((c) => c !== p.label).map((c) => p.scores[c]).filter((x) => typeof x === 'number');
  return typeof own === 'number' && others.length ? own - Math.max(...others) : NaN;
}

// ---------------------------------------------------------------------------------------------
// Disagreements between two variants

function disagreements(s: Score, thumbs: Thumbnails): HTMLElement {
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
      return pb && pb.predicted !== pa.predicted ? [{ pa, pb }] : [];
    });
    if (a === b) {
      body.appendChild(notice('Pick two different variants.', 'info'));
      return;
    }
    const tally = { aOnly: 0, bOnly: 0, neither: 0 };
    for (const { pa, pb } of rows) {
      if (pa.predicted === pa.label) tally.aOnly++;
      else if (pb.predicted === pb.label) tally.bOnly++;
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
    const verdict = (p: Prediction) => h('td', { class: p.predicted === p.label ? 'sl-good-text' : 'sl-bad-text', title: `score ${decimal(p.scores[p.predicted])}` }, `${p.predicted === p.label ? '✓' : '✗'} ${p.predicted}`);
    body.appendChild(
      h(
        'div',
        { class: 'sl-scroll' },
        h(
          'table',
          { testid: 'disagreements-table' },
          h('thead', null, h('tr', null, h('th', null, 'Image'), h('th', null, 'True'), h('th', null, va.name), h('th', null, vb.name))),
          h(
            'tbody',
            null,
            ...rows.slice(0, shown).map(({ pa, pb }) =>
              h('tr', { attrs: { 'data-image': pa.image } }, h('td', null, h('div', { class: 'sl-image-cell', title: pa.image }, thumbs.element(pa.image), basename(pa.image))), h('td', null, pa.label), verdict(pa), verdict(pb)),
            ),
          ),
        ),
      ),
    );
    if (rows.length > shown) body.appendChild(h('div', { class: 'sl-more' }, button(`Show ${Math.min(PAGE_SIZE, rows.length - shown)} more`, () => ((shown += PAGE_SIZE), draw()), { secondary: true })));
  };
  const picker = (initial: number, set: (i: number) => void, label: string) => dropdown(choices, String(initial), (value) => ((shown = PAGE_SIZE), set(Number(value)), draw()), label);
  draw();
  return section(
    'sl-disagreements',
    'Disagreements',
    'Images that two variants classify differently, side by side.',
    h('div', { class: 'sl-versus' }, picker(a, (i) => (a = i), 'First variant'), h('span', { class: 'sl-muted' }, 'vs'), picker(b, (i) => (b = i), 'Second variant')),
    body,
  );
}
