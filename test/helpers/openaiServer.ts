// A local stand-in for an OpenAI-compatible server, started by the tests: it speaks
// POST /v1/chat/completions, answers from a script, counts requests and records what it was sent
// (headers included), and can fail the ways real servers do (401, 404, 429 + retry-after, 500,
// a hang). Every other path answers 404 in plain text, as Ollama does for a wrong base URL.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedReply {
  /** HTTP status; default 200. */
  status?: number;
  /** Chat reply text for a 200 (wrapped into a chat.completion object). */
  content?: string;
  finishReason?: string;
  /** A raw body instead of a chat completion (an error object, a web page…). */
  body?: string | object;
  contentType?: string;
  headers?: Record<string, string>;
  /** Never answer (the client must time out or abort). */
  hang?: boolean;
  /** Send the headers at once, then one byte of whitespace every this many ms, never ending. */
  trickleMs?: number;
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: { model?: string; messages?: { role: string; content: string }[]; [k: string]: unknown } | undefined;
  rawBody: string;
  /** Date.now() when the request arrived. */
  at: number;
}

export interface OpenAIServerOptions {
  /** Replies used first, one per chat request, in order. */
  script?: (ScriptedReply | string)[];
  /** After the script: a reply computed from the request (default: a fixed short list). */
  reply?: (req: ReceivedRequest) => ScriptedReply | string;
  /** Models the server has; others get OpenAI's 404 model_not_found. Default: any. */
  models?: string[];
  /** When set, requests must carry `Authorization: Bearer KEY` (or `api-key: KEY`); others get 401. */
  apiKey?: string;
  /** The model name replies report (default: the requested one), as servers report snapshots. */
  servedAs?: string;
  /** Listen on this port (0 = any free port). */
  port?: number;
}

export interface OpenAIServer {
  /** e.g. http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  port: number;
  /** Every request received, chat completions and wrong paths alike. */
  requests: ReceivedRequest[];
  /** Chat-completion requests received. */
  chatCount(): number;
  /** Resolves when the next request arrives (for tests that act mid-request). */
  nextRequest(): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

export const DEFAULT_REPLY = '- first finding\n- second finding';

export async function startOpenAIServer(options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  const script = [...(options.script ?? [])];
  const requests: ReceivedRequest[] = [];
  let waiters: ((r: ReceivedRequest) => void)[] = [];
  let chat = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: ReceivedRequest['body'];
      try {
        body = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        body = undefined;
      }
      const received: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        rawBody,
        at: Date.now(),
      };
      requests.push(received);
      const w = waiters;
      waiters = [];
      for (const fn of w) fn(received);

      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'POST' || path !== '/v1/chat/completions') {
        return send(res, { status: 404, body: '404 page not found', contentType: 'text/plain' });
      }
      chat++;
      if (options.apiKey !== undefined) {
        const auth = req.headers.authorization;
        const given = auth?.startsWith('Bearer ') ? auth.slice(7) : (req.headers['api-key'] as string | undefined);
        if (given !== options.apiKey) {
          // OpenAI's real 401 quotes the start and end of the key it was given.
          const shown = given ? `${given.slice(0, 8)}${'*'.repeat(10)}${given.slice(-4)}` : '';
          return send(res, {
            status: 401,
            body: {
              error: {
                message: `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`,
                type: 'invalid_request_error',
                param: null,
                code: 'invalid_api_key',
              },
            },
          });
        }
      }
      const model = body?.model;
      if (options.models && (typeof model !== 'string' || !options.models.includes(model))) {
        return send(res, {
          status: 404,
          body: {
            error: {
              message: `The model \`${String(model)}\` does not exist or you do not have access to it.`,
              type: 'invalid_request_error',
              param: null,
              code: 'model_not_found',
            },
          },
        });
      }
      const next = script.length ? script.shift()! : options.reply ? options.reply(received) : DEFAULT_REPLY;
      const reply = typeof next === 'string' ? { content: next } : next;
      if (reply.hang) return; // the socket stays open until the client gives up or close()
      if (reply.trickleMs !== undefined) return send(res, reply);
      if (reply.body === undefined && (reply.status ?? 200) === 200) {
        return send(res, {
          ...reply,
          body: {
            id: `chatcmpl-${chat}`,
            object: 'chat.completion',
            created: 1_700_000_000,
            model: options.servedAs ?? String(model),
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: reply.content ?? '' },
                finish_reason: reply.finishReason ?? 'stop',
              },
            ],
            usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
          },
        });
      }
      return send(res, reply);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    chatCount: () => chat,
    nextRequest: () => new Promise((resolve) => waiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: http.ServerResponse, reply: ScriptedReply): void {
  if (reply.trickleMs !== undefined) {
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
    res.flushHeaders();
    // JSON may start with any amount of whitespace: the body is never complete.
    const timer = setInterval(() => res.write(' '), reply.trickleMs);
    res.on('close', () => clearInterval(timer));
    return;
  }
  const isText = typeof reply.body === 'string';
  const payload = reply.body === undefined ? '' : isText ? (reply.body as string) : JSON.stringify(reply.body);
  res.writeHead(reply.status ?? 200, {
    'content-type': reply.contentType ?? (isText ? 'text/plain; charset=utf-8' : 'application/json'),
    ...reply.headers,
  });
  res.end(payload);
}
