// A tiny DOM builder for the renderers. Every string becomes a text node or an attribute value
// set through the DOM: data (file names, labels, descriptors, LLM text) is never parsed as HTML.

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  /** A stable hook for tests: becomes data-testid. */
  testid?: string;
  title?: string;
  attrs?: Record<string, string | number | boolean | undefined>;
  /** CSS custom properties or style properties, set through CSSOM (allowed by a strict CSP). */
  style?: Record<string, string>;
  on?: { [K in keyof HTMLElementEventMap]?: (ev: HTMLElementEventMap[K]) => unknown };
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) applyProps(el, props);
  append(el, ...children);
  return el;
}

function applyProps(el: HTMLElement, props: Props): void {
  if (props.class) el.className = props.class;
  if (props.testid) el.dataset.testid = props.testid;
  if (props.title !== undefined) el.title = props.title;
  for (const [k, v] of Object.entries(props.attrs ?? {})) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const [k, v] of Object.entries(props.style ?? {})) el.style.setProperty(k.startsWith('--') ? k : kebab(k), v);
  for (const [k, fn] of Object.entries(props.on ?? {})) if (fn) el.addEventListener(k, fn as EventListener);
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function clear(el: Node): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Only inline raster images are shown: a thumbnail value that is not a base64 data: URI of a
 * PNG/JPEG/GIF/WebP (say `javascript:` or a remote URL, which a strict CSP would block anyway)
 * is dropped rather than put into `src`.
 */
export function safeImageSrc(uri: unknown): string | undefined {
  return typeof uri === 'string' && /^data:image\/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+=*$/.test(uri)
    ? uri
    : undefined;
}

/** A section with a heading and an optional line of help. */
export function section(className: string, title: string, help?: string, ...children: Child[]): HTMLElement {
  return h(
    'section',
    { class: `sl-section ${className}` },
    h('h3', null, title),
    help ? h('p', { class: 'sl-help' }, help) : null,
    ...children,
  );
}

/** The message shown instead of an output that cannot be drawn (bad data, not a crash). */
export function notice(message: string, kind: 'error' | 'warning' | 'info' = 'info'): HTMLElement {
  return h('div', { class: `sl-notice sl-${kind}`, attrs: { role: kind === 'error' ? 'alert' : 'status' } }, message);
}

/** How long the highlight of a revealed element lasts (the .sl-flash animation). */
export const FLASH_MS = 1600;

/**
 * Brings what a click changed into view and marks it for a moment, so a click never changes
 * something off screen unnoticed.
 */
export function reveal(el: HTMLElement): void {
  el.scrollIntoView({ block: 'nearest' });
  // Again once the toolkit's buttons inside have rendered (a frame later), which makes it taller.
  requestAnimationFrame(() => requestAnimationFrame(() => el.isConnected && el.scrollIntoView({ block: 'nearest' })));
  el.classList.remove('sl-flash');
  // A reflow restarts the animation when the same element is revealed twice in a row.
  void el.offsetWidth;
  el.classList.add('sl-flash');
  setTimeout(() => el.classList.remove('sl-flash'), FLASH_MS);
}
