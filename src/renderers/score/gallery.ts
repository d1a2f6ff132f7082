// The failure gallery of one variant and the detail panel of a chosen image: worst failures
// first (or the images of one confusion cell), each card with the descriptors that drove it, and
// on click the image's score for every descriptor of every class.
import { MAX_ROWS_PER_REPLY, type ScoreActionMessage } from '../../protocol/messages';
import { append, clear, h, reveal } from '../_shared/dom';
import { button } from '../_shared/elements';
import { basename, decimal, truncate } from '../_shared/format';
import type { Thumbnails } from '../_shared/thumbnails';
import { PAGE_SIZE, similarityProblem, type Score, type Variant } from './data';
import { MARGIN_DEFINITION, MULTI_LABEL_MARGIN_DEFINITION } from '../../protocol/margin';
import { evidenceBars, topDescriptors } from './evidence';
import { classesText, classList, isCorrect } from './predictions';
import { NEEDS_RERUN, type VariantRows } from './rows';

/** A confusion-matrix cell: the images of true class `label` predicted as `predicted`. */
export type Pair = { label: string; predicted: string };

export class Gallery {
  readonly el: HTMLElement;
  private filter: Pair | undefined;
  private shown = PAGE_SIZE;
  private selected: number | undefined;
  /** Where the open detail panel is shown; undefined while none is open. */
  private openHost: HTMLElement | undefined;
  private readonly galleryEl = h('div', { class: 'sl-gallery', testid: 'gallery' });
  private readonly galleryTitle = h('h3');
  private readonly filterEl = h('div', { class: 'sl-filter' });
  private readonly moreEl = h('div', { class: 'sl-more' });
  private readonly detailSlot = h('div', { class: 'sl-detail-slot' });
  private readonly body = h('div', { class: 'sl-gallery-body' });
  private readonly multiLabel: boolean;

  private readonly v: Variant;
  /** margin[i] (see labelMargin): negative when the scores rank a wrong class above a labelled one; NaN where undefined. */
  private readonly margin: number[];
  /** Per list (failures, or a confusion cell): how many of its first items are held, in order. */
  private readonly complete = new Map<string, number>();
  /** A page being asked for: drawn again when it arrives. */
  private fetching = false;
  private fetchProblem: string | undefined;

  constructor(
    private readonly s: Score,
    private readonly rows: VariantRows,
    private readonly thumbs: Thumbnails,
    /** Short descriptor texts, one per similarity column. */
    private readonly labels: string[],
    /** Renderer messaging, where the host offers it (not in the standalone report). */
    private readonly post: ((message: ScoreActionMessage) => void) | undefined,
    /** Told when the filter changes, so the confusion matrix can mark its cell. */
    private readonly onFilter: (pair: Pair | undefined) => void,
  ) {
    this.v = rows.v;
    this.margin = rows.margin;
    if (rows.paged) this.complete.set('', rows.failuresKept);
    this.multiLabel = s.multiLabel === true;
    // The grid and, once a card is clicked, the detail panel beside it (or above, when narrow).
    append(this.body, this.galleryEl, this.detailSlot);
    this.el = h(
      'section',
      { class: 'sl-section sl-gallery-area' },
      this.galleryTitle,
      this.filterEl,
      this.body,
      this.moreEl,
    );
    this.drawGallery();
  }

  /** Lists the images of a confusion cell; the same cell again, or none, lists all failures. */
  setFilter(pair: Pair | undefined): void {
    const same = pair && this.filter && pair.label === this.filter.label && pair.predicted === this.filter.predicted;
    this.filter = same ? undefined : pair;
    this.fetchProblem = undefined;
    this.shown = PAGE_SIZE;
    this.onFilter(this.filter);
    this.drawGallery();
    reveal(this.el);
  }

  private galleryItems(): number[] {
    return this.rows.list(this.filter);
  }

  /** Draws the list again (once its rows' file turned out to be gone, say). */
  redraw(): void {
    this.drawGallery();
  }

