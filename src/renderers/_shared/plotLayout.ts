// The parts of a plotly figure that need no browser: escaping of text plotly reads as markup, and
// the theme's axis, font and hover colours. Figures are built from these as plain data, so they
// can be checked in Node; only drawing them (plotly.ts) needs plotly and a DOM.
import type { Layout } from 'plotly.js-dist-min';
import type { ThemeColors } from './theme';

/**
 * Plotly reads a small set of HTML tags and entities in its text (<br>, <b>, <a href>, &lt;…), so
 * data shown in titles, ticks and hover text is entity-escaped: a label like "<b>x" reads as typed.
 */
export function plotText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Axis, font and hover colours from the theme; charts add their own traces and sizes. */
export function themedLayout(t: ThemeColors): Layout {
  const axis = {
    gridcolor: t.border,
    linecolor: t.border,
    zerolinecolor: t.border,
    tickcolor: t.border,
    automargin: true,
  };
  return {
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { family: t.font, size: Math.max(10, t.size - 2), color: t.fg },
    hoverlabel: { bgcolor: t.bg, bordercolor: t.border, font: { family: t.font, color: t.fg } },
    xaxis: axis,
    yaxis: axis,
  };
}
