// Descriptor importance of one variant across the scored images: a table sortable by any column
// (click a heading; again to reverse). Which descriptors actually separate their class, and which
// the variant's metric does better without.
import type { CopyTextRequest } from '../../protocol/export';
import { IMPORTANCE_METRIC_LABEL, type DescriptorImportanceRow } from '../../protocol/importance';
import { copyButtons } from '../_shared/exportButtons';
import { h, section } from '../_shared/dom';
import { decimal, signed } from '../_shared/format';
import type { Variant } from './data';

type Key = 'class' | 'descriptor' | 'auroc' | 'gap' | 'leaveOneOut';

const COLUMNS: { key: Key; label: string; title: string }[] = [
  { key: 'class', label: 'Class', title: 'The class the descriptor belongs to' },
  { key: 'descriptor', label: 'Descriptor', title: 'The descriptor as written' },
  {
    key: 'auroc',
    label: 'AUROC alone',
    title: "One-vs-rest AUROC of this descriptor's cosine for its class (0.5 = chance)",
  },
  {
    key: 'gap',
    label: 'Mean gap',
    title: 'Mean cosine over the images of its class − mean cosine over the other images',
  },
  {
    key: 'leaveOneOut',
    label: 'Leave-one-out Δ',
    title: "The variant's metric without this descriptor − with all (same recipe); negative = the descriptor helps",
  },
];

export const IMPORTANCE_CSS = `
.sl-importance-table th button { all: unset; cursor: pointer; display: inline-flex; gap: 4px; align-items: baseline; }
.sl-importance-table th button:focus-visible { outline: 1px solid var(--sl-focus); }
.sl-importance-table th[aria-sort="ascending"] button::after { content: '▲'; font-size: 0.7em; }
.sl-importance-table th[aria-sort="descending"] button::after { content: '▼'; font-size: 0.7em; }
.sl-importance-table td, .sl-importance-table th { padding: 3px 8px; }
.sl-importance-table td.sl-num { text-align: right; font-variant-numeric: tabular-nums; }
.sl-importance-table td.sl-helps { color: var(--sl-good); }
.sl-importance-table td.sl-hurts { color: var(--sl-bad); }
`;

/** Null values sort last in either direction; text by locale, numbers numerically. */
export function compareRows(a: DescriptorImportanceRow, b: DescriptorImportanceRow, key: Key, descending: boolean) {
  const x = a[key];
  const y = b[key];
  if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
  const order = typeof x === 'string' ? x.localeCompare(y as string) : x - (y as number);
  return descending ? -order : order;
}

/** The importance section of a variant, or null for controls and results saved before it existed. */
export function importanceSection(v: Variant, post?: (m: CopyTextRequest) => void): HTMLElement | null {
  const importance = v.importance;
  if (!importance || !Array.isArray(importance.descriptors)) return null;
  const metric = IMPORTANCE_METRIC_LABEL[importance.metric] ?? String(importance.metric);
  // Most useful first: the descriptors whose removal costs the most.
  let sort: { key: Key; descending: boolean } = { key: 'leaveOneOut', descending: false };
  const body = h('tbody');
  const headings = COLUMNS.map((c) =>
    h(
      'th',
      { title: c.title, attrs: { scope: 'col', 'data-key': c.key } },
      h('button', { attrs: { type: 'button' }, on: { click: () => sortBy(c.key) } }, c.label),
    ),
  );
  const draw = () => {
    const rows = [...importance.descriptors].sort((a, b) => compareRows(a, b, sort.key, sort.descending));
    body.replaceChildren(...rows.map(row));
    headings.forEach((th, i) =>
      th.setAttribute(
        'aria-sort',
        COLUMNS[i].key === sort.key ? (sort.descending ? 'descending' : 'ascending') : 'none',
      ),
    );
  };
  const sortBy = (key: Key) => {
    // Numbers start high-to-low (the best AUROC first), text A to Z; a second click reverses.
    sort =
      sort.key === key
        ? { key, descending: !sort.descending }
        : { key, descending: key !== 'class' && key !== 'descriptor' };
    draw();
  };
  const table = h(
    'table',
    { class: 'sl-importance-table', testid: 'importance', attrs: { 'data-variant': v.name } },
    h('thead', null, h('tr', null, ...headings)),
    body,
  );
  draw();
  return section(
    'sl-importance',
    `Descriptor importance · ${v.name}`,
    `Per descriptor across all images: its AUROC alone for its class, the mean cosine gap (its class − the others), and the change in ${metric} (${decimal(importance.full)} with all) when it is left out. Click a heading to sort.`,
    h('div', { class: 'sl-scroll' }, table),
    copyButtons(
      `descriptor importance of ${v.name}`,
      () => ({
        header: COLUMNS.map((c) => c.label),
        // In the order shown.
        rows: Array.from(body.rows, (tr) => Array.from(tr.cells, (td) => td.textContent ?? '')),
        numeric: COLUMNS.map((c) => c.key !== 'class' && c.key !== 'descriptor'),
      }),
      post,
      'copy-importance',
    ),
  );
}

function row(d: DescriptorImportanceRow): HTMLElement {
  const effect = d.leaveOneOut === null ? '' : d.leaveOneOut < 0 ? ' sl-helps' : d.leaveOneOut > 0 ? ' sl-hurts' : '';
  return h(
    'tr',
    null,
    h('td', null, d.class),
    h('td', null, d.descriptor),
    h('td', { class: 'sl-num' }, decimal(d.auroc)),
    h('td', { class: 'sl-num' }, signed(d.gap)),
    h(
      'td',
      {
        class: `sl-num${effect}`,
        title: d.leaveOneOut === null ? "Its class's only text: nothing would be left to score the class" : undefined,
      },
      signed(d.leaveOneOut),
    ),
  );
}
