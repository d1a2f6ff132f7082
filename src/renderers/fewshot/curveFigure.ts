// The learning curve as a plotly figure: per method the mean over repeats against shots, with a
// filled band from the 2.5 % to the 97.5 % quantile of the repeats, and the zero-shot result as a
// dashed line across. A pure function of the data and the theme, so it is tested in Node.
import type { Layout, PlotData } from 'plotly.js-dist-min';
import type { FewshotResult, RepeatSummary } from '../../protocol/fewshot';
import { plotText, themedLayout } from '../_shared/plotLayout';
import type { ThemeColors } from '../_shared/theme';

export type CurveMetric = FewshotResult['metric'];

export const METRIC_NAMES: Record<CurveMetric, string> = {
  balancedAccuracy: 'balanced accuracy',
  accuracy: 'accuracy',
  macroAuroc: 'macro AUROC',
};

/** One colour per method, the same in every theme (they sit on the editor's background). */
const METHOD_COLOURS = ['#1a85ff', '#d35400', '#2e9e44', '#8e44ad'];

export function curveFigure(
  data: Pick<FewshotResult, 'points' | 'methods' | 'zeroShot'>,
  metric: CurveMetric,
  theme: ThemeColors,
): { data: PlotData[]; layout: Layout } {
  const shots = [...new Set(data.points.map((p) => p.shots))];
  const traces: Partial<PlotData>[] = [];
  data.methods.forEach((method, m) => {
    const colour = METHOD_COLOURS[m % METHOD_COLOURS.length];
    const summaries = shots.map((s) => {
      const p = data.points.find((q) => q.method === method && q.shots === s);
      return p ? (p[metric] as RepeatSummary | null) : null;
    });
    const x = shots.filter((_, i) => summaries[i]);
    const defined = summaries.filter((s): s is RepeatSummary => s !== null);
    // The band: up along the high ends, back along the low ends, filled.
    traces.push({
      type: 'scatter',
      mode: 'lines',
      x: [...x, ...[...x].reverse()],
      y: [...defined.map((s) => s.high), ...[...defined].reverse().map((s) => s.low)],
      fill: 'toself',
      fillcolor: `${colour}33`,
      line: { width: 0, color: colour },
      hoverinfo: 'skip',
      showlegend: false,
      name: `${method} 95 % band`,
    });
    traces.push({
      type: 'scatter',
      mode: 'lines+markers',
      x,
      y: defined.map((s) => s.mean),
      line: { color: colour, width: 2 },
      marker: { color: colour, size: 7 },
      name: plotText(method),
      text: defined.map(
        (s) =>
          `${plotText(method)}<br>${s.mean.toFixed(3)} ± ${s.sd.toFixed(3)} (band ${s.low.toFixed(3)}–${s.high.toFixed(3)})`,
      ),
      hoverinfo: 'text',
    });
  });
  const zero = data.zeroShot[metric];
  if (zero !== null && shots.length > 0) {
    traces.push({
      type: 'scatter',
      mode: 'lines',
      x: [shots[0], shots[shots.length - 1]],
      y: [zero, zero],
      line: { color: theme.fg, width: 1.5, dash: 'dash' },
      name: 'zero-shot',
      hoverinfo: 'name+y',
    });
  }
  const base = themedLayout(theme);
  return {
    data: traces as PlotData[],
    layout: {
      ...base,
      height: 320,
      margin: { l: 56, r: 16, t: 12, b: 48 },
      xaxis: { ...(base.xaxis as object), type: 'category', title: { text: 'training images per class' } },
      yaxis: { ...(base.yaxis as object), title: { text: METRIC_NAMES[metric] } },
      legend: { orientation: 'h', y: -0.25 },
      showlegend: true,
    } as Layout,
  };
}
