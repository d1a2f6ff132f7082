// Every way an LLM call fails, through the real Kernel and `openai` client against a local
// server: each ends in a message that says what to do, placed at the right field, or recovers
// (429 with retry-after, 500), or stops at once (timeout, interrupt).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChatClient } from '../../src/llm/client';
import { parseEndpoint } from '../../src/llm/endpoint';
import type { GenerateResult } from '../../src/protocol/results';
import { startOpenAIServer, type ScriptedReply } from '../helpers/openaiServer';
import { newLlmKernel } from '../helpers/llmKernel';

const cell = (endpoint: string, classes = '[effusion]') =>
  `generate: llm\nclasses: ${classes}\nmodality: chest X-ray\nllm: {model: test-model}\nendpoint: ${endpoint}\n`;

async function withServer(script: (ScriptedReply | string)[], extra: Parameters<typeof startOpenAIServer>[0] = {}) {
  return startOpenAIServer({ script, ...extra });
}

test('401: the key was refused; the message says how to set one', async (t) => {
  const server = await withServer([], { apiKey: 'sk-right-key-000000' });
  t.after(() => server.close());
  const { kernel } = await newLlmKernel({ key: 'sk-wrong-key-111111' });
  const out = await kernel.runCell('g', cell(server.baseUrl));
  assert.equal(out.ok, false);
  assert.match(out.error!, /refused the API key \(401 unauthorized\)/);
  assert.match(out.error!, /Symptom Lens: Set API Key/);
  assert.match(out.error!, /OPENAI_API_KEY/);
  assert.equal(server.chatCount(), 1, '401 is not retried');
});

test('401 from a local server that wants a key when none is set', async (t) => {
  const server = await withServer([], { apiKey: 'sk-needed-000000' });
  t.after(() => server.close());
  const { kernel } = await newLlmKernel();
  const out = await kernel.runCell('g', cell(server.baseUrl));
  assert.match(out.error!, /wants an API key \(401\) and none is set/);
});

test('no key for a remote endpoint: an error before any request', async () => {
  const { kernel } = await newLlmKernel();
  const out = await kernel.runCell('g', cell('https://api.openai.com/v1'));
  assert.equal(out.ok, false);
  assert.match(out.error!, /No API key is set for https:\/\/api\.openai\.com\/v1/);
  assert.match(out.error!, /"Symptom Lens: Set API Key".*OPENAI_API_KEY.*localhost\) need none/);
});

test('404 model: names the model and where to look', async (t) => {
  const server = await withServer([], { models: ['llama3.1'] });
  t.after(() => server.close());
  const { kernel } = await newLlmKernel();
  const out = await kernel.runCell('g', cell(server.baseUrl));
  assert.match(out.error!, /The model "test-model" does not exist at http:\/\/127\.0\.0\.1:\d+\/v1/);
  assert.match(out.error!, /ollama list/);
  assert.equal(out.errorField, 'llm.model');
  assert.equal(out.errorLine, 4);
});

test('404 model in vLLM\'s error shape (no "error" object) is still recognised', async (t) => {
  const server = await withServer([
    {
      status: 404,
      body: { object: 'error', message: 'The model `test-model` does not exist.', type: 'NotFoundError', code: 404 },
    },
  ]);
  t.after(() => server.close());
  const { kernel } = await newLlmKernel();
  const out = await kernel.runCell('g', cell(server.baseUrl));
  assert.match(out.error!, /The model "test-model" does not exist/);
});

test('wrong base URL: 404 on the path suggests /v1', async (t) => {
  const server = await withServer([]);
  t.after(() => server.close());
  const { kernel } = await newLlmKernel();
  const base = server.baseUrl.replace(/\/v1$/, '');
  const out = await kernel.runCell('g', cell(base));
  assert.match(
    out.error!,
    /has no chat-completions API \(404 on http:\/\/127\.0\.0\.1:\d+\/chat\/completions: 404 page not found\)/,
  );
  assert.match(out.error!, new RegExp(`Did you mean ${base.replace(/[.]/g, '\\.')}/v1\\?`));
  assert.equal(out.errorField, 'endpoint');
});

