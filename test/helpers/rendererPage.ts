// One renderer bundle (built from src/renderers/NAME.ts) on a page in headless Chromium, with
// `window.render(data)` feeding it one output item and `window.posted` collecting what it sends
// through renderer messaging. For the renderer tests of search, fewshot and ask.
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { Page } from 'playwright-core';
import { launchChromium, serveFiles, watchPage, type PageProblems } from './chromium';

const ROOT = path.resolve(__dirname, '../..');

const page = (
  mime: string,
) => `<!doctype html><html><head><link rel="icon" href="data:,"></head><body><div id="out"></div><script type="module">
import { activate } from '/renderer.js';
window.posted = [];
const api = activate({ postMessage: (m) => window.posted.push(m), onDidReceiveMessage: () => ({ dispose() {} }) });
window.render = async (data) => {
  await api.renderOutputItem({ id: 'o1', mime: ${JSON.stringify(mime)}, metadata: {},
    json: () => data, text: () => JSON.stringify(data), data: () => new Uint8Array(), blob: () => new Blob() },
    document.getElementById('out'), new AbortController().signal);
};
window.ready = true;
</script></body></html>`;

export interface RendererPage {
  page: Page;
  problems: PageProblems;
  render(data: unknown): Promise<void>;
  /** Messages the renderer posted to the extension. */
  posted(): Promise<unknown[]>;
}

export async function openRendererPage(
  t: { after: (fn: () => Promise<void>) => void },
  renderer: string,
  mime: string,
): Promise<RendererPage> {
  const bundle = await esbuild.build({
    entryPoints: [path.join(ROOT, 'src/renderers', `${renderer}.ts`)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
  });
  const files = await serveFiles({
    '/': { body: page(mime), type: 'text/html' },
    '/renderer.js': { body: Buffer.from(bundle.outputFiles[0].contents), type: 'text/javascript' },
  });
  t.after(() => files.close());
  const browser = await launchChromium();
  t.after(() => browser.close());
  const p = await browser.newPage();
  const problems = watchPage(p, [files.url]);
  await p.goto(`${files.url}/`);
  await p.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
  return {
    page: p,
    problems,
    render: (data) =>
      p.evaluate(async (d) => (window as unknown as { render: (d: unknown) => Promise<void> }).render(d), data),
    posted: () => p.evaluate(() => (window as unknown as { posted: unknown[] }).posted),
  };
}
