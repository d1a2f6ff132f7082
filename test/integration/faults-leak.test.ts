// Fault suite, classes "leak" and terminal injection: a server that echoes the key (as written,
// base64, hex, URL-encoded, spaced out) in the reply text and the model field; a cell that quotes
// the key; a hub token in the same forms; file, class and cell names with terminal control codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { redact } from '../../src/common/secrets';
import { escapeControl } from '../../src/common/terminal';
import { serializeNotebook } from '../../src/kernel/nbformat';
import { runCli } from '../helpers/cli';
import { startOpenAIServer } from '../helpers/openaiServer';

const KEY = 'sk-proj-ECHOCHECK-2b4d6f8a1c3e7f3a9c2e5b1d4f8a6c0e';
const HUB_TOKEN = 'hf_QwErTyUiOpAsDfGhJkLzXcVbNm1234567890';

/** Every form of a secret a hostile server or a careless cell might write. */
function forms(secret: string): Record<string, string> {
  return {
    plain: secret,
    base64: Buffer.from(secret).toString('base64'),
    'base64 in a Basic header': Buffer.from(`user:${secret}`).toString('base64'),
    base64url: Buffer.from(secret).toString('base64url'),
    hex: Buffer.from(secret).toString('hex'),
    HEX: Buffer.from(secret).toString('hex').toUpperCase(),
    spaced: [...secret].join(' '),
    dotted: [...secret].join('.'),
    'url-encoded': encodeURIComponent(`Bearer ${secret}`),
  };
}

/** The forms of `secret` (and 8-character windows of it) found in `text`. */
function found(text: string, secret: string): string[] {
  const hits = Object.entries(forms(secret))
    .filter(([, form]) => text.includes(form))
    .map(([name]) => name);
  for (let i = 0; i + 8 <= secret.length; i++)
    if (text.includes(secret.slice(i, i + 8))) hits.push(secret.slice(i, i + 8));
  return hits;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

const notebook = (cells: string[]) =>
  serializeNotebook({
    metadata: {},
    nbformatMinor: 5,
    cells: cells.map((source) => ({ kind: 'code' as const, source, language: 'yaml', metadata: {}, outputs: [] })),
  });

test('redact masks every form of a key and of a hub token', () => {
  let tried = 0;
  for (const secret of [KEY, HUB_TOKEN]) {
    for (const [name, form] of Object.entries(forms(secret))) {
      const text = `the server said: ${form} (end)`;
      assert.deepEqual(found(redact(text, [secret]), secret), [], `${name} form survives`);
      tried++;
    }
  }
  assert.equal(tried, 18);
  const ordinary = 'patchy consolidation, air bronchograms 1234 and a base64-looking word YWJjZGVm';
  assert.equal(redact(ordinary, [KEY, HUB_TOKEN]), ordinary, 'ordinary text is left alone');
});

test('a server echoing the key in the reply and the model field, in every form: nothing reaches results, report, cache or console', async (t) => {
  const echoes = Object.values(forms(KEY));
  const server = await startOpenAIServer({
    apiKey: KEY,
    servedAs: `gpt-echo-${KEY}`,
    reply: () => echoes.map((e) => `- blunted angle ${e}`).join('\n'),
  });
  t.after(() => server.close());
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-echo-'));
  const nb = path.join(dir, 'echo.lensnb');
  await fs.writeFile(
    nb,
    notebook([
      `generate: g\nclasses: [effusion]\nmodality: chest X-ray\nllm: {model: m}\nendpoint: ${server.baseUrl}\ncache: llm-cache\n`,
      // Refused (api_key is no option), but its YAML goes into the report: redacted there.
      `generate: leaky\nclasses: [effusion]\nllm: {model: m, api_key: ${KEY}}\nendpoint: ${server.baseUrl}\n`,
    ]),
  );
  const out = path.join(dir, 'out');
  const { stdout, stderr } = await runCli(['run', nb, '--out', out], { ...process.env, OPENAI_API_KEY: KEY });
  assert.equal(server.chatCount(), 1, 'the first cell asked the server');
  assert.deepEqual(found(stdout + stderr, KEY), [], 'console');
  const files = [...(await filesUnder(out)), ...(await filesUnder(path.join(dir, 'llm-cache')))];
  assert.ok(files.some((f) => f.endsWith('results.json')) && files.some((f) => f.endsWith('report.html')));
  assert.ok(
    files.some((f) => f.includes(`${path.sep}llm${path.sep}`)),
    'the completion was cached',
  );
  for (const f of files) assert.deepEqual(found(await fs.readFile(f, 'utf8'), KEY), [], f);
  const report = await fs.readFile(path.join(out, 'report.html'), 'utf8');
  assert.match(report, /api_key: \[redacted\]/, 'the refused cell is in the report, key masked');
});

test('file, class and cell names with control characters reach the terminal escaped', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-term-'));
  const title = '\u001b]0;pwned\u0007';
  const clear = '\u001b[2J\u001b[H';
  const name = `x${title}${clear}.png`;
  await sharp({ create: { width: 8, height: 8, channels: 3, background: '#404040' } })
    .png()
    .toFile(path.join(dir, 'ok.png'));
  await fs.writeFile(path.join(dir, 'labels.csv'), `path,label\nok.png,normal\n"${name}",normal\n`);
  const nb = path.join(dir, 'term.lensnb');
  await fs.writeFile(
    nb,
    notebook([
      `images: "set${clear}"\nfrom: labels.csv\n`,
      `descriptors: "d${title}"\nclasses: {"cls${clear}": [x]}\nbogus: 1\n`,
    ]),
  );
  const { stdout, stderr } = await runCli(['run', nb, '--out', path.join(dir, 'out')]);
  const console = stdout + stderr;
  assert.doesNotMatch(
    console,
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/,
    'a raw control character reached the terminal',
  );
  assert.ok(console.includes(escapeControl(clear)), 'the names are shown, escaped');
  assert.equal(escapeControl(`a${title}b\r\n`), 'a\\e]0;pwned\\x07b\\r\\n');
});
