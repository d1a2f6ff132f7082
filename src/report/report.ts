// The standalone report: ONE html file that shows a run notebook offline, with the same
// renderers as VS Code. It inlines the built renderer bundles (dist/renderers/*.js, found through
// package.json's notebookRenderer contributions) and the page script (dist/report-page.js), the
// outputs as inert JSON, markdown cells as escaped HTML, and a strict CSP: no remote anything,
// and only the scripts written here (by hash) may run.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomicWrite';
import { redact, redactSource } from '../common/secrets';
import { MIME } from '../protocol/mime';
import { type StepOutput } from '../protocol/mime';
import { DATA_ELEMENT_ID, REGISTRY, type ReportData } from './contract';
import { escapeHtml, renderMarkdown } from './markdown';
import { paletteCss } from './palette';
import { tableOfContents, TOC_CSS } from './toc';

export interface ReportCell {
  index: number;
  /** null for markdown cells and for cells that did not parse. */
  step: string | null;
  name: string | null;
  ok: boolean;
  /** The user-facing error of a failed (or not run) cell. */
  error?: string;
  outputs: StepOutput[];
  /** Set for markdown cells: their source. */
  markdown?: string;
  /** A code cell's YAML, shown folded above its outputs when given. */
  source?: string;
}

export interface ReportInput {
  notebookPath: string;
  cells: ReportCell[];
  /** Keys and tokens of this run: masked wherever the notebook's own text quotes them. */
  secrets?: (string | undefined)[];
}

export interface ReportOptions {
  /** The installed package (holding package.json and dist/); found from this file by default. */
  packageDir?: string;
}

/** The built pieces a report inlines. */
export interface ReportAssets {
  version: string;
  renderers: { id: string; mimeTypes: string[]; file: string }[];
  /** dist/report-page.js */
  pageScript: string;
}

/** Writes OUT_DIR/report.html and returns its path. */
export async function writeReport(outDir: string, input: ReportInput, options: ReportOptions = {}): Promise<string> {
  const html = renderReport(input, loadAssets(options.packageDir ?? findPackageDir()));
  const file = path.join(outDir, 'report.html');
  await writeFileAtomic(file, html);
  return file;
}

/**
 * The package root: the nearest folder above this code with Symptom Lens's package.json. The
 * bundles run from dist/ (cli.js, extension.js), the sources from src/report under tsx.
 */
export function findPackageDir(start = __dirname): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'symptom-lens') return dir;
    if (path.dirname(dir) === dir)
      throw new Error(`Cannot find the symptom-lens package above ${start}: the report needs its built renderers.`);
  }
}

export function loadAssets(packageDir: string): ReportAssets {
  const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
    contributes?: { notebookRenderer?: { id: string; entrypoint: string; mimeTypes: string[] }[] };
  };
  const pageFile = path.join(packageDir, 'dist', 'report-page.js');
  if (!existsSync(pageFile))
    throw new Error(`The report's page script ${pageFile} is missing: build the package first (npm run build).`);
  return {
    version: manifest.version,
    renderers: (manifest.contributes?.notebookRenderer ?? []).map((r) => ({
      id: r.id,
      mimeTypes: r.mimeTypes,
      file: path.resolve(packageDir, r.entrypoint),
    })),
    pageScript: readFileSync(pageFile, 'utf8'),
  };
}

