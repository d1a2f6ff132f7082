// Completions with the cache in front: a cached reply is returned without touching the network
// or the key, so a notebook whose completions are all cached runs offline and keyless.
import { CancelledError } from '../common/errors';
import { CompletionCache, type CompletionRequest } from './cache';
import {
  ChatClient,
  LlmError,
  type ChatMessage,
  type ChatParameters,
  type ChatReply,
  type RetryPolicy,
} from './client';
import type { Endpoint } from './endpoint';
import { redact } from '../common/secrets';

export interface CompletionServiceOptions {
  endpoint: Endpoint;
  model: string;
  timeoutMs: number;
  getApiKey(): Promise<string | undefined>;
  cache: CompletionCache;
  /** Ask again even when a completion is cached, and overwrite it. */
  refresh: boolean;
  log(message: string): void;
  retry?: RetryPolicy;
}

export interface Completion extends ChatReply {
  fromCache: boolean;
}

export class CompletionService {
  /** Requests that went to the server (retries not counted) and replies read from the cache. */
  sent = 0;
  cached = 0;
  private client?: Promise<ChatClient>;
  private apiKey?: string;

  constructor(private readonly options: CompletionServiceOptions) {}

  async complete(
    messages: ChatMessage[],
    parameters: ChatParameters,
    sample: number,
    signal: AbortSignal,
    inputs?: CompletionRequest['inputs'],
  ): Promise<Completion> {
    const { endpoint, model, cache, refresh } = this.options;
    const request: CompletionRequest = {
      endpoint: endpoint.url,
      model,
      messages,
      parameters,
      sample,
      ...(inputs ? { inputs } : {}),
    };
    if (!refresh) {
      const repairedBefore = cache.repaired;
      const hit = await cache.get(request);
      if (hit) {
        this.cached++;
        return { text: hit.reply, finishReason: hit.finishReason, servedBy: hit.servedBy, fromCache: true };
      }
      if (cache.repaired > repairedBefore)
        this.log(`A cached completion in ${cache.dir} failed its checksum (corrupted or edited); asking again.`);
    }
    if (signal.aborted) throw new CancelledError();
    const client = await (this.client ??= this.createClient());
    this.sent++;
    let reply: ChatReply;
    try {
      reply = await client.complete(messages, parameters, signal);
    } catch (err) {
      throw this.safe(err);
    }
    await cache.put({
      request,
      reply: reply.text,
      finishReason: reply.finishReason,
      servedBy: reply.servedBy,
      receivedAt: new Date().toISOString(),
    });
    return { ...reply, fromCache: false };
  }

  /** A log line with the key taken out. */
  log(message: string): void {
    this.options.log(redact(message, this.apiKey));
  }

  private async createClient(): Promise<ChatClient> {
    const { endpoint, model, timeoutMs, retry } = this.options;
    const key = (await this.options.getApiKey())?.trim() || undefined;
    this.apiKey = key;
    if (key === undefined && !endpoint.local) {
      throw new LlmError(
        `No API key is set for ${endpoint.url}.`,
        'In VS Code run "Symptom Lens: Set API Key"; for the command line set the environment variable OPENAI_API_KEY. Servers on this machine (localhost) need none.',
        'key',
      );
    }
    return new ChatClient({
      endpoint,
      model,
      apiKey: key,
      timeoutMs,
      retry,
      onRetry: (m) => this.log(`${endpoint.url}: ${m}`),
    });
  }

  /** Every failure that leaves the service, with the key scrubbed from its words. */
  private safe(err: unknown): Error {
    if (err instanceof CancelledError) return err;
    if (err instanceof LlmError)
      return new LlmError(redact(err.message, this.apiKey), redact(err.hint, this.apiKey), err.field);
    const text = err instanceof Error ? err.message : String(err);
    return new LlmError(
      `The request to ${this.options.endpoint.url} failed: ${redact(text, this.apiKey)}.`,
      'Check the base URL, model and key.',
      'endpoint',
    );
  }
}
