// The heatmap of a paged score output shows one page of rows at a time: first the rows the
// output kept, then pages of every image in the chosen order, asked from the extension.
import { h } from '../_shared/dom';
import { button } from '../_shared/elements';
import { NEEDS_RERUN, type VariantRows } from './rows';

/** Heatmap rows per page. */
export const HEATMAP_PAGE = 200;

export class HeatmapPager {
  readonly el = h('div', { class: 'sl-controls sl-heatmap-pager', testid: 'heatmap-pager' });
  /** The first row of the page shown; undefined while the output's kept rows are shown. */
  private offset: number | undefined;
  private note = '';

  constructor(
    private readonly rows: VariantRows,
    private readonly order: () => 'class' | 'margin',
    /** Shows these local rows (in order), or the kept rows when undefined. */
    private readonly show: (rows: number[] | undefined) => void,
  ) {
    this.draw();
  }

  /** The order changed: the same page again in the new order. */
  reorder(): void {
    if (this.offset === undefined) this.show(undefined);
    else void this.go(this.offset);
  }

  private async go(offset: number): Promise<void> {
    this.note = 'Loading…';
    this.draw();
    const got = await this.rows.fetch({ list: 'all', order: this.order(), offset, limit: HEATMAP_PAGE });
    if ('rows' in got) {
      this.offset = offset;
      this.note = '';
      this.show(got.rows);
    } else {
      this.note = 'gone' in got ? NEEDS_RERUN : `Cannot load the page: ${got.error}.`;
    }
    this.draw();
  }

  draw(): void {
    const n = this.rows.images;
    const at = this.offset;
    const text =
      at === undefined
        ? `Showing the ${this.rows.index.length.toLocaleString('en')} of ${n.toLocaleString('en')} images this output keeps (the worst failures, recent flips, the first images).`
        : `Rows ${(at + 1).toLocaleString('en')}–${Math.min(n, at + HEATMAP_PAGE).toLocaleString('en')} of ${n.toLocaleString('en')}.`;
    const canPage = this.rows.canFetch;
    const parts = [
      h('span', { class: 'sl-help', testid: 'heatmap-range' }, text),
      canPage && at !== undefined
        ? button(
            at === 0 ? 'Kept rows' : `Previous ${HEATMAP_PAGE}`,
            () => (at === 0 ? this.kept() : this.go(Math.max(0, at - HEATMAP_PAGE))),
            {
              secondary: true,
              testid: 'heatmap-previous',
            },
          )
        : null,
      canPage && (at === undefined || at + HEATMAP_PAGE < n)
        ? button(
            at === undefined ? `All images, first ${HEATMAP_PAGE}` : `Next ${HEATMAP_PAGE}`,
            () => this.go(at === undefined ? 0 : at + HEATMAP_PAGE),
            {
              secondary: true,
              testid: 'heatmap-next',
            },
          )
        : null,
      this.note || this.rows.gone
        ? h('span', { class: 'sl-muted', testid: 'heatmap-note' }, this.note || NEEDS_RERUN)
        : null,
    ];
    this.el.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
  }

  private kept(): void {
    this.offset = undefined;
    this.show(undefined);
    this.draw();
  }
}
