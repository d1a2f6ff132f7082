// One chat completion against an OpenAI-compatible server, through the `openai` package, with
// our own retry loop (so waits show as progress and stop at once on interrupt) and a message for
// every way it can fail that says what to do. Nothing that leaves this file carries the key.
import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { backoffMs, DeadlineError, sleep, withDeadline } from '../common/deadline';
import { CancelledError } from '../common/errors';
import type { Endpoint } from './endpoint';
import { redact } from '../common/secrets';

/** Text, or (vision models) an image as an OpenAI-compatible data URL. */
export type ChatContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | ChatContentPart[] }
  | { role: 'assistant'; content: string };

export interface ChatParameters {
  temperature: number;
  max_tokens?: number;
}

export interface ChatReply {
  text: string;
  finishReason: string | null;
  /** The model name the server reports (often more exact than the requested one). */
  servedBy?: string;
}

/** Which part of the configuration a failure points at: where the error message is placed. */
export type LlmField = 'endpoint' | 'model' | 'parameters' | 'key';

export class LlmError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    readonly field?: LlmField,
  ) {
    super(message);
    this.name = 'LlmError';
  }
}

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A server asking for a longer pause than this fails the cell instead of blocking it. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 1000,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 120_000,
};

export interface ChatClientOptions {
  endpoint: Endpoint;
  model: string;
  /** Undefined only for local servers (see endpoint.local). */
  apiKey: string | undefined;
  timeoutMs: number;
  retry?: RetryPolicy;
  /** Told about each wait before a retry. */
  onRetry?(message: string): void;
}

const SET_KEY_HINT =
  'In VS Code run "Symptom Lens: Set API Key"; for the command line set the environment variable OPENAI_API_KEY.';

export class ChatClient {
  private readonly retry: RetryPolicy;

  constructor(private readonly options: ChatClientOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY;
  }