test('a web page instead of an API: not an OpenAI-compatible server', async (t) => {
  const server = await withServer([
    { status: 200, body: '<html><body><h1>Welcome to nginx!</h1></body></html>', contentType: 'text/html' },
  ]);
  t.after(() => server.close());
  const { kernel } = await newLlmKernel();
  const out = await kernel.runCell('g', cell(server.baseUrl));
  assert.match(out.error!, /answered, but not like an OpenAI-compatible chat server \(it sent "Welcome to nginx!"\)/);
  assert.equal(out.errorField, 'endpoint');
});

test('connection refused: says to start the server', async () => {
  const port = await freePort();
  const { kernel } = await newLlmKernel();
  const out = await kernel.runCell('g', cell(`http://127.0.0.1:${port}/v1`));
  assert.match(out.error!, /Nothing is listening at http:\/\/127\.0\.0\.1:\d+\/v1 \(connection refused\)/);
  assert.match(out.error!, /ollama serve/);
  assert.equal(out.errorField, 'endpoint');
});

test('429 with retry-after: waits as told, then succeeds', async (t) => {
  const server = await withServer([
    {
      status: 429,
      headers: { 'retry-after': '1' },
      body: { error: { message: 'Rate limit reached for test-model', type: 'requests', code: 'rate_limit_exceeded' } },
    },
    '- blunted costophrenic angle',
  ]);
  t.after(() => server.close());
  const { kernel, logs } = await newLlmKernel();
  const out = await kernel.runCell('g', cell(server.baseUrl));
  assert.ok(out.ok, out.error);
  assert.equal(server.chatCount(), 2);
  const waited = server.requests[1].at - server.requests[0].at;
  assert.ok(waited >= 950, `retry-after: 1 honoured (waited ${waited} ms)`);
  assert.ok(
    logs.some((l) => /rate limited \(429\); retry 1 of 4 in 1\.0 s/.test(l)),
    logs.join('\n'),
  );
  assert.deepEqual((out.result as GenerateResult).classes.effusion, ['blunted costophrenic angle']);
  assert.equal((out.result as GenerateResult).requests.sent, 1, 'a retry is one completion');
});

test('429 asking for a very long wait fails with the wait named', async (t) => {
  const server = await withServer([
    { status: 429, headers: { 'retry-after': '3600' }, body: { error: { message: 'quota exceeded' } } },
  ]);
  t.after(() => server.close());
  const { kernel } = await newLlmKernel();
  const out = await kernel.runCell('g', cell(server.baseUrl));
  assert.match(out.error!, /rate limiting this key \(429\) and asks to wait 3600 s: quota exceeded/);
  assert.equal(server.chatCount(), 1);
});

test('500 then success: retried with backoff', async (t) => {
  const server = await withServer([{ status: 500, body: { error: { message: 'internal error' } } }, '- round opacity']);
  t.after(() => server.close());
  const { kernel, logs } = await newLlmKernel();
  const out = await kernel.runCell('g', cell(server.baseUrl, '[nodule]'));
  assert.ok(out.ok, out.error);
  assert.equal(server.chatCount(), 2);
  assert.ok(logs.some((l) => /server error 500; retry 1 of 4/.test(l)));
});

test('5xx until the retries run out: a final message (client, short backoff)', async (t) => {
  const server = await withServer(
    Array.from({ length: 3 }, () => ({ status: 503, body: { error: { message: 'overloaded' } } })),
  );
  t.after(() => server.close());
  const client = new ChatClient({
    endpoint: parseEndpoint(server.baseUrl),
    model: 'm',
    apiKey: undefined,
    timeoutMs: 5000,
    retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 20, maxRetryAfterMs: 1000 },
  });
  await assert.rejects(
    client.complete([{ role: 'user', content: 'q' }], { temperature: 0 }, new AbortController().signal),
    /kept failing with server error 503 after 2 retries: overloaded/,
  );
  assert.equal(server.chatCount(), 3);
});

test('a hang times out (short timeout setting), without retrying', async (t) => {
  const server = await withServer([{ hang: true }]);
  t.after(() => server.close());
  const { kernel } = await newLlmKernel({ timeoutMs: 300 });
  const out = await kernel.runCell('g', cell(server.baseUrl));
  assert.equal(out.ok, false);
  assert.match(out.error!, /did not answer within 300 ms/);
  assert.match(out.error!, /symptomLens\.llm\.timeoutSeconds/);
  assert.equal(server.chatCount(), 1);
});

