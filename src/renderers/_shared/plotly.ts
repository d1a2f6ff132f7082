// Plotly charts inside a renderer's shadow root, in the editor's theme. Only bundles that draw
// charts import this module: plotly.js-dist-min is several megabytes.
import Plotly, { type Layout, type PlotData, type PlotlyHTMLElement } from 'plotly.js-dist-min';
import { readTheme, watchTheme, type ThemeColors } from './theme';

const CONFIG = { displayModeBar: false, displaylogo: false, responsive: true, scrollZoom: false };

export interface ThemedPlot {
  el: PlotlyHTMLElement;
  /** Draws again (after a sort change, say); also runs by itself when the theme changes. */
  redraw(): Promise<void>;
}

/**
 * Draws into `el` (already in `root`) with `build(theme)`, and again whenever VS Code's theme
 * changes; `onDispose` receives the purge, so disposeOutputItem frees plotly's listeners and GL.
 */
export async function themedPlot(
  root: ShadowRoot,
  el: HTMLElement,
  build: (theme: ThemeColors) => { data: PlotData[]; layout: Layout },
  onDispose: (fn: () => void) => void,
): Promise<ThemedPlot> {
  const redraw = async () => {
    if (!el.isConnected) return;
    const { data, layout } = build(readTheme(el));
    // With `responsive`, a width change makes plotly drop layout.height, size the chart's box to
    // 100% of this div and re-read the div's height. A div sized by its content has none (the SVG
    // inside is absolutely positioned): it collapsed to its min-height and the old drawing spilled
    // over what follows. So the div carries the chart's height itself.
    el.style.height = typeof layout.height === 'number' ? `${layout.height}px` : '';
    await Plotly.react(el, data, layout, CONFIG);
    syncPlotlyStyles(root);
  };
  const unwatch = watchTheme(() => void redraw());
  onDispose(() => {
    unwatch();
    Plotly.purge(el);
  });
  await redraw();
  return { el: el as PlotlyHTMLElement, redraw };
}

const copiedStyles = new WeakMap<ShadowRoot, { count: number; sheet: CSSStyleSheet }>();

/**
 * Plotly puts its own CSS (layering of the SVG layers, hover label, cursors) into the document
 * head, which a shadow root does not see; copy those rules in, and again if plotly added more.
 */
function syncPlotlyStyles(root: ShadowRoot): void {
  const rules: string[] = [];
  for (const style of document.querySelectorAll<HTMLStyleElement>('style[id^="plotly.js-style"]')) {
    for (const rule of Array.from(style.sheet?.cssRules ?? [])) rules.push(rule.cssText);
  }
  const copied = copiedStyles.get(root);
  if (rules.length === (copied?.count ?? 0)) return;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(rules.join('\n'));
  root.adoptedStyleSheets = [...root.adoptedStyleSheets.filter((s) => s !== copied?.sheet), sheet];
  copiedStyles.set(root, { count: rules.length, sheet });
}
