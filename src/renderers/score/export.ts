// The score output's exports: its predictions and metrics as the CLI's CSVs or as JSON (saved by
// the extension, which reads the output itself), the Variants table copied as TSV or Markdown,
// and the confusion matrix as a figure for PNG/SVG.
import type { Layout, PlotData } from 'plotly.js-dist-min';
import type { CopyTextRequest, ExportScoreRequest, ScoreExport } from '../../protocol/export';
import { h } from '../_shared/dom';
import { button } from '../_shared/elements';
import { copyButtons, type TableText } from '../_shared/exportButtons';
import { decimal, percent, pValue, signed } from '../_shared/format';
import { plotText, themedLayout } from '../_shared/plotLayout';
import type { ThemeColors } from '../_shared/theme';
import type { Score, Variant } from './data';

type Post = ((m: ExportScoreRequest | CopyTextRequest) => void) | undefined;

const FILES: { format: ScoreExport; label: string; title: string }[] = [
  {
    format: 'predictions.csv',
    label: 'Predictions CSV',
    title: 'One row per image and variant: label, prediction, margin, scores',
  },
  {
    format: 'metrics.csv',
    label: 'Metrics CSV',
    title: 'One row per variant: metrics with their 95 % intervals, AUROC per class',
  },
  {
    format: 'json',
    label: 'JSON',
    title: 'The whole score as results.json holds it: metrics and predictions per variant',
  },
];

/** The export row under the Variants table. Saving files needs the extension, so the report shows only the copy buttons. */
export function exportBar(s: Score, post: Post): HTMLElement {
  return h(
    'div',
    { class: 'sl-export-bar', testid: 'score-export' },
    ...(post
      ? FILES.map((f) =>
          button(f.label, () => post({ type: 'exportScore', score: s.name, format: f.format }), {
            secondary: true,
            title: f.title,
            testid: `export-${f.format}`,
          }),
        )
      : []),
    copyButtons('Variants table', () => variantsTable(s), post, 'copy-variants'),
  );
}

const meanAuroc = (v: Variant) => {
  if (typeof v.metrics.meanAuroc === 'number') return v.metrics.meanAuroc;
  const defined = Object.values(v.metrics.auroc).filter((x): x is number => typeof x === 'number');
  return defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null;
};

/** The Variants table as copied: the values as the output shows them, one row per variant. */
export function variantsTable(s: Score): TableText {
  const single = !s.multiLabel;
  const header = [
    'variant',
    ...(single ? ['accuracy', 'balanced accuracy', 'macro-F1'] : []),
    'mean AUROC',
    ...s.classes.map((c) => `AUROC ${c}`),
    'Δ mean AUROC vs first (95 % CI)',
    ...(single ? ['McNemar'] : []),
  ];
  const rows = s.variants.map((v) => {
    const d = v.comparison?.auroc.mean;
    return [
      v.control ? `${v.name} (control)` : v.name,
      ...(single ? [percent(v.metrics.accuracy), percent(v.metrics.balancedAccuracy), decimal(v.metrics.macroF1)] : []),
      decimal(meanAuroc(v)),
      ...s.classes.map((c) => decimal(v.metrics.auroc[c])),
      d ? `${signed(d.difference)} (${signed(d.low)} to ${signed(d.high)})` : '—',
      ...(single ? [v.comparison?.mcnemar ? pValue(v.comparison.mcnemar.p) : '—'] : []),
    ];
  });
  return { header, rows, numeric: header.map((_, i) => i > 0) };
}

/** The confusion matrix as an annotated plotly heatmap, drawn only for its PNG/SVG. */
export function confusionFigure(
  classes: string[],
  counts: number[][],
  variant: string,
  theme: ThemeColors,
): { data: PlotData[]; layout: Layout } {
  const names = classes.map(plotText);
  const cell = 90;
  return {
    data: [
      {
        type: 'heatmap',
        z: counts,
        x: names,
        y: names,
        text: counts.map((row) => row.map(String)),
        texttemplate: '%{text}',
        colorscale: 'Blues',
        showscale: false,
        hoverinfo: 'skip',
      },
    ],
    layout: {
      ...themedLayout(theme),
      title: { text: `Confusion matrix · ${plotText(variant)}` },
      xaxis: { title: { text: 'predicted' }, side: 'bottom', automargin: true },
      yaxis: { title: { text: 'true' }, autorange: 'reversed', automargin: true },
      width: Math.max(360, classes.length * cell + 220),
      height: Math.max(320, classes.length * cell + 200),
    },
  };
}
