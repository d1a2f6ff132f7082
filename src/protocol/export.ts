// Renderer → extension messages of the export buttons. Downloads are blocked inside VS Code's
// output webviews and the clipboard API needs permissions they do not grant, so the renderer sends
// what to save or copy and the extension shows the save dialog or writes the clipboard. A renderer
// message is untrusted input: each guard checks shape and size.

/** The files a score output exports: the CLI's two CSVs (report/scoreCsv.ts) and the score as JSON. */
export const SCORE_EXPORTS = ['predictions.csv', 'metrics.csv', 'json'] as const;
export type ScoreExport = (typeof SCORE_EXPORTS)[number];

/** Save a score output's predictions or metrics; the extension reads the output itself, by the score's name. */
export interface ExportScoreRequest {
  type: 'exportScore';
  score: string;
  format: ScoreExport;
}

/** Put a table (TSV or Markdown) on the clipboard. */
export interface CopyTextRequest {
  type: 'copyText';
  text: string;
  /** What was copied, for the confirmation: "Variants table as Markdown". */
  what: string;
}

/** Save a chart as PNG or SVG: a data: URL made by Plotly.toImage (or a canvas). */
export interface SaveImageRequest {
  type: 'saveImage';
  /** Suggested file name without extension, e.g. "heatmap-v1". */
  name: string;
  dataUrl: string;
}

/** Larger texts or images than this are refused (a 4-Mpx PNG is well under it). */
export const MAX_EXPORT_CHARS = 64 * 1024 * 1024;

const text = (v: unknown, max: number) => typeof v === 'string' && v.length > 0 && v.length <= max;

export function isExportScoreRequest(m: unknown): m is ExportScoreRequest {
  const r = m as Partial<ExportScoreRequest> | null;
  return !!r && r.type === 'exportScore' && text(r.score, 1000) && SCORE_EXPORTS.includes(r.format as ScoreExport);
}

export function isCopyTextRequest(m: unknown): m is CopyTextRequest {
  const r = m as Partial<CopyTextRequest> | null;
  return !!r && r.type === 'copyText' && text(r.text, MAX_EXPORT_CHARS) && text(r.what, 200);
}

/** PNG (base64) or SVG (URL-encoded or base64) data URLs only. */
const IMAGE_URL = /^data:image\/(png|svg\+xml)(;charset=utf-8)?(;base64)?,/;

export function isSaveImageRequest(m: unknown): m is SaveImageRequest {
  const r = m as Partial<SaveImageRequest> | null;
  return (
    !!r &&
    r.type === 'saveImage' &&
    text(r.name, 200) &&
    text(r.dataUrl, MAX_EXPORT_CHARS) &&
    IMAGE_URL.test(r.dataUrl!)
  );
}

/** The file extension and bytes of an image data URL (undefined when it is not PNG or SVG). */
export function decodeImageUrl(dataUrl: string): { extension: 'png' | 'svg'; bytes: Uint8Array } | undefined {
  const m = IMAGE_URL.exec(dataUrl);
  if (!m) return undefined;
  const payload = dataUrl.slice(m[0].length);
  const bytes = m[3]
    ? Uint8Array.from(atob(payload), (c) => c.charCodeAt(0))
    : new TextEncoder().encode(decodeURIComponent(payload));
  return { extension: m[1] === 'png' ? 'png' : 'svg', bytes };
}

/** Rows as tab-separated values: tabs and line breaks inside a cell become spaces. */
export function toTsv(header: string[], rows: string[][]): string {
  const cell = (s: string) => s.replace(/[\t\r\n]+/g, ' ');
  return [header, ...rows].map((r) => r.map(cell).join('\t')).join('\n') + '\n';
}

/** Rows as a GitHub Markdown table: pipes and backslashes escaped, tabs and line breaks as spaces. */
export function toMarkdownTable(header: string[], rows: string[][], numeric: boolean[] = []): string {
  const cell = (s: string) =>
    s
      .replace(/\\/g, '\\\\')
      .replace(/\|/g, '\\|')
      .replace(/[\t\r\n]+/g, ' ');
  const line = (r: string[]) => `| ${r.map(cell).join(' | ')} |`;
  return (
    [line(header), `| ${header.map((_, i) => (numeric[i] ? '---:' : '---')).join(' | ')} |`, ...rows.map(line)].join(
      '\n',
    ) + '\n'
  );
}
