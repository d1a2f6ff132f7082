// The look shared by every renderer. Colours come only from VS Code's theme variables
// (--vscode-*), which the notebook webview sets on <html> and which inherit into our shadow
// roots, so outputs follow light, dark and high-contrast themes. The report page defines the same
// variables (src/report/palette.ts). Fallbacks after each var() are for a page that sets none.

export const BASE_CSS = `
:host {
  --sl-fg: var(--vscode-foreground, #3b3b3b);
  --sl-muted: var(--vscode-descriptionForeground, #717171);
  --sl-bg: var(--vscode-editor-background, #ffffff);
  --sl-panel: var(--vscode-editorWidget-background, rgba(128, 128, 128, 0.06));
  --sl-border: var(--vscode-panel-border, var(--vscode-widget-border, rgba(128, 128, 128, 0.35)));
  --sl-hover: var(--vscode-list-hoverBackground, rgba(128, 128, 128, 0.12));
  --sl-focus: var(--vscode-focusBorder, #0078d4);
  --sl-accent: var(--vscode-charts-blue, #1a85ff);
  --sl-good: var(--vscode-charts-green, #388a34);
  --sl-bad: var(--vscode-charts-red, #e51400);
  --sl-warn: var(--vscode-charts-orange, #d18616);
  --sl-link: var(--vscode-textLink-foreground, #006ab1);
  --sl-font: var(--vscode-font-family, system-ui, sans-serif);
  --sl-mono: var(--vscode-editor-font-family, ui-monospace, monospace);
  --sl-size: var(--vscode-font-size, 13px);
  display: block;
  color: var(--sl-fg);
  font-family: var(--sl-font);
  font-size: var(--sl-size);
  line-height: 1.45;
}
* { box-sizing: border-box; }
.sl-root { display: flex; flex-direction: column; gap: 14px; padding: 4px 2px 10px; }
h2 { font-size: 1.25em; font-weight: 600; margin: 0; }
h3 { font-size: 1.05em; font-weight: 600; margin: 0 0 6px; }
h4 { font-size: 1em; font-weight: 600; margin: 0 0 4px; }
.sl-subtitle, .sl-help, .sl-muted { color: var(--sl-muted); }
.sl-help { margin: 0 0 8px; font-size: 0.92em; }
.sl-subtitle { margin: 2px 0 0; }
.sl-section { min-width: 0; }
.sl-mono { font-family: var(--sl-mono); font-size: 0.95em; }
.sl-notice { border-left: 3px solid var(--sl-accent); background: var(--sl-panel); padding: 6px 10px; border-radius: 2px; }
.sl-notice.sl-error { border-left-color: var(--sl-bad); }
.sl-notice.sl-warning { border-left-color: var(--sl-warn); }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; text-align: right; border-bottom: 1px solid var(--sl-border); white-space: nowrap; }
th { font-weight: 600; color: var(--sl-muted); }
th:first-child, td:first-child { text-align: left; }
.sl-scroll { overflow-x: auto; max-width: 100%; }
.sl-flash { animation: sl-flash 1.6s ease-out; }
@keyframes sl-flash { from { outline: 2px solid var(--sl-focus); outline-offset: 2px; box-shadow: 0 0 0 6px color-mix(in srgb, var(--sl-focus) 35%, transparent); } to { outline: 2px solid transparent; outline-offset: 2px; box-shadow: 0 0 0 6px transparent; } }
button.sl-link { background: none; border: none; padding: 0; color: var(--sl-link); cursor: pointer; font: inherit; }
button.sl-link:hover { text-decoration: underline; }
:focus-visible { outline: 1px solid var(--sl-focus); outline-offset: 1px; }
.sl-thumb { width: 64px; height: 64px; object-fit: cover; border-radius: 3px; background: var(--sl-panel); border: 1px solid var(--sl-border); flex: none; display: block; }
.sl-thumb.sl-missing { display: flex; align-items: center; justify-content: center; text-align: center; overflow: hidden; color: var(--sl-muted); font-size: 0.75em; line-height: 1.1; }
.sl-kv { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 0; }
.sl-kv > div { display: flex; gap: 6px; align-items: baseline; }
.sl-kv dt { color: var(--sl-muted); }
.sl-kv dd { margin: 0; }
.sl-good-text { color: var(--sl-good); }
.sl-bad-text { color: var(--sl-bad); }
vscode-single-select { min-width: 180px; max-width: 360px; }
`;

/** Styles a shadow root; constructable sheets are not subject to style-src, a <style> tag is the fallback. */
export function adoptCss(root: ShadowRoot, ...css: string[]): void {
  const text = css.join('\n');
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(text);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  } else {
    const style = document.createElement('style');
    style.textContent = text;
    root.appendChild(style);
  }
}

/** Resolved colours for code that cannot use CSS variables (plotly draws with literal colours). */
export interface ThemeColors {
  fg: string;
  muted: string;
  border: string;
  accent: string;
  good: string;
  bad: string;
  bg: string;
  font: string;
  size: number;
  /** True for dark and high-contrast-dark themes: picks a colour scale with enough contrast. */
  dark: boolean;
}

export function readTheme(inside: Element): ThemeColors {
  const cs = getComputedStyle(inside);
  const v = (name: string, fallback: string) => cs.getPropertyValue(name).trim() || fallback;
  const bg = v('--sl-bg', '#ffffff');
  return {
    fg: v('--sl-fg', '#3b3b3b'),
    muted: v('--sl-muted', '#717171'),
    border: v('--sl-border', 'rgba(128,128,128,0.35)'),
    accent: v('--sl-accent', '#1a85ff'),
    good: v('--sl-good', '#388a34'),
    bad: v('--sl-bad', '#e51400'),
    bg,
    font: v('--sl-font', 'sans-serif'),
    size: parseFloat(v('--sl-size', '13px')) || 13,
    dark: isDark(bg),
  };
}

function isDark(color: string): boolean {
  const rgb = parseColor(color);
  if (!rgb) return document.body?.classList.contains('vscode-dark') ?? false;
  const [r, g, b] = rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128;
}

/** `#rgb`, `#rrggbb[aa]` or `rgb[a](r, g, b[, a])`: the forms theme variables are written in. */
function parseColor(color: string): [number, number, number] | undefined {
  const hex = /^#([0-9a-f]{3,8})$/i.exec(color)?.[1];
  if (hex) {
    const full = hex.length <= 4 ? [...hex].map((c) => c + c).join('') : hex;
    return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as [number, number, number];
  }
  const m = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/.exec(color);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/**
 * Calls `onChange` after VS Code (or the report's theme switch) changes the theme: VS Code swaps
 * the body class and rewrites the variables on <html>. Returns the unsubscribe function.
 */
export function watchTheme(onChange: () => void): () => void {
  let frame = 0;
  const schedule = () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(onChange);
  };
  const observer = new MutationObserver(schedule);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class', 'data-theme'] });
  if (document.body)
    observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  const media = window.matchMedia?.('(prefers-color-scheme: dark)');
  media?.addEventListener('change', schedule);
  return () => {
    cancelAnimationFrame(frame);
    observer.disconnect();
    media?.removeEventListener('change', schedule);
  };
}
