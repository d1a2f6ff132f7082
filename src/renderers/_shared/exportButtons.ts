// "Copy table" as TSV (spreadsheets) or Markdown (papers, issues), and saving an image. Inside VS
// Code the extension writes the clipboard and the file (an output webview may do neither); the
// standalone report, a plain page, uses the browser's clipboard and downloads.
import type { CopyTextRequest, SaveImageRequest } from '../../protocol/export';
import { toMarkdownTable, toTsv } from '../../protocol/export';
import { h } from './dom';
import { button } from './elements';

export interface TableText {
  header: string[];
  rows: string[][];
  /** Right-aligned (numeric) columns in Markdown. */
  numeric?: boolean[];
}

/** Two buttons that copy `table()` as TSV and as Markdown; `what` names it in the confirmation. */
export function copyButtons(
  what: string,
  table: () => TableText,
  post: ((m: CopyTextRequest) => void) | undefined,
  testid: string,
): HTMLElement {
  const copy = (format: 'TSV' | 'Markdown') => {
    const t = table();
    const text = format === 'TSV' ? toTsv(t.header, t.rows) : toMarkdownTable(t.header, t.rows, t.numeric);
    if (post) post({ type: 'copyText', text, what: `${what} as ${format}` });
    else void navigator.clipboard?.writeText(text);
  };
  return h(
    'span',
    { class: 'sl-export', testid },
    button('Copy TSV', () => copy('TSV'), { secondary: true, title: `Copy the ${what} as tab-separated values` }),
    button('Copy Markdown', () => copy('Markdown'), { secondary: true, title: `Copy the ${what} as a Markdown table` }),
  );
}

export type SaveImage = ((m: SaveImageRequest) => void) | undefined;

/** Saves (VS Code) or downloads (report) a PNG or SVG data URL as NAME.png / NAME.svg. */
export function saveImage(name: string, dataUrl: string, post: SaveImage): void {
  if (post) {
    post({ type: 'saveImage', name, dataUrl });
    return;
  }
  const extension = dataUrl.startsWith('data:image/png') ? 'png' : 'svg';
  h('a', { attrs: { href: dataUrl, download: `${name}.${extension}` } }).click();
}