export function renderReport(input: ReportInput, assets: ReportAssets): string {
  const rendererFor = new Map(assets.renderers.flatMap((r) => r.mimeTypes.map((m) => [m, r] as const)));
  const used = new Set<ReportAssets['renderers'][number]>();
  const data: ReportData = { outputs: {} };

  const cellHtml = input.cells.map((cell) => {
    if (cell.markdown !== undefined)
      return `<section class="cell markdown-cell" id="cell-${cell.index + 1}">${renderMarkdown(redact(cell.markdown, input.secrets))}</section>`;
    const notRun = !cell.ok && cell.outputs.length === 0;
    const status = cell.ok
      ? ['ok', '✓', 'succeeded']
      : notRun
        ? ['not-run', '○', 'not run']
        : ['failed', '✗', 'failed'];
    const title = cell.step ? `${cell.step}: ${cell.name ?? ''}` : notRun ? 'not run' : 'cell';
    const parts = [
      `<div class="cell-head"><span class="status ${status[0]}" title="${status[2]}" aria-label="${status[2]}">${status[1]}</span><span class="index">[${cell.index + 1}]</span><code>${escapeHtml(title)}</code></div>`,
    ];
    if (cell.source)
      parts.push(
        `<details class="source" open><summary>YAML</summary><pre><code>${escapeHtml(redactSource(cell.source, input.secrets))}</code></pre></details>`,
      );
    if (cell.error) parts.push(`<div class="cell-error" role="alert">${escapeHtml(cell.error)}</div>`);
    cell.outputs.forEach((output, k) => {
      if (output.mime === MIME.error) {
        // The cell's error line already says it; an error output of its own shows only when it differs.
        const message = (output.data as { message?: unknown } | null)?.message;
        if (typeof message === 'string' && message !== cell.error)
          parts.push(`<div class="cell-error" role="alert">${escapeHtml(message)}</div>`);
        return;
      }
      const renderer = rendererFor.get(output.mime);
      const fallback = renderMarkdown(output.markdown ?? '');
      if (!renderer) {
        parts.push(`<div class="output markdown-output">${fallback}</div>`);
        return;
      }
      const id = `cell-${cell.index + 1}-output-${k + 1}`;
      used.add(renderer);
      data.outputs[id] = { mime: output.mime, renderer: renderer.id, data: output.data };
      parts.push(
        `<div class="output" data-output="${id}"><div class="sl-render"></div><div class="sl-fallback markdown-output">${fallback}</div></div>`,
      );
    });
    return `<section class="cell code-cell ${status[0]}" id="cell-${cell.index + 1}">${parts.join('\n')}</section>`;
  });

  // Renderer bundles first (they register themselves), then the page script that uses them.
  const scripts = [...used]
    .map((r) => registeringModule(readBundle(r.file), r.id))
    .concat(assets.pageScript)
    .map(inlineScript);
  const csp = [
    "default-src 'none'",
    `script-src ${scripts.map((s) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`).join(' ')}`,
    // Plotly writes style attributes and a <style> element; styles cannot run code.
    "style-src 'unsafe-inline'",
    'img-src data:',
    'font-src data:',
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');

  const code = input.cells.filter((c) => c.markdown === undefined);
  const failed = code.filter((c) => !c.ok && c.outputs.length > 0);
  const notRun = code.filter((c) => !c.ok && c.outputs.length === 0);
  const firstFailure = failed[0] ?? notRun[0];
  const notebook = path.basename(input.notebookPath);
  const contents = tableOfContents(
    input.cells.map((c) =>
      c.markdown !== undefined
        ? { index: c.index, markdown: redact(c.markdown, input.secrets) }
        : {
            index: c.index,
            title: c.step ? `${c.step}: ${c.name ?? ''}` : 'cell',
            status: c.ok ? 'ok' : c.outputs.length === 0 ? 'not-run' : 'failed',
          },
    ),
  );
  const summary = `${code.length} code cells: ${code.length - failed.length - notRun.length} ran${failed.length ? `, ${failed.length} failed` : ''}${notRun.length ? `, ${notRun.length} not run` : ''}`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Symptom Lens ${escapeHtml(assets.version)}">
<title>${escapeHtml(notebook)} — Symptom Lens report</title>
<style>
${paletteCss('body.sl-theme-light', 'body.sl-theme-dark')}
${PAGE_CSS}
${TOC_CSS}
</style>
</head>
<body class="sl-theme-light">
<div class="page">
<header class="page-head">
  <div>
    <h1>${escapeHtml(notebook)}</h1>
    <p class="muted">Symptom Lens ${escapeHtml(assets.version)} report · ${summary} · written ${new Date().toISOString().replace('T', ' ').slice(0, 16)} UTC</p>
  </div>
  <div class="theme-switch" role="group" aria-label="Theme"><button type="button" data-theme="auto">Auto</button><button type="button" data-theme="light">Light</button><button type="button" data-theme="dark">Dark</button></div>
</header>
${firstFailure ? `<p class="cell-error banner" role="alert">Cell ${firstFailure.index + 1} failed${notRun.length ? '; the cells after it did not run' : ''}. <a href="#cell-${firstFailure.index + 1}">Go to cell ${firstFailure.index + 1}</a></p>` : ''}
${contents}
<main>
${cellHtml.join('\n')}
</main>
</div>
<script type="application/json" id="${DATA_ELEMENT_ID}">${jsonForScript(data)}</script>
${scripts.map((s) => `<script type="module">${s}</script>`).join('\n')}
</body>
</html>
`;
}

