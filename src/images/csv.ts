// A small CSV/TSV reader (RFC 4180 quoting) that keeps line numbers, so that a bad row can be
// reported as "labels.csv, line 17".
export interface CsvTable {
  header: string[];
  rows: { line: number; cells: string[] }[];
}

export function parseDelimited(text: string, delimiter: ',' | '\t'): CsvTable {
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let field = '';
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (inQuotes) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"' && field === '') {
      inQuotes = true;
    } else if (ch === delimiter) {
      cells.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      cells.push(field);
      if (cells.some((c) => c.trim() !== '')) records.push({ line: recordLine, cells });
      cells = [];
      field = '';
      line++;
      recordLine = line;
    } else field += ch;
  }
  cells.push(field);
  if (cells.some((c) => c.trim() !== '')) records.push({ line: recordLine, cells });
  const [head, ...rows] = records;
  return {
    header: (head?.cells ?? []).map((h) => h.trim()),
    rows: rows.map((r) => ({ line: r.line, cells: r.cells.map((c) => c.trim()) })),
  };
}

export function delimiterFor(file: string, firstLine: string): ',' | '\t' {
  if (/\.tsv$/i.test(file)) return '\t';
  if (/\.csv$/i.test(file)) return ',';
  return firstLine.includes('\t') ? '\t' : ',';
}
