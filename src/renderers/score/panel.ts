// One variant: its confusion matrix, failure gallery and similarity heatmap, linked: a confusion
// cell filters the gallery right below it, a heatmap row opens the image's evidence beside that
// row, and Escape closes it. What a click changes is brought into view and marked.
import type { ScoreActionMessage } from '../../protocol/messages';
import type { SaveImageRequest } from '../../protocol/export';
import { imageButtons } from '../_shared/plotExport';
import { readTheme } from '../_shared/theme';
import { confusionFigure } from './export';
import { h, notice, section } from '../_shared/dom';
import { dropdown, type Choice } from '../_shared/elements';
import { truncate } from '../_shared/format';
import { themedPlot, type ThemedPlot } from '../_shared/plotly';
import type { Thumbnails } from '../_shared/thumbnails';
import { confusionCounts, confusionMatrix, markConfusionCell } from './confusion';
import { VariantRows, type RowsChannel } from './rows';
import { columnLabels, similarityProblem, type Score, type Variant } from './data';
import { Gallery } from './gallery';
import { heatmapFigure } from './heatmapFigure';
import { HeatmapPager } from './heatmapPager';

type SortMode = 'class' | 'margin' | `column:${number}`;

export class VariantPanel {
  readonly el: HTMLElement;
  private readonly v: Variant;
  private readonly rows: VariantRows;
  /** Rows the output holds (before any page arrives). */
  private readonly kept: number;
  private readonly pager: HeatmapPager | undefined;
  private readonly cleanups: (() => void)[] = [];
  private readonly heatmapEl = h('div', { class: 'sl-heatmap', testid: 'heatmap' });
  /** The detail panel of a clicked heatmap row, laid over the heatmap's right side at that row. */
  private readonly heatmapDetail = h('div', { class: 'sl-heatmap-detail', attrs: { hidden: true } });
  private sort: SortMode = 'class';
  private order: number[] = [];
  private readonly margin: number[];
  private readonly multiLabel: boolean;
  private heatmapPlot: ThemedPlot | undefined;
  /** Column texts without the words every column starts with (a class-name template, say). */
  private readonly labels: string[];
  private readonly sharedPrefix: string;
  private readonly gallery: Gallery;

