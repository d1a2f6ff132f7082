// The images on which two chosen variants disagree, with which of them got each one right.
import type { Prediction } from '../../protocol/results';
import { append, clear, h, notice, section } from '../_shared/dom';
import { button, dropdown } from '../_shared/elements';
import { basename, decimal } from '../_shared/format';
import type { Thumbnails } from '../_shared/thumbnails';
import { PAGE_SIZE, type Score } from './data';
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
    const byImage = new Map(vb.predictions.map((p) => [p.image, p]));
    const rows = va.predictions.flatMap((pa) => {
      const pb = byImage.get(pa.image);
      return pb && !sameClasses(pa.predicted, pb.predicted) ? [{ pa, pb }] : [];
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
                  h('td', null, classesText(pa.label)),
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