  async complete(messages: ChatMessage[], parameters: ChatParameters, signal: AbortSignal): Promise<ChatReply> {
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw new CancelledError();
      const failedBody = { text: '' };
      try {
        return await this.once(messages, parameters, signal, failedBody);
      } catch (err) {
        if (signal.aborted || err instanceof APIUserAbortError) throw new CancelledError();
        if (err instanceof LlmError) throw err;
        const wait = this.retryDelay(err, attempt);
        if (wait === undefined) throw this.explain(err, failedBody.text);
        this.options.onRetry?.(
          `${this.describeTransient(err)}; retry ${attempt + 1} of ${this.retry.maxRetries} in ${(wait / 1000).toFixed(1)} s`,
        );
        await sleep(wait, signal);
      }
    }
  }

  private async once(
    messages: ChatMessage[],
    parameters: ChatParameters,
    signal: AbortSignal,
    failedBody: { text: string },
  ): Promise<ChatReply> {
    const { endpoint, apiKey, timeoutMs, model } = this.options;
    const client = new OpenAI({
      baseURL: endpoint.baseURL,
      // The package insists on a key; keyless local servers get a placeholder and no header.
      apiKey: apiKey ?? 'none',
      defaultHeaders: {
        ...(apiKey === undefined || endpoint.azure ? { Authorization: null } : {}),
        ...(endpoint.azure && apiKey !== undefined ? { 'api-key': apiKey } : {}),
      },
      defaultQuery: endpoint.query,
      timeout: timeoutMs,
      maxRetries: 0,
      // OPENAI_LOG=debug in the environment must not turn request logging (headers) on.
      logLevel: 'off',
      organization: null,
      project: null,
      // Keep the body of a failed response: the package drops bodies that are JSON without an
      // `error` field (vLLM's shape), and those carry the useful "model does not exist".
      fetch: async (url: string | URL | Request, init?: RequestInit) => {
        const res = await fetch(url, init);
        if (!res.ok)
          failedBody.text = await res
            .clone()
            .text()
            .catch(() => '');
        return res;
      },
    });
    // The package's own timeout stops at the response headers; this one covers the body too.
    let body: unknown;
    try {
      body = await withDeadline(timeoutMs, signal, (limited) =>
        client.chat.completions.create(
          {
            model,
            messages,
            temperature: parameters.temperature,
            ...(parameters.max_tokens !== undefined ? { max_tokens: parameters.max_tokens } : {}),
          },
          { signal: limited },
        ),
      );
    } catch (err) {
      throw err instanceof DeadlineError ? new APIConnectionTimeoutError() : err;
    }
    // A non-JSON 200 (a web page, a proxy's login form) comes back from the package as a string.
    const choices = typeof body === 'object' && body !== null ? (body as { choices?: unknown }).choices : undefined;
    if (!Array.isArray(choices)) {
      throw new LlmError(
        `${endpoint.url} answered, but not like an OpenAI-compatible chat server (${typeof body === 'string' ? `it sent "${redact(snippet(body), apiKey)}"` : 'no "choices" in the reply'}).`,
        `Check the base URL: requests go to BASE/chat/completions, so it usually ends in /v1 (e.g. http://localhost:11434/v1 for Ollama).`,
        'endpoint',
      );
    }
    const first = choices[0] as { message?: { content?: unknown }; finish_reason?: unknown } | undefined;
    const content = first?.message?.content;
    // A server may echo the key anywhere: nothing it says leaves here unredacted.
    const servedBy = (body as { model?: unknown }).model;
    return {
      text: typeof content === 'string' ? redact(content, apiKey) : '',
      finishReason: typeof first?.finish_reason === 'string' ? redact(first.finish_reason, apiKey) : null,
      servedBy: typeof servedBy === 'string' ? redact(servedBy, apiKey) : undefined,
    };
  }

  /** Milliseconds to wait before the next attempt, or undefined when this failure is final. */
  private retryDelay(err: unknown, attempt: number): number | undefined {
    if (attempt >= this.retry.maxRetries) return undefined;
    const backoff = backoffMs(attempt, this.retry.baseDelayMs, this.retry.maxDelayMs);
    if (err instanceof APIConnectionTimeoutError) return undefined;
    if (err instanceof APIError && err.status !== undefined) {
      if (err.status === 429) {
        const asked = retryAfterMs(err.headers);
        if (asked !== undefined && asked > this.retry.maxRetryAfterMs) return undefined;
        return asked ?? backoff;
      }
      return err.status >= 500 ? backoff : undefined;
    }
    if (err instanceof APIError) {
      // A connection error: refused or unknown hosts will not heal by themselves; a dropped
      // connection often does.
      const code = causeCode(err);
      return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === undefined
        ? undefined
        : backoff;
    }
    return undefined;
  }

  private describeTransient(err: unknown): string {
    if (err instanceof APIError && err.status === 429) return 'rate limited (429)';
    if (err instanceof APIError && err.status !== undefined) return `server error ${err.status}`;
    return `connection lost (${causeCode(err) ?? 'network error'})`;
  }

  /** The final failure as a message that says what to do. */
  private explain(err: unknown, failedBody: string): LlmError {
    const { endpoint, model, apiKey, timeoutMs } = this.options;
    const url = endpoint.url;
    const serverSays = (fallback: string) => redact(serverMessage(err, failedBody) ?? fallback, apiKey);
    if (err instanceof APIConnectionTimeoutError) {
      return new LlmError(
        `${url} did not answer within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}.`,
        'The server may still be loading the model or be overloaded: try again, or raise the timeout (setting symptomLens.llm.timeoutSeconds).',
        'endpoint',
      );
    }
    if (err instanceof APIError && err.status === undefined) {
      const code = causeCode(err);
      if (code === 'ECONNREFUSED') {
        return new LlmError(
          `Nothing is listening at ${url} (connection refused).`,
          endpoint.local
            ? 'Start the local server (e.g. "ollama serve", or vLLM\'s "vllm serve MODEL"), or fix the base URL and port.'
            : 'Check the base URL and port, and that the server is running.',
          'endpoint',
        );
      }
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
        return new LlmError(
          `The host of ${url} cannot be found (${code}).`,
          'Check the spelling of the base URL and your network connection.',
          'endpoint',
        );
      }
      return new LlmError(
        `Cannot reach ${url}: ${redact(innermostMessage(err), apiKey)}.`,
        'Check the base URL and your network connection.',
        'endpoint',
      );
    }
    if (err instanceof APIError) {
      const status = err.status as number;
      if (status === 401) {
        // The body is not repeated: OpenAI's quotes part of the key.
        return apiKey === undefined
          ? new LlmError(`${url} wants an API key (401) and none is set.`, SET_KEY_HINT, 'key')
          : new LlmError(
              `${url} refused the API key (401 unauthorized).`,
              `Set a valid key for this endpoint. ${SET_KEY_HINT}`,
              'key',
            );
      }
      if (status === 403) {
        return new LlmError(
          `${url} refused access (403): ${serverSays('forbidden')}.`,
          'Check that the key has access to this model and endpoint.',
          'key',
        );
      }
      if (status === 404) {
        const said = serverSays('');
        if (/model|deployment/i.test(said)) {
          return new LlmError(
            `The model "${model}" does not exist at ${url} (404: ${said}).`,
            endpoint.local
              ? 'Name a model the server has (Ollama: "ollama list", or "ollama pull NAME" first; vLLM: the name given to "vllm serve").'
              : 'Check the model name (Azure: the deployment name) in llm.model or the setting symptomLens.llm.model.',
            'model',
          );
        }
        const suggestion =
          /\/v1$/.test(endpoint.baseURL) || endpoint.azure ? '' : ` Did you mean ${endpoint.baseURL}/v1?`;
        return new LlmError(
          `${url} has no chat-completions API (404 on ${endpoint.baseURL}/chat/completions${said ? `: ${said}` : ''}).`,
          `Check the base URL: it is the part before /chat/completions.${suggestion}`,
          'endpoint',
        );
      }
      if (status === 429) {
        const asked = retryAfterMs(err.headers);
        return new LlmError(
          `${url} is rate limiting this key (429)${asked !== undefined ? ` and asks to wait ${Math.ceil(asked / 1000)} s` : ''}: ${serverSays('too many requests')}.`,
          "Wait and run the cell again (completions received so far are cached), or check the account's quota.",
        );
      }
      if (status === 400 || status === 422) {
        return new LlmError(
          `${url} rejected the request (${status}): ${serverSays('bad request')}.`,
          'Check the llm: options (some models accept only temperature 1, or want no max_tokens).',
          'parameters',
        );
      }
      if (status >= 500) {
        return new LlmError(
          `${url} kept failing with server error ${status} after ${this.retry.maxRetries} retries: ${serverSays('internal error')}.`,
          'Try again later, or use another endpoint.',
          'endpoint',
        );
      }
      return new LlmError(
        `${url} answered ${status}: ${serverSays('unexpected status')}.`,
        'Check the base URL, model and key.',
        'endpoint',
      );
    }
    return new LlmError(
      `The request to ${url} failed: ${redact(err instanceof Error ? err.message : String(err), apiKey)}.`,
      'Check the base URL, model and key.',
      'endpoint',
    );
  }
}