  constructor(
    private readonly s: Score,
    index: number,
    thumbs: Thumbnails,
    private readonly root: ShadowRoot,
    post: ((message: ScoreActionMessage | SaveImageRequest) => void) | undefined,
    channel: RowsChannel | undefined,
  ) {
    this.rows = new VariantRows(s, index, channel);
    this.kept = this.rows.index.length;
    if (this.rows.paged)
      this.pager = new HeatmapPager(
        this.rows,
        () => (this.sort === 'margin' ? 'margin' : 'class'),
        (rows) => this.showRows(rows),
      );
    this.v = this.rows.v;
    this.multiLabel = s.multiLabel === true;
    this.margin = this.rows.margin;
    ({ prefix: this.sharedPrefix, labels: this.labels } = columnLabels(this.v));
    // A paged output holds a few rows: its counts are the metrics' (of every image).
    const counts = this.rows.paged ? this.v.metrics.confusion : confusionCounts(s.classes, this.v.predictions);
    // Multi-label sets have no confusion matrix.
    const confusion = this.multiLabel
      ? undefined
      : confusionMatrix(s.classes, counts, (pair) => this.gallery.setFilter(pair));
    this.gallery = new Gallery(s, this.rows, thumbs, this.labels, post, (pair) => {
      if (confusion) markConfusionCell(confusion, pair);
    });
    const problem = similarityProblem(this.v);
    this.el = h(
      'div',
      { class: 'sl-variant-panel', attrs: { 'data-variant': this.v.name } },
      confusion
        ? section(
            'sl-confusion-section',
            `Confusion matrix · ${this.v.name}`,
            'Rows: true class; columns: predicted. Click a cell to list its images right below.',
            imageButtons(
              `confusion-${this.v.name}`,
              () => confusionFigure(s.classes, counts, this.v.name, readTheme(confusion)),
              post,
              'confusion-image',
            ),
            h('div', { class: 'sl-scroll' }, confusion),
          )
        : h(
            'div',
            { testid: 'no-confusion' },
            notice(
              'No confusion matrix: in a multi-label set each class is its own yes/no question, so an image has no single true and predicted class; read the per-class AUROC above.',
            ),
          ),
      this.gallery.el,
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
              h(
                'span',
                { class: 'sl-heading-row' },
                imageButtons(`heatmap-${this.v.name}`, () => this.heatmapEl, post, 'heatmap-image'),
                dropdown(this.sortChoices(), this.sort, (m) => this.resort(m as SortMode), 'Sort images'),
              ),
            ),
            h(
              'p',
              { class: 'sl-help' },
              this.multiLabel
                ? 'Cosine similarity of every image (row) with every descriptor (column), columns grouped by class, rows by their first labelled class. ✗ marks an image whose predicted classes differ from its labels; click a row for its evidence.'
                : 'Cosine similarity of every image (row) with every descriptor (column), columns grouped by class. ✗ marks a misclassified image; click a row for its evidence.',
            ),
            this.pager?.el ?? null,
            h('div', { class: 'sl-heatmap-wrap' }, this.heatmapEl, this.heatmapDetail),
          ),
    );
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.gallery.closeDetail()) e.stopPropagation();
    });
    this.order = this.sortedRows();
    // Ask for one row at once: a file that is gone (reopened without the cache) is said before
    // any click, and the extension reads the file while the user looks at the aggregates.
    if (this.rows.canFetch)
      void this.rows.fetch({ list: 'failures', offset: 0, limit: 1 }).then(() => {
        if (!this.rows.gone) return;
        this.gallery.redraw();
        this.pager?.draw();
      });
  }

  dispose(): void {
    for (const fn of this.cleanups.splice(0)) fn();
  }

  private sortChoices(): Choice[] {
    return [
      { value: 'class', label: 'Sort by class' },
      { value: 'margin', label: 'Sort by margin (worst first)' },
      // Sorting by a descriptor needs every row at hand.
      ...(this.rows.paged ? [] : (this.v.columns ?? [])).map((c, k) => ({
        value: `column:${k}`,
        label: `By descriptor: ${truncate(this.labels[k], 48)}`,
        description: c.class,
      })),
    ];
  }

  private resort(mode: SortMode): void {
    this.sort = mode;
    if (this.pager) return this.pager.reorder();
    this.order = this.sortedRows();
    void this.drawHeatmap();
  }

  /** Shows a page of local rows, or the kept rows in the chosen order. */
  private showRows(rows: number[] | undefined): void {
    this.order = rows ?? this.sortedRows();
    void this.drawHeatmap();
  }

  private sortedRows(): number[] {
    if (this.sort.startsWith('column:')) {
      const k = Number(this.sort.slice('column:'.length));
      const idx = this.v.predictions.map((_, i) => i);
      return idx.sort((a, b) => this.v.similarity[b][k] - this.v.similarity[a][k] || a - b);
    }
    // Multi-label images without any class come after every class group. A paged output's
    // pages arrive through the pager; here its kept rows.
    return this.rows.ordered(this.sort === 'margin' ? 'margin' : 'class', this.kept);
  }

  async drawHeatmap(): Promise<void> {
    if (similarityProblem(this.v)) return;
    if (!this.heatmapEl.isConnected) return;
    if (this.heatmapPlot) return this.heatmapPlot.redraw();
    this.heatmapPlot = await themedPlot(
      this.root,
      this.heatmapEl,
      (theme) =>
        heatmapFigure(
          {
            variant: this.v,
            order: this.order,
            byClass: this.sort === 'class',
            labels: this.labels,
            prefix: this.sharedPrefix,
          },
          theme,
        ),
      (fn) => this.cleanups.push(fn),
    );
    this.heatmapPlot.el.on('plotly_click', (ev) => {
      const row = Number(ev.points[0]?.y);
      if (Number.isInteger(row) && this.order[row] !== undefined) this.openBesideRow(this.order[row], ev.event);
    });
  }

  /** Opens image `i`'s evidence over the heatmap at the height of the click, inside the heatmap's box where it fits. */
  private openBesideRow(i: number, click: MouseEvent | undefined): void {
    const box = this.heatmapEl.getBoundingClientRect();
    const y = click ? click.clientY - box.top : 0;
    this.gallery.openDetail(i, this.heatmapDetail, (panel) => {
      const top = Math.max(0, Math.min(y - 24, this.heatmapEl.offsetHeight - panel.offsetHeight));
      this.heatmapDetail.style.top = `${top}px`;
      // A panel taller than a short heatmap makes the heatmap's box grow rather than cover what follows.
      this.heatmapDetail.parentElement!.style.minHeight = `${panel.offsetHeight}px`;
    });
  }
}
