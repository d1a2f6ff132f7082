// The confusion matrix of a single-label variant: rows are true classes, columns predicted ones;
// a cell is a button that lists its images in the gallery.
import type { Prediction } from '../../protocol/results';
import { h } from '../_shared/dom';
import { truncate } from '../_shared/format';
import type { Pair } from './gallery';

/** Counted from the predictions themselves, so a cell's number is exactly the number of cards its click lists. */
export function confusionCounts(classes: string[], predictions: Prediction[]): number[][] {
  return classes.map((t) => classes.map((p) => predictions.filter((x) => x.label === t && x.predicted === p).length));
}

export function confusionMatrix(classes: string[], counts: number[][], onPick: (pair: Pair) => void): HTMLTableElement {
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
            const n = counts[ti]?.[pi] ?? 0;
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
                  on: { click: () => onPick({ label: t, predicted: p }) },
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

/** Marks the cell whose images the gallery lists (none when it lists all failures). */
export function markConfusionCell(table: HTMLElement, pair: Pair | undefined): void {
  for (const cell of table.querySelectorAll<HTMLElement>('.sl-confusion-cell')) {
    cell.classList.toggle(
      'sl-selected',
      !!pair && cell.dataset.true === pair.label && cell.dataset.predicted === pair.predicted,
    );
  }
}