  private drawGallery(): void {
    const items = this.galleryItems();
    const f = this.filter;
    const key = f ? `${f.label}\u0000${f.predicted}` : '';
    // A paged output counts from its aggregates and draws only the list's first items it holds.
    const total = this.rows.listTotal(f) ?? items.length;
    const held = this.rows.paged ? Math.min(this.complete.get(key) ?? 0, items.length) : items.length;
    if (this.rows.paged && held < Math.min(this.shown, total) && this.rows.canFetch && !this.fetching)
      void this.fetchPage(key, held, Math.min(this.shown, total) - held);
    const n = this.rows.images;
    this.galleryTitle.textContent = f
      ? `${f.label === f.predicted ? 'Correct' : 'Failure'} cases: true ${f.label} → predicted ${f.predicted} (${total})`
      : this.multiLabel
        ? `Label mismatches (${total} of ${n} images: predicted classes differ from the labelled ones)`
        : `Failure cases (${total} misclassified of ${n})`;
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
    this.galleryEl.dataset.total = String(total);
    if (f) {
      this.galleryEl.dataset.filterTrue = f.label;
      this.galleryEl.dataset.filterPredicted = f.predicted;
    } else {
      delete this.galleryEl.dataset.filterTrue;
      delete this.galleryEl.dataset.filterPredicted;
    }
    if (total === 0)
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
    for (const i of items.slice(0, Math.min(this.shown, held))) this.galleryEl.appendChild(this.card(i));
    clear(this.moreEl);
    if (held < Math.min(this.shown, total)) {
      this.moreEl.appendChild(h('p', { class: 'sl-muted', testid: 'rows-note' }, this.missingNote(total - held)));
    } else if (total > this.shown && this.rows.gone) {
      this.moreEl.appendChild(h('p', { class: 'sl-muted', testid: 'rows-note' }, NEEDS_RERUN));
    } else if (total > this.shown) {
      this.moreEl.appendChild(
        button(
          `Show ${Math.min(PAGE_SIZE, total - this.shown)} more of ${total - this.shown}`,
          () => {
            this.shown += PAGE_SIZE;
            this.drawGallery();
          },
          { secondary: true, testid: 'show-more' },
        ),
      );
    }
  }

  /** Why the rest of a paged list is not drawn (yet). */
  private missingNote(missing: number): string {
    if (this.rows.gone) return NEEDS_RERUN;
    if (this.fetching) return 'Loading…';
    if (this.fetchProblem) return this.fetchProblem;
    return `The other ${missing.toLocaleString('en')} images of this list are in this run’s per-image file (results’ Parquet file beside results.json); open the notebook in VS Code to page through them.`;
  }

  private async fetchPage(key: string, offset: number, limit: number): Promise<void> {
    const f = this.filter;
    this.fetching = true;
    const got = await this.rows.fetch({
      ...(f ? { list: 'cell', cell: f } : { list: 'failures' }),
      offset,
      limit: Math.min(limit, MAX_ROWS_PER_REPLY),
    });
    this.fetching = false;
    if ('rows' in got && got.rows.length) this.complete.set(key, offset + got.rows.length);
    else
      this.fetchProblem =
        'rows' in got ? 'No more rows came.' : 'error' in got ? `Cannot load more rows: ${got.error}.` : undefined;
    this.drawGallery();
  }

