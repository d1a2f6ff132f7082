// The generate renderer in headless Chromium, fed by a real generate cell's output (the real
// Kernel against the local LLM server): descriptors per class, LLM text shown as text only, and
// "Insert as descriptors cell" posting the YAML through renderer messaging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { Kernel } from '../../src/kernel/kernel';
import type { GenerateResult } from '../../src/protocol/results';
import { chromiumSkipReason, launchChromium, serveFiles, watchPage } from '../helpers/chromium';
import { startOpenAIServer } from '../helpers/openaiServer';

const ROOT = path.resolve(__dirname, '../..');
const RESULTS = path.join(ROOT, 'test-results');
const HOSTILE = '<img src=x onerror=alert(1)>';

const PAGE = `<!doctype html><html><body><div id="out"></div><script type="module">
import { activate } from '/generate.js';
window.messages = [];
window.render = async (data, withMessaging) => {
  const ctx = withMessaging ? { postMessage: (m) => window.messages.push(m), onDidReceiveMessage: () => ({ dispose() {} }) } : {};
  const api = activate(ctx);
  const el = document.getElementById('out');
  await api.renderOutputItem({ id: 'o1', mime: 'application/vnd.symptom-lens.generate+json', metadata: {},
    json: () => data, text: () => JSON.stringify(data), data: () => new Uint8Array(), blob: () => new Blob() }, el, new AbortController().signal);
};
window.ready = true;
</script></body></html>`;

async function generated(): Promise<GenerateResult> {
  const server = await startOpenAIServer({
    reply: (req) =>
      /nodule/.test(req.body?.messages?.[0].content ?? '')
        ? `- round opacity\n- ${HOSTILE}`
        : '1. clear lung fields\n2. normal heart size',
  });
  try {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-genrender-'));
    const kernel = new Kernel({
      notebookPath: path.join(dir, 'nb.lensnb'),
      secrets: { getApiKey: async () => undefined },
    });
    const out = await kernel.runCell(
      'g',
      `generate: llm\nclasses: [normal, nodule]\nmodality: chest X-ray\nllm: {model: demo-model}\nendpoint: ${server.baseUrl}\n`,
    );
    assert.ok(out.ok, out.error);
    return out.outputs[0].data as GenerateResult;
  } finally {
    await server.close();
  }
}

test(
  'generate renderer: descriptors per class, text-only LLM output, insert action',
  { skip: chromiumSkipReason() },
  async (t) => {
    const data = await generated();
    assert.ok(data.classes.nodule.includes(HOSTILE), 'the hostile line reached the output as a descriptor');
    const bundle = await esbuild.build({
      entryPoints: [path.join(ROOT, 'src/renderers/generate.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
    });
    const files = await serveFiles({
      '/': { body: PAGE, type: 'text/html' },
      '/generate.js': { body: Buffer.from(bundle.outputFiles[0].contents), type: 'text/javascript' },
      '/favicon.ico': { body: '', type: 'image/x-icon' },
    });
    t.after(() => files.close());
    const browser = await launchChromium();
    t.after(() => browser.close());
    const page = await browser.newPage();
    const problems = watchPage(page, [files.url]);
    await page.goto(`${files.url}/`);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    await page.evaluate(
      async (d) => (window as unknown as { render: (d: unknown, m: boolean) => Promise<void> }).render(d, true),
      data,
    );

    const classes = page.locator('[data-testid="generate-class"]');
    assert.equal(await classes.count(), 2);
    assert.deepEqual(await classes.nth(0).locator('li').allTextContents(), ['clear lung fields', 'normal heart size']);
    assert.deepEqual(await classes.nth(1).locator('li').allTextContents(), ['round opacity', HOSTILE]);
    assert.match(
      (await page.locator('[data-testid="generate-summary"]').textContent()) ?? '',
      /4 descriptors for 2 classes from demo-model .* prompt medical .* 2 completions, 0 from the cache/,
    );
    assert.equal(await page.locator('.symptom-lens-output img').count(), 0, 'no element made from LLM text');
    assert.equal(await page.locator('[data-testid="generate-yaml"]').textContent(), data.yaml);

    await page.locator('[data-testid="insert-descriptors"]').click();
    const messages = await page.evaluate(() => (window as unknown as { messages: unknown[] }).messages);
    assert.deepEqual(messages, [{ type: 'insertDescriptorsCell', yaml: data.yaml, name: 'llm' }]);
    await fs.mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, 'generate-renderer.png'), fullPage: true });

    // Without renderer messaging (the offline report) there is no button to press.
    await page.evaluate(
      async (d) => (window as unknown as { render: (d: unknown, m: boolean) => Promise<void> }).render(d, false),
      data,
    );
    assert.equal(await page.locator('[data-testid="insert-descriptors"]').count(), 0);

    assert.deepEqual(problems.dialogs, []);
    assert.deepEqual(problems.errors, []);
    assert.deepEqual(problems.requests, []);
  },
);
