// A small, safe subset of Markdown for the report: the notebook's markdown cells and the
// text/markdown fallback of outputs that have no renderer. Every piece of text is HTML-escaped
// before any markup is added, raw HTML in the source stays visible as text, and links keep only
// http(s) and mailto targets. Supported: ATX headings, paragraphs, fenced code, block quotes,
// one-level bullet and numbered lists, pipe tables, horizontal rules, and inline code, bold,
// italic and links.

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function renderMarkdown(source: string): string {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const fence = /^\s*(```|~~~)\s*([\w+-]*)\s*$/.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) body.push(lines[i++]);
      i++;
      out.push(
        `<pre><code${fence[2] ? ` class="language-${escapeHtml(fence[2])}"` : ''}>${escapeHtml(body.join('\n'))}</code></pre>`,
      );
      continue;
    }
    if (!line.trim()) {
      i++;
      continue;
    }
    const heading = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const level = heading[1].length;
      out.push(`<h${level}>${inline(heading[2])}</h${level}>`);
      i++;
      continue;
    }
    if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) {
      out.push('<hr>');
      i++;
      continue;
    }
    if (isTableStart(lines, i)) {
      const header = cells(lines[i]);
      const align = cells(lines[i + 1]).map((c) =>
        /^:-+:$/.test(c) ? 'center' : /-:$/.test(c) ? 'right' : /^:-/.test(c) ? 'left' : '',
      );
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && lines[i].includes('|') && lines[i].trim()) rows.push(cells(lines[i++]));
      const td = (tag: string, text: string, k: number) =>
        `<${tag}${align[k] ? ` class="align-${align[k]}"` : ''}>${inline(text)}</${tag}>`;
      out.push(
        `<table><thead><tr>${header.map((h, k) => td('th', h, k)).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${header.map((_, k) => td('td', r[k] ?? '', k)).join('')}</tr>`).join('')}</tbody></table>`,
      );
      continue;
    }
    if (/^\s{0,3}>/.test(line)) {
      const body: string[] = [];
      while (i < lines.length && /^\s{0,3}>/.test(lines[i])) body.push(lines[i++].replace(/^\s{0,3}>\s?/, ''));
      out.push(`<blockquote>${renderMarkdown(body.join('\n'))}</blockquote>`);
      continue;
    }
    const bullet = /^\s*([-*+]|\d{1,9}[.)])\s+/;
    if (bullet.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const items: string[] = [];
      while (i < lines.length && lines[i].trim()) {
        if (bullet.test(lines[i])) items.push(lines[i].replace(bullet, ''));
        else items[items.length - 1] += ` ${lines[i].trim()}`;
        i++;
      }
      const tag = ordered ? 'ol' : 'ul';
      out.push(`<${tag}>${items.map((t) => `<li>${inline(t)}</li>`).join('')}</${tag}>`);
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i].trim() && !startsBlock(lines, i)) para.push(lines[i++].trim());
    out.push(`<p>${inline(para.join(' '))}</p>`);
  }
  return out.join('\n');
}

function startsBlock(lines: string[], i: number): boolean {
  const l = lines[i];
  return (
    /^\s*(```|~~~)/.test(l) ||
    /^\s{0,3}#{1,6}\s/.test(l) ||
    /^\s{0,3}>/.test(l) ||
    /^\s*([-*+]|\d{1,9}[.)])\s+/.test(l) ||
    isTableStart(lines, i)
  );
}

function isTableStart(lines: string[], i: number): boolean {
  return (
    lines[i].includes('|') &&
    i + 1 < lines.length &&
    /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(lines[i + 1])
  );
}

function cells(row: string): string[] {
  // `\|` is a literal bar inside a cell.
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\\|/g, '|'));
}

/** Inline markup on one line: code spans first, so nothing inside them is interpreted. */
function inline(text: string): string {
  return text
    .split(/(`+[^`]*`+)/)
    .map((part, k) => {
      if (k % 2 === 1) return `<code>${escapeHtml(part.replace(/^`+\s?|\s?`+$/g, ''))}</code>`;
      let s = escapeHtml(part.replace(/\\([\\`*_[\]()#|!-])/g, '$1'));
      s = s.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, label: string, href: string) =>
        /^(https?:|mailto:)/i.test(href) ? `<a href="${href}" rel="noopener noreferrer">${label}</a>` : label,
      );
      s = s.replace(/\*\*(?=\S)(.+?)\*\*/g, '<strong>$1</strong>').replace(/__(?=\S)(.+?)__/g, '<strong>$1</strong>');
      s = s
        .replace(/(^|[^\w*])\*(?=\S)(.+?)\*(?!\w)/g, '$1<em>$2</em>')
        .replace(/(^|\W)_(?=\S)(.+?)_(?!\w)/g, '$1<em>$2</em>');
      return s;
    })
    .join('');
}
