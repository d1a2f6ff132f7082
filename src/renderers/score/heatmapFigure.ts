// The similarity heatmap of one variant as a plotly figure: every image (row) against every
// descriptor (column), columns grouped by class, rows by class while they are in class order.
// A pure function of the data and the theme, so it is tested in Node; panel.ts draws it.
import type { Layout, PlotData } from 'plotly.js-dist-min';
import { basename, truncate } from '../_shared/format';
import { plotText, themedLayout } from '../_shared/plotLayout';
import type { ThemeColors } from '../_shared/theme';
import type { Variant } from './data';
import { classesText, isCorrect, rowGroup } from './predictions';

/** Above this many images the heatmap labels class groups instead of single images. */
export const MAX_LABELLED_ROWS = 60;
/** Above this many descriptors the columns are named only in the hover text (ticks would overlap). */
export const MAX_LABELLED_COLUMNS = 40;

export interface HeatmapView {
  variant: Pick<Variant, 'predictions' | 'similarity' | 'columns'>;
  /** Prediction indices from the top row down. */
  order: number[];
  /** The rows are in class order: rule and name the class groups. */
  byClass: boolean;
  /** Column tick texts, and the words every column text starts with (dropped from the ticks). */
  labels: string[];
  prefix: string;
}

export function heatmapFigure(view: HeatmapView, theme: ThemeColors): { data: PlotData[]; layout: Layout } {
  const { predictions, similarity, columns } = view.variant;
  const { order } = view;
  const rows = order.length;
  const labelRows = rows <= MAX_LABELLED_ROWS;
  const labelColumns = columns.length <= MAX_LABELLED_COLUMNS;
  const base = themedLayout(theme);
  const z = order.map((i) => similarity[i]);
  const hover = order.map((i) => {
    const p = predictions[i];
    const head = `${plotText(p.image)}<br>true ${plotText(classesText(p.label))} · predicted ${plotText(classesText(p.predicted))}`;
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
  if (view.byClass) {
    let first = 0;
    for (let r = 1; r <= rows; r++) {
      const group = rowGroup(predictions[order[first]]);
      if (r < rows && rowGroup(predictions[order[r]]) === group) continue;
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
          (i) => `${isCorrect(predictions[i]) ? '' : '✗ '}${plotText(truncate(basename(predictions[i].image), 26))}`,
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
        ticktext: view.labels.map((t) => plotText(truncate(t, 30))),
        tickangle: -35,
        showgrid: false,
        zeroline: false,
        showticklabels: labelColumns,
        title: labelColumns
          ? view.prefix
            ? { text: plotText(`${view.prefix}…`), standoff: 6 }
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