function readBundle(file: string): string {
  if (!existsSync(file))
    throw new Error(`The renderer bundle ${file} is missing: build the package first (npm run build).`);
  // A development build links its source map; the report is a single file, so the link goes.
  return readFileSync(file, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
}

/**
 * An inline module cannot export to the page, so the bundle's final `export{x as activate}`
 * (esbuild writes exactly one, followed only by comments) becomes a registration on a global.
 */
export function registeringModule(bundle: string, rendererId: string): string {
  const start = Math.max(bundle.lastIndexOf('export{'), bundle.lastIndexOf('export {'));
  const end = start < 0 ? -1 : bundle.indexOf('}', start);
  const rest = end < 0 ? '' : bundle.slice(end + 1).replace(/^\s*;/, '');
  const onlyComments = rest.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '').trim() === '';
  const local =
    end < 0
      ? undefined
      : /(?:^|,)\s*([\w$]+)\s+as\s+activate\s*(?:,|$)|(?:^|,)\s*(activate)\s*(?:,|$)/.exec(
          bundle.slice(bundle.indexOf('{', start) + 1, end),
        );
  if (!local || !onlyComments)
    throw new Error(
      `Renderer ${rendererId}: its bundle does not end with an export of activate; rebuild it with esbuild.mjs.`,
    );
  const registry = `globalThis[${JSON.stringify(REGISTRY)}]`;
  return `${bundle.slice(0, start)}${registry}??={};${registry}[${JSON.stringify(rendererId)}]={activate:${local[1] ?? local[2]}};${rest}`;
}

/**
 * Script text is raw inside <script>: the HTML parser ends it at `</script` and treats `<!--`
 * specially, wherever they appear (strings, regexes, comments). Both are rewritten to escapes
 * that mean the same in JavaScript strings, templates and regular expressions.
 */
export function inlineScript(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\x21--');
}

/** JSON that cannot end its <script> element or open a comment, and parses back identically. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const PAGE_CSS = `
html, body { background: var(--vscode-editor-background); }
body { margin: 0; color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); line-height: 1.5; }
.page { max-width: 1120px; margin: 0 auto; padding: 24px 28px 64px; }
.page-head { display: flex; justify-content: space-between; align-items: flex-start; gap: 16px; border-bottom: 1px solid var(--vscode-panel-border); margin-bottom: 22px; }
.page-head h1 { margin: 0 0 2px; font-size: 1.6em; font-weight: 600; }
.muted { color: var(--vscode-descriptionForeground); margin: 0 0 12px; }
.theme-switch { display: flex; border: 1px solid var(--vscode-panel-border); border-radius: 4px; overflow: hidden; flex: none; }
.theme-switch button { font: inherit; color: var(--vscode-foreground); background: transparent; border: 0; padding: 3px 10px; cursor: pointer; }
.theme-switch button[aria-pressed="true"] { background: var(--vscode-button-background); color: var(--vscode-button-foreground); }
.cell { margin: 0 0 26px; }
.code-cell { border-left: 2px solid var(--vscode-panel-border); padding-left: 16px; }
.code-cell.failed { border-left-color: var(--vscode-charts-red); }
.code-cell.not-run { opacity: 0.7; }
.cell-head { display: flex; gap: 8px; align-items: baseline; color: var(--vscode-descriptionForeground); font-size: 0.92em; margin-bottom: 8px; }
.cell-head code { font-family: var(--vscode-editor-font-family); color: var(--vscode-foreground); }
.status.ok { color: var(--vscode-charts-green); }
.status.failed { color: var(--vscode-charts-red); }
.cell-error { border: 1px solid var(--vscode-charts-red); border-left-width: 4px; border-radius: 3px; padding: 8px 12px; margin: 6px 0; white-space: pre-wrap; font-family: var(--vscode-editor-font-family); }
.cell-error.banner { font-family: var(--vscode-font-family); margin-bottom: 22px; }
.not-run .cell-error { border-color: var(--vscode-panel-border); color: var(--vscode-descriptionForeground); }
a { color: var(--vscode-textLink-foreground); }
details.source summary { cursor: pointer; color: var(--vscode-descriptionForeground); font-size: 0.9em; }
pre { background: var(--vscode-editorWidget-background); border: 1px solid var(--vscode-panel-border); border-radius: 3px; padding: 8px 10px; overflow-x: auto; }
code { font-family: var(--vscode-editor-font-family); font-size: 0.95em; }
.markdown-cell h1, .markdown-cell h2, .markdown-cell h3 { font-weight: 600; margin: 1.1em 0 0.4em; }
.markdown-cell h1 { font-size: 1.5em; } .markdown-cell h2 { font-size: 1.25em; } .markdown-cell h3 { font-size: 1.1em; }
.markdown-cell > :first-child { margin-top: 0; }
blockquote { margin: 0.6em 0; padding: 0 12px; border-left: 3px solid var(--vscode-panel-border); color: var(--vscode-descriptionForeground); }
.markdown-output table, .markdown-cell table { border-collapse: collapse; margin: 6px 0; font-variant-numeric: tabular-nums; }
.markdown-output th, .markdown-output td, .markdown-cell th, .markdown-cell td { border-bottom: 1px solid var(--vscode-panel-border); padding: 3px 10px; text-align: left; }
.align-right { text-align: right !important; } .align-center { text-align: center !important; }
.output + .output { margin-top: 14px; }
`;