/** The server's own words: `error.message` (OpenAI, Ollama), `message` (vLLM) or the text. */
function serverMessage(err: unknown, failedBody: string): string | undefined {
  const fromPackage = err instanceof APIError ? (err.error as { message?: unknown } | undefined)?.message : undefined;
  if (typeof fromPackage === 'string' && fromPackage) return snippet(fromPackage);
  const text = failedBody.trim();
  if (!text) return undefined;
  try {
    const json = JSON.parse(text) as { message?: unknown; detail?: unknown; error?: unknown };
    for (const v of [json.message, json.detail, json.error]) if (typeof v === 'string' && v) return snippet(v);
  } catch {
    // Not JSON: a plain-text or HTML body.
  }
  return snippet(text);
}

/** A body shortened to one readable line (tags of an HTML page dropped). */
function snippet(text: string): string {
  const oneLine = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\.+$/, '');
  return oneLine.length > 120 ? `${oneLine.slice(0, 119)}…` : oneLine;
}

/** `retry-after-ms`, or `retry-after` in seconds or as an HTTP date. */
function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers?.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** The errno-style code (ECONNREFUSED, ENOTFOUND…) somewhere down the cause chain. */
function causeCode(err: unknown): string | undefined {
  for (
    let e = err as { cause?: unknown; code?: unknown } | undefined, depth = 0;
    e && depth < 6;
    e = e.cause as typeof e, depth++
  ) {
    if (typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code)) return e.code;
  }
  return undefined;
}

function innermostMessage(err: unknown): string {
  let e = err as { cause?: unknown; message?: unknown };
  for (let depth = 0; e.cause && depth < 6; depth++) e = e.cause as typeof e;
  return typeof e.message === 'string' ? e.message : 'network error';
}
