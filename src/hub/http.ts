// The one `fetch` every hub request goes through (the @huggingface/hub calls take it as their
// `fetch`). It adds the token only to requests for the configured endpoint's origin, follows
// redirects itself so that a redirect to a CDN or anywhere else never carries the token, and
// keeps the status of a failed reply for the error message. Time limits are set by the callers
// with common/deadline's withDeadline around the whole request, body included.
import { CancelledError } from '../common/errors';

const MAX_REDIRECTS = 5;
/** What the hub states about a file on a redirect, which a CDN's final answer lacks. */
const LINKED_HEADERS = ['x-repo-commit', 'x-linked-etag', 'x-linked-size'];

/** A reply that was not ok, as the hub gave it. */
export class HubHttpError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
    /** The hub's X-Error-Code (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo). */
    readonly code: string | undefined,
    /** The hub's own words (X-Error-Message or a short body), never our request headers. */
    readonly serverMessage: string,
  ) {
    super(`HTTP ${status} from ${url}${code ? ` (${code})` : ''}`);
    this.name = 'HubHttpError';
  }
}

export interface HubFetchOptions {
  endpoint: string;
  token: string | undefined;
  /** The request's signal: an interrupt or the caller's deadline. */
  signal: AbortSignal;
  /** Called once per request sent (tests count them; the cell shows nothing of it). */
  onRequest?: (url: string) => void;
}

async function shortBody(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const json = JSON.parse(text) as { error?: unknown; message?: unknown };
    const said = json.error ?? json.message;
    if (typeof said === 'string') return said.slice(0, 300);
  } catch {
    // not JSON: a plain text or HTML body
  }
  return text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

/** A fetch for @huggingface/hub: the token only to `endpoint`, redirects followed without it. */
export function hubFetch(options: HubFetchOptions): typeof fetch {
  const origin = new URL(options.endpoint).origin;
  return (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    let url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const linked = new Headers();
    try {
      for (let hop = 0; ; hop++) {
        const headers = new Headers(init?.headers);
        // Whatever the library put there, the token goes to the configured endpoint only.
        headers.delete('authorization');
        if (options.token && new URL(url).origin === origin) headers.set('authorization', `Bearer ${options.token}`);
        options.onRequest?.(url);
        const res = await fetch(url, { ...init, headers, redirect: 'manual', signal: options.signal });
        const location = res.headers.get('location');
        if (res.status >= 300 && res.status < 400 && location) {
          await res.body?.cancel();
          for (const name of LINKED_HEADERS) {
            const value = res.headers.get(name);
            if (value !== null && !linked.has(name)) linked.set(name, value);
          }
          if (hop >= MAX_REDIRECTS) throw new HubHttpError(res.status, url, undefined, 'too many redirects');
          url = new URL(location, url).href;
          continue;
        }
        if (!res.ok) {
          const code = res.headers.get('x-error-code') ?? undefined;
          const said = res.headers.get('x-error-message') ?? (await shortBody(res));
          throw new HubHttpError(res.status, url, code, said);
        }
        if (linked.keys().next().done) return res;
        const merged = new Headers(res.headers);
        linked.forEach((value, name) => !merged.has(name) && merged.set(name, value));
        return new Response(res.body, { status: res.status, statusText: res.statusText, headers: merged });
      }
    } catch (err) {
      if (options.signal.aborted && !(err instanceof HubHttpError)) throw options.signal.reason ?? new CancelledError();
      throw err;
    }
  }) as typeof fetch;
}
