// The images on which two chosen variants disagree, with which of them got each one right; a
// click on a row opens both variants' evidence for that image side by side, right under it.
import type { Prediction } from '../../protocol/results';
import { append, clear, h, notice, reveal, section } from '../_shared/dom';
import { button, dropdown } from '../_shared/elements';
import { basename, decimal } from '../_shared/format';
import type { Thumbnails } from '../_shared/thumbnails';
import { columnLabels, PAGE_SIZE, type Score, type Variant } from './data';
import { evidenceBars } from './evidence';
import { classesText, classList, isCorrect, sameClasses } from './predictions';

export function disagreements(s: Score, thumbs: Thumbnails): HTMLElement {
  const right = isCorrect;
  let a = 0;
  let b = 1;
  let shown = PAGE_SIZE;
  const body = h('div');
  const choices = s.variants.map((v, i) => ({ value: String(i), label: v.name }));
  const draw = () => {
    clear(body);
    const va = s.variants[a];
    const vb = s.variants[b];
    const byImage = new Map(vb.predictions.map((p, i) => [p.image, i]));
    const rows = va.predictions.flatMap((pa, ia) => {
      const ib = byImage.get(pa.image);
      const pb = ib === undefined ? undefined : vb.predictions[ib];
      return pb && !sameClasses(pa.predicted, pb.predicted) ? [{ pa, pb, ia, ib: ib! }] : [];
    });
    const side = (v: Variant, i: number, p: Prediction) =>
      h(
        'div',
        { class: 'sl-evidence-side', attrs: { 'data-variant': v.name } },
        h(
          'h4',
          null,
          v.name,
          ' ',
          h('span', { class: right(p) ? 'sl-good-text' : 'sl-bad-text' }, right(p) ? '✓' : '✗'),
        ),
        evidenceBars(s, v, columnLabels(v).labels, i),
      );
    // Opens (or, clicked again, closes) the two variants' evidence in a row right under the image's.
    const toggle = (row: HTMLTableRowElement, { pa, pb, ia, ib }: (typeof rows)[number]) => {
      const open = row.nextElementSibling?.classList.contains('sl-evidence-row') ? row.nextElementSibling : null;
      row.setAttribute('aria-expanded', String(!open));
      if (open) return open.remove();
      const evidence = h(
        'tr',
        { class: 'sl-evidence-row', testid: 'disagreement-evidence', attrs: { 'data-image': pa.image } },
        h('td', { attrs: { colspan: 4 } }, h('div', { class: 'sl-evidence-pair' }, side(va, ia, pa), side(vb, ib, pb))),
      );
      row.after(evidence);
      reveal(evidence);
    };
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
        h(
          'span',
          null,
          h('b', null, String(rows.length)),
          s.perImage
            ? ` of the ${s.perImage.shown} images this output keeps differ (of ${s.perImage.images} scored)`
            : ` of ${va.predictions.length} images differ`,
        ),
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
            classList(p.predicted)
              .map((c) => `${c}: score ${decimal(p.scores[c])}`)
              .join('\n') || 'no class predicted',
        },
        `${right(p) ? '✓' : '✗'} ${classesText(p.predicted)}`,
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
            ...rows.slice(0, shown).map((pair) => {
              const { pa, pb } = pair;
              const row: HTMLTableRowElement = h(
                'tr',
                {
                  class: 'sl-disagreement',
                  title: `Click to compare the evidence of ${va.name} and ${vb.name} for this image`,
                  attrs: { 'data-image': pa.image, tabindex: 0, 'aria-expanded': 'false' },
                  on: {
                    click: () => toggle(row, pair),
                    keydown: (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), toggle(row, pair)),
                  },
                },
                h(
                  'td',
                  null,
                  h('div', { class: 'sl-image-cell', title: pa.image }, thumbs.element(pa.image), basename(pa.image)),
                ),
                h('td', null, classesText(pa.label)),
                verdict(pa),
                verdict(pb),
              );
              return row;
            }),
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
    'Images that two variants classify differently, side by side. Click a row for both variants’ descriptor scores of that image.',
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
