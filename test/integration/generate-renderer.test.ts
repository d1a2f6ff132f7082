// The generate renderer in headless Chromium, fed by a real generate cell's output (the real
// Kernel against the local LLM server): descriptors per class, LLM text shown as text only, and
// "Insert as descriptors cell" posting the YAML through renderer messaging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import type { GenerateResult } from '../../src/protocol/results';
import { MIME } from '../../src/protocol/mime';
import { chromiumSkipReason } from '../helpers/chromium';
import { openRendererPage } from '../helpers/rendererPage';
import { startOpenAIServer } from '../helpers/openaiServer';

const ROOT = path.resolve(__dirname, '../..');
const RESULTS = path.join(ROOT, 'test-results');
const HOSTILE = '<img src=x onerror=alert(1)>';

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
    const { page, problems, render, posted } = await openRendererPage(t, 'generate', MIME.generate);
    await render(data);

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
    assert.deepEqual(await posted(), [{ type: 'insertDescriptorsCell', yaml: data.yaml, name: 'llm' }]);
    await fs.mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, 'generate-renderer.png'), fullPage: true });

    // Without renderer messaging (the offline report) there is no button to press.
    await render(data, { messaging: false });
    assert.equal(await page.locator('[data-testid="insert-descriptors"]').count(), 0);

    assert.deepEqual(problems.dialogs, []);
    assert.deepEqual(problems.errors, []);
    assert.deepEqual(problems.requests, []);
  },
);
