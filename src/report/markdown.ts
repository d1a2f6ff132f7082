// Markdown for the report: the notebook's markdown cells and the text/markdown fallback of
// outputs that have no renderer. A maintained CommonMark parser (markdown-it, linear in its
// input) with raw HTML off: HTML in the source stays visible as text, links keep only http(s)
// and mailto targets, images stay text (the report loads nothing remote), and table alignment
// becomes a class (the page's CSS), not an inline style.
import MarkdownIt from 'markdown-it';

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const SAFE_LINK = /^(https?:|mailto:)/i;

function createParser(): MarkdownIt {
  const md = new MarkdownIt('commonmark', { html: false, linkify: false, typographer: false });
  md.enable('table');
  md.disable('image');
  md.validateLink = (url) => SAFE_LINK.test(url.trim());
  const renderToken: NonNullable<typeof md.renderer.rules.link_open> = (tokens, i, options, _env, self) =>
    self.renderToken(tokens, i, options);
  md.renderer.rules.link_open = (tokens, i, options, env, self) => {
    tokens[i].attrSet('rel', 'noopener noreferrer');
    return renderToken(tokens, i, options, env, self);
  };
  const alignAsClass: typeof renderToken = (tokens, i, options, env, self) => {
    const align = /text-align:(\w+)/.exec(tokens[i].attrGet('style') ?? '')?.[1];
    if (align) {
      tokens[i].attrs = (tokens[i].attrs ?? []).filter(([name]) => name !== 'style');
      tokens[i].attrSet('class', `align-${align}`);
    }
    return renderToken(tokens, i, options, env, self);
  };
  md.renderer.rules.th_open = alignAsClass;
  md.renderer.rules.td_open = alignAsClass;
  return md;
}

const parser = createParser();

export function renderMarkdown(source: string): string {
  return parser.render(source);
}

/** The headings of a markdown text with their level, as plain text (inline markup dropped). */
export function markdownHeadings(source: string): { level: number; text: string }[] {
  const tokens = parser.parse(source, {});
  const headings: { level: number; text: string }[] = [];
  tokens.forEach((token, i) => {
    if (token.type !== 'heading_open') return;
    const inline = tokens[i + 1]?.children ?? [];
    const text = inline
      .filter((c) => c.type === 'text' || c.type === 'code_inline')
      .map((c) => c.content)
      .join('')
      .trim();
    if (text) headings.push({ level: Number(token.tag.slice(1)), text });
  });
  return headings;
}