test('interrupt mid-request: cancelled, at once', async (t) => {
  const server = await withServer([{ hang: true }]);
  t.after(() => server.close());
  const { kernel } = await newLlmKernel({ timeoutMs: 60_000 });
  const controller = new AbortController();
  const arrived = server.nextRequest();
  const running = kernel.runCell('g', cell(server.baseUrl), { signal: controller.signal });
  await arrived;
  controller.abort();
  const out = await running;
  assert.equal(out.ok, false);
  assert.equal(out.cancelled, true);
  assert.ok(out.durationMs < 10_000, 'did not wait for the 60 s timeout');
  assert.equal(kernel.session.descriptorSets.has('llm'), false);
});

test('interrupt during a retry wait stops the wait', async (t) => {
  const server = await withServer([
    { status: 429, headers: { 'retry-after': '60' }, body: { error: { message: 'slow down' } } },
  ]);
  t.after(() => server.close());
  const { kernel } = await newLlmKernel();
  const controller = new AbortController();
  const arrived = server.nextRequest();
  const running = kernel.runCell('g', cell(server.baseUrl), { signal: controller.signal });
  await arrived;
  setTimeout(() => controller.abort(), 50);
  const out = await running;
  assert.equal(out.cancelled, true);
  assert.ok(out.durationMs < 10_000);
});

test('an empty reply is an error naming the class', async (t) => {
  const server = await withServer(['- clear lung fields', '']);
  t.after(() => server.close());
  const { kernel } = await newLlmKernel();
  const out = await kernel.runCell('g', cell(server.baseUrl, '[normal, effusion]'));
  assert.equal(out.ok, false);
  assert.match(out.error!, /No descriptors for the class "effusion": test-model returned an empty reply/);
  assert.match(out.error!, /refresh: true/);
  assert.equal(out.errorField, 'classes.1');
});

test('a garbled reply is an error naming the class and quoting the reply', async (t) => {
  const server = await withServer(['}{][ 0x00 ## ...\n%%%%', '- clear lung fields']);
  t.after(() => server.close());
  const { kernel } = await newLlmKernel();
  const out = await kernel.runCell(
    'g',
    `generate: llm\nclasses:\n  ptx: pneumothorax\n  normal: normal\nmodality: chest X-ray\nllm: {model: test-model}\nendpoint: ${server.baseUrl}\n`,
  );
  assert.match(
    out.error!,
    /No descriptors for the class "ptx": test-model's reply has no usable descriptor \(it said: "\}\{ 0x00 \.\.\. %%%%"\)/,
  );
  assert.equal(out.errorField, 'classes.ptx');
  assert.equal(out.errorLine, 3);
});

test('a reply cut off at max_tokens says to raise it', async (t) => {
  const server = await withServer([{ content: '<think>Let me think about this at length', finishReason: 'length' }]);
  t.after(() => server.close());
  const { kernel } = await newLlmKernel();
  const out = await kernel.runCell('g', cell(server.baseUrl));
  assert.match(out.error!, /cut off at max_tokens \(500\): raise llm\.max_tokens/);
});

test('keys travel as Bearer, as api-key for Azure (with api-version), and not at all for a keyless local server', async (t) => {
  const server = await withServer(['- a finding', '- a finding', '- a finding']);
  t.after(() => server.close());
  const ask = (endpoint: ReturnType<typeof parseEndpoint>, apiKey: string | undefined) =>
    new ChatClient({ endpoint, model: 'gpt-4o', apiKey, timeoutMs: 5000 }).complete(
      [{ role: 'user', content: 'q' }],
      { temperature: 0 },
      new AbortController().signal,
    );

  await ask(parseEndpoint(server.baseUrl), 'sk-bearer-0001');
  assert.equal(server.requests[0].headers.authorization, 'Bearer sk-bearer-0001');

  await ask(parseEndpoint(server.baseUrl), undefined);
  assert.equal(server.requests[1].headers.authorization, undefined);

  // Azure's host cannot be reached here: the same URL shape, pointed at the local server.
  const azure = { ...parseEndpoint(`${server.baseUrl}?api-version=2024-10-21`), azure: true };
  await ask(azure, 'azure-key-0002');
  const req = server.requests[2];
  assert.equal(req.headers['api-key'], 'azure-key-0002');
  assert.equal(req.headers.authorization, undefined);
  assert.equal(req.url, '/v1/chat/completions?api-version=2024-10-21');
  assert.equal(
    parseEndpoint('https://res.openai.azure.com/openai/deployments/gpt4o?api-version=2024-10-21').azure,
    true,
  );
});

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
