// The report's table of contents: the headings of the markdown cells, and under each the code
// cells that follow it (step: name, with their status), each a link to the cell. Plain anchors:
// it works offline and without scripts.
import { escapeHtml, markdownHeadings } from './markdown';

export interface TocCell {
  index: number;
  /** Markdown cells: their source. */
  markdown?: string;
  /** Code cells: "step: name" and how the run went. */
  title?: string;
  status?: 'ok' | 'failed' | 'not-run';
}

/** Headings deeper than this stay out of the contents (they are sub-points of a section). */
const MAX_LEVEL = 3;

export function tableOfContents(cells: TocCell[]): string {
  const items: string[] = [];
  for (const cell of cells) {
    const href = `#cell-${cell.index + 1}`;
    if (cell.markdown !== undefined) {
      for (const heading of markdownHeadings(cell.markdown).filter((x) => x.level <= MAX_LEVEL)) {
        items.push(
          `<li class="toc-heading toc-level-${heading.level}"><a href="${href}">${escapeHtml(heading.text)}</a></li>`,
        );
      }
    } else if (cell.title) {
      const status = cell.status ?? 'ok';
      const mark =
        status === 'ok'
          ? ''
          : ` <span class="toc-status ${status}">${status === 'failed' ? 'failed' : 'not run'}</span>`;
      items.push(`<li class="toc-cell"><a href="${href}"><code>${escapeHtml(cell.title)}</code></a>${mark}</li>`);
    }
  }
  if (items.length === 0) return '';
  return `<nav class="toc" aria-label="Contents"><details open><summary>Contents</summary><ol>${items.join('')}</ol></details></nav>`;
}

export const TOC_CSS = `
.toc { border: 1px solid var(--vscode-panel-border); border-radius: 4px; padding: 6px 14px; margin: 0 0 22px; background: var(--vscode-editorWidget-background); }
.toc summary { cursor: pointer; font-weight: 600; }
.toc ol { list-style: none; margin: 6px 0 4px; padding: 0; columns: 2 18em; }
.toc li { break-inside: avoid; margin: 1px 0; }
.toc .toc-level-1 { font-weight: 600; }
.toc .toc-level-2 { padding-left: 0; }
.toc .toc-level-3 { padding-left: 1em; }
.toc .toc-cell { padding-left: 1.4em; font-size: 0.92em; }
.toc .toc-status { color: var(--vscode-charts-red); font-size: 0.85em; }
`;
