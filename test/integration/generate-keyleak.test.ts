// The API key never leaves the request header: a recognisable fake key in OPENAI_API_KEY, runs
// that succeed and runs that fail in every way (servers that quote the key back included), and
// then no output, error message, cache file, log line, results.json or report.html holds the
// key or any 8-character piece of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { serializeNotebook } from '../../src/kernel/nbformat';
import { runCli } from '../helpers/cli';
import { startOpenAIServer, type ScriptedReply } from '../helpers/openaiServer';

const KEY = 'sk-proj-LEAKCHECK-7f3a9c2e5b1d4f8a6c0e2b4d6f8a1c3e';

/** Every 8-character window of the key: a partial echo ("sk-proj-LEAK****1c3e") is a leak too. */
function leaks(text: string): string[] {
  const found: string[] = [];
  for (let i = 0; i + 8 <= KEY.length; i++) {
    const piece = KEY.slice(i, i + 8);
    if (text.includes(piece)) found.push(piece);
  }
  return found;
}

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await allFiles(p)));
    else out.push(p);
  }
  return out;
}

async function assertNoLeakInFiles(dir: string): Promise<number> {
  const files = await allFiles(dir);
  for (const f of files) assert.deepEqual(leaks(await fs.readFile(f, 'utf8')), [], `key piece in ${f}`);
  return files.length;
}

const cell = (endpoint: string) =>
  `generate: g\nclasses: [effusion]\nmodality: chest X-ray\nllm: {model: test-model}\nendpoint: ${endpoint}\n`;

/** Failures whose bodies quote the key back, in part or whole. */
const ECHOING_FAILURES: ScriptedReply[] = [
  { status: 400, body: { error: { message: `Invalid header: Authorization: Bearer ${KEY}` } } },
  {
    status: 403,
    body: { error: { message: `Key ${KEY.slice(0, 12)}...${KEY.slice(-6)} has no access to this model` } },
  },
  { status: 404, body: `Cannot POST /chat/completions with key ${KEY}`, contentType: 'text/plain' },
  { status: 200, body: `<html><body>Signed in as ${KEY}</body></html>`, contentType: 'text/html' },
  { status: 418, body: { message: `teapot for ${KEY}` } },
];

test('the key from the environment is absent from every output, message, cache file and log line', async (t) => {
  const saved = process.env.OPENAI_API_KEY;
  process.env.OPENAI_API_KEY = KEY;
  t.after(() => {
    if (saved === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = saved;
  });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-keyleak-'));
  const logs: string[] = [];
  // No `secrets`: the kernel reads OPENAI_API_KEY, as the CLI does.
  const kernel = new Kernel({
    notebookPath: path.join(dir, 'nb.lensnb'),
    settings: { llmTimeoutMs: 2000 },
    log: (m) => logs.push(m),
  });
  const outcomes: unknown[] = [];

  // Success, with the key checked by the server, and a retry after a 500 that echoes it.
  const good = await startOpenAIServer({
    apiKey: KEY,
    script: [{ status: 500, body: { error: { message: `upstream failed for ${KEY}` } } }],
    reply: () => '- blunted costophrenic angle',
  });
  t.after(() => good.close());
  const ok = await kernel.runCell('ok', cell(good.baseUrl));
  assert.ok(ok.ok, ok.error);
  assert.equal(good.requests.at(-1)!.headers.authorization, `Bearer ${KEY}`, 'the key was really sent');
  outcomes.push(ok);

  // 401 from a server that wants another key: OpenAI's body quotes the start and end of ours.
  const other = await startOpenAIServer({ apiKey: 'sk-some-other-key-000000000000' });
  t.after(() => other.close());
  const refused = await kernel.runCell('401', cell(other.baseUrl));
  assert.match(refused.error!, /refused the API key/);
  assert.match(String(other.requests[0].headers.authorization), /LEAKCHECK/, 'the server did see the key');
  outcomes.push(refused);

  for (const failure of ECHOING_FAILURES) {
    const server = await startOpenAIServer({ script: [failure] });
    t.after(() => server.close());
    const out = await kernel.runCell(`fail-${failure.status}`, cell(server.baseUrl));
    assert.equal(out.ok, false, `status ${failure.status} fails`);
    outcomes.push(out);
  }

  const hang = await startOpenAIServer({ script: [{ hang: true }] });
  t.after(() => hang.close());
  outcomes.push(await kernel.runCell('timeout', cell(hang.baseUrl)));
  outcomes.push(await kernel.runCell('refused', cell('http://127.0.0.1:1/v1')));

  for (const o of outcomes) assert.deepEqual(leaks(JSON.stringify(o)), [], JSON.stringify(o));
  assert.ok(logs.length > 0, 'the runs logged something');
  for (const line of logs) assert.deepEqual(leaks(line), [], line);
  const cacheFiles = await assertNoLeakInFiles(path.join(dir, '.symptom-lens'));
  assert.equal(cacheFiles, 1, 'the one successful completion was cached');
});

test('the CLI with OPENAI_API_KEY set: no key in results.json, report.html, stdout or stderr', async (t) => {
  const server = await startOpenAIServer({ apiKey: KEY, reply: () => '- blunted costophrenic angle' });
  t.after(() => server.close());
  const wrong = await startOpenAIServer({ apiKey: 'sk-another-key-00000000000000' });
  t.after(() => wrong.close());
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-keyleak-cli-'));
  const notebook = (endpoint: string) =>
    serializeNotebook({
      metadata: {},
      nbformatMinor: 5,
      cells: [
        { kind: 'markdown', source: '# key check', language: 'markdown', metadata: {}, outputs: [] },
        { kind: 'code', source: cell(endpoint), language: 'yaml', metadata: {}, outputs: [] },
      ],
    });
  for (const [name, endpoint, shouldPass] of [
    ['good', server.baseUrl, true],
    ['refused', wrong.baseUrl, false],
  ] as const) {
    const nb = path.join(dir, `${name}.lensnb`);
    await fs.writeFile(nb, notebook(endpoint));
    const out = path.join(dir, `out-${name}`);
    const { code, stdout, stderr } = await runCli(['run', nb, '--out', out], { ...process.env, OPENAI_API_KEY: KEY });
    assert.equal(code === 0, shouldPass, `${name}: exit ${code}\n${stderr}`);
    assert.deepEqual(leaks(stdout + stderr), [], `${name}: console`);
    const written = await assertNoLeakInFiles(out);
    assert.ok(written >= 2, `${name}: results.json and report.html written`);
    const results = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8'));
    if (!shouldPass) assert.match(results.cells[0].error, /refused the API key/);
  }
  await assertNoLeakInFiles(path.join(dir, '.symptom-lens'));
});
