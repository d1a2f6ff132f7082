// Where requests go and how the key travels. One base URL covers every OpenAI-compatible server:
// the client posts to `${baseURL}/chat/completions`. Query parameters in the URL (Azure's
// `api-version`) are sent with every request rather than glued into the path.
import { redact } from '../common/secrets';

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

export interface Endpoint {
  /** The base URL as recorded in outputs and cache keys: no trailing slash, query kept. */
  url: string;
  /** Base URL without the query, as the client wants it. */
  baseURL: string;
  query: Record<string, string>;
  /** This machine: local servers (Ollama, vLLM, llama.cpp, LM Studio) usually take no key. */
  local: boolean;
  /** Azure OpenAI wants the key in an `api-key` header. */
  azure: boolean;
}

/** Query names that would put a credential into the notebook. */
const SECRET_QUERY = /^(api[-_]?key|key|token|access[-_]?token|sig|code)$/i;

export class EndpointError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

export function parseEndpoint(raw: string): Endpoint {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    // A key pasted into the wrong field must not be echoed into an output.
    throw new EndpointError(
      `"${redact(raw, undefined)}" is not a URL.`,
      "Give the server's base URL, e.g. https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama).",
    );
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new EndpointError(
      `The endpoint must be an http(s) URL, got "${u.protocol}".`,
      'e.g. http://localhost:8000/v1 for vLLM.',
    );
  }
  if (u.username || u.password) {
    throw new EndpointError(
      'The endpoint URL carries a user name or password.',
      'Remove it: keys belong in "Symptom Lens: Set API Key" (or OPENAI_API_KEY for the CLI), never in the notebook.',
    );
  }
  const query: Record<string, string> = {};
  for (const [k, v] of u.searchParams) {
    if (SECRET_QUERY.test(k)) {
      throw new EndpointError(
        `The endpoint URL carries a credential ("${k}=…").`,
        'Remove it: keys belong in "Symptom Lens: Set API Key" (or OPENAI_API_KEY for the CLI), never in the notebook.',
      );
    }
    query[k] = v;
  }
  const host = u.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const local =
    host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1' || host === '0.0.0.0';
  const azure = /\.(openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)$/.test(host);
  const baseURL = `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
  const qs = u.searchParams.toString();
  return { url: qs ? `${baseURL}?${qs}` : baseURL, baseURL, query, local, azure };
}
