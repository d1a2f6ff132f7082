// Per-class descriptor bars: one group per class, one bar per descriptor similarity, sorted. The
// score renderer's detail panel and the explain renderer both show an image's evidence this way.
import { h } from './dom';
import { decimal } from './format';

export interface BarGroup {
  /** The class. */
  label: string;
  /** The class's score under the recipe (shown beside the name). */
  score?: number;
  /** Highlights the predicted class and the true class. */
  role?: 'predicted' | 'true' | 'both' | 'other';
  items: { text: string; value: number }[];
}

export const BARS_CSS = `
.sl-bars { display: flex; flex-direction: column; gap: 10px; }
.sl-bar-group h4 { display: flex; gap: 8px; align-items: baseline; }
.sl-bar-group .sl-role { font-size: 0.85em; font-weight: normal; padding: 0 6px; border-radius: 8px; border: 1px solid currentColor; }
.sl-bar-group.sl-predicted .sl-role { color: var(--sl-accent); }
.sl-bar-group.sl-true .sl-role { color: var(--sl-good); }
.sl-bar-group.sl-both .sl-role { color: var(--sl-good); }
.sl-bar { display: grid; grid-template-columns: minmax(120px, 1.4fr) minmax(80px, 2fr) 48px; gap: 8px; align-items: center; padding: 1px 0; }
.sl-bar-text { overflow: hidden; display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; line-height: 1.25; }
.sl-bar-track { height: 10px; background: var(--sl-panel); border: 1px solid var(--sl-border); border-radius: 2px; }
.sl-bar-fill { height: 100%; width: calc(var(--sl-fill) * 100%); background: var(--sl-muted); opacity: 0.75; border-radius: 1px; }
.sl-predicted .sl-bar-fill, .sl-both .sl-bar-fill { background: var(--sl-accent); opacity: 1; }
.sl-true .sl-bar-fill { background: var(--sl-good); opacity: 1; }
.sl-bar-value { text-align: right; font-variant-numeric: tabular-nums; color: var(--sl-muted); }
`;

const ROLE_TEXT = { predicted: 'predicted', true: 'true class', both: 'predicted · true class', other: '' } as const;

export function descriptorBars(groups: BarGroup[]): HTMLElement {
  // Bars start at cosine 0 so their lengths compare as the values do: 0 draws no bar, and a
  // negative cosine draws none either (its number beside the track says how far below 0 it is).
  const top = Math.max(0, ...groups.flatMap((g) => g.items.map((i) => i.value)).filter(Number.isFinite)) || 1;
  return h(
    'div',
    { class: 'sl-bars' },
    ...groups.map((g) => {
      const role = g.role ?? 'other';
      const items = [...g.items].sort((a, b) => b.value - a.value);
      return h(
        'div',
        { class: `sl-bar-group sl-${role}`, attrs: { 'data-class': g.label } },
        h(
          'h4',
          null,
          h('span', null, g.label),
          g.score !== undefined ? h('span', { class: 'sl-muted' }, `score ${decimal(g.score)}`) : null,
          ROLE_TEXT[role] ? h('span', { class: 'sl-role' }, ROLE_TEXT[role]) : null,
        ),
        ...items.map((item) =>
          h(
            'div',
            { class: 'sl-bar', title: `${item.text}: ${decimal(item.value, 4)}` },
            h('span', { class: 'sl-bar-text' }, item.text),
            h(
              'span',
              { class: 'sl-bar-track' },
              h('span', {
                class: 'sl-bar-fill',
                style: { '--sl-fill': String(Math.max(0, item.value) / top), display: 'block' },
              }),
            ),
            h('span', { class: 'sl-bar-value' }, decimal(item.value)),
          ),
        ),
      );
    }),
  );
}