  private card(i: number): HTMLElement {
    const p = this.v.predictions[i];
    const wrong = !isCorrect(p);
    const open = () => this.openDetail(i);
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
          'data-true': classesText(p.label),
          'data-predicted': classesText(p.predicted),
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
          labelRow('true', classesText(p.label), 'sl-good-text'),
          labelRow('pred.', classesText(p.predicted), wrong ? 'sl-bad-text' : 'sl-good-text'),
          labelRow('margin', decimal(this.margin[i]), '', this.marginHelp()),
        ),
      ),
      this.drivers(i),
      // Under the evidence, not beside the labels: in a 230 px card it would squeeze them to nothing.
      this.explainButton(p.image, true),
    );
  }

  /** "Explain this image": the extension inserts and runs an explain cell for it (none in a report). */
  private explainButton(image: string, onCard: boolean): HTMLElement | null {
    if (!this.post) return null;
    const b = button(
      onCard ? 'Explain' : 'Explain this image',
      () => this.post?.({ type: 'explainImage', image, score: this.s.name, variant: this.v.name }),
      {
        secondary: true,
        testid: 'explain-image',
        title: `Insert and run an explain cell for ${image}: its descriptor bars, margin and occlusion map`,
      },
    );
    if (onCard) {
      b.classList.add('sl-card-action');
      // The card itself opens the detail panel: this click and its keys are the button's alone.
      b.addEventListener('click', (e) => e.stopPropagation());
      b.addEventListener('keydown', (e) => e.stopPropagation());
    }
    return b;
  }

  private marginHelp(): string {
    return this.multiLabel
      ? `${MULTI_LABEL_MARGIN_DEFINITION}: negative when an unlabelled class outranks a labelled one; — for an image with no class or every class`
      : `${MARGIN_DEFINITION}: negative when misclassified`;
  }

  /**
   * The descriptors that drove the prediction: the predicted class's strongest, against the true
   * class's; in a multi-label set the strongest of each predicted class, then of each missed one.
   */
  private drivers(i: number): HTMLElement | null {
    if (similarityProblem(this.v)) return null;
    const p = this.v.predictions[i];
    const line = (cls: string, count: number) => {
      const top = topDescriptors(this.v, this.labels, i, cls, count);
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
      const predicted = classList(p.predicted);
      const missed = classList(p.label).filter((c) => !predicted.includes(c));
      return h('div', { class: 'sl-drivers' }, ...[...predicted, ...missed].slice(0, 3).map((c) => line(c, 1)));
    }
    return h(
      'div',
      { class: 'sl-drivers' },
      line(classesText(p.predicted), 2),
      isCorrect(p) ? null : line(classesText(p.label), 1),
    );
  }

  /**
   * Opens image `i`'s evidence in `host` (beside the gallery by default, or where the caller
   * shows it: next to the clicked heatmap row), brings it into view, marks it and takes focus, so
   * Escape closes it.
   */
  openDetail(i: number, host: HTMLElement = this.detailSlot, place?: (panel: HTMLElement) => void): void {
    this.closeDetail();
    this.selected = i;
    for (const card of this.galleryEl.querySelectorAll<HTMLElement>('.sl-card'))
      card.classList.toggle('sl-selected', Number(card.dataset.index) === i);
    const panel = this.detail(i);
    host.appendChild(panel);
    host.hidden = false;
    this.openHost = host;
    if (host === this.detailSlot) this.body.classList.add('sl-with-detail');
    place?.(panel);
    panel.focus({ preventScroll: true });
    reveal(panel);
  }

  /** Closes the detail panel; true when one was open. */
  closeDetail(): boolean {
    const host = this.openHost;
    if (!host) return false;
    this.openHost = undefined;
    this.selected = undefined;
    clear(host);
    if (host !== this.detailSlot) host.hidden = true;
    this.body.classList.remove('sl-with-detail');
    for (const card of this.galleryEl.querySelectorAll('.sl-card.sl-selected')) card.classList.remove('sl-selected');
    return true;
  }

  private detail(i: number): HTMLElement {
    const p = this.v.predictions[i];
    const ranked = Object.entries(p.scores).sort((a, b) => b[1] - a[1]);
    // Each class of a multi-label set is decided on its own: no class is the runner-up.
    const runnerUp = this.multiLabel ? undefined : ranked[1];
    return h(
      'div',
      {
        class: 'sl-detail',
        testid: 'detail',
        attrs: {
          'data-image': p.image,
          role: 'region',
          'aria-label': `Descriptor scores of ${p.image}`,
          tabindex: -1,
        },
      },
      h(
        'div',
        { class: 'sl-detail-head' },
        this.thumbs.element(p.image),
        h(
          'div',
          { class: 'sl-card-meta' },
          h('span', { class: 'sl-card-name', title: p.image }, basename(p.image)),
          h('span', { class: 'sl-muted sl-mono sl-detail-path' }, p.image),
          labelRow('true', classesText(p.label), 'sl-good-text'),
          labelRow('pred.', classesText(p.predicted), isCorrect(p) ? 'sl-good-text' : 'sl-bad-text'),
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
          this.explainButton(p.image, false),
          this.post
            ? button(
                'Find similar',
                () =>
                  this.post?.({
                    type: 'findSimilar',
                    image: p.image,
                    score: this.s.name,
                    images: this.s.images,
                    model: this.s.run.model,
                  }),
                {
                  secondary: true,
                  testid: 'find-similar',
                  title: 'Insert and run a search cell for the images nearest to this one',
                },
              )
            : null,
          button('Close', () => this.closeDetail(), {
            secondary: true,
            testid: 'close-detail',
            title: 'Close (Escape)',
          }),
        ),
      ),
      evidenceBars(this.s, this.v, this.labels, i),
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
