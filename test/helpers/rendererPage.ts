// One renderer bundle (built from src/renderers/NAME.ts) on a page in headless Chromium, with
// `window.render(data)` feeding it one output item and `window.posted` collecting what it sends
// through renderer messaging. For the renderer tests of search, fewshot, ask, explain and generate.
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { Page } from 'playwright-core';
import { launchChromium, serveFiles, watchPage, type PageProblems } from './chromium';

const ROOT = path.resolve(__dirname, '../..');

const page = (mime: string, script: string) =>
  `<!doctype html><html><head><link rel="icon" href="data:,"></head><body><div id="out"></div><script type="module">
import { activate } from '/renderer.js';
window.posted = [];
const listeners = [];
// With an answering host (window.hostAnswer, exposed by the test), its replies come back as the extension's would.
const post = (m) => {
  window.posted.push(m);
  window.hostAnswer?.(m).then((reply) => reply && listeners.forEach((l) => l(reply)));
};
const api = activate({ postMessage: post, onDidReceiveMessage: (l) => (listeners.push(l), { dispose() {} }) });
let bare;
window.render = async (data, messaging) => {
  const renderer = messaging ? api : (bare ??= activate({}));
  await renderer.renderOutputItem({ id: 'o1', mime: ${JSON.stringify(mime)}, metadata: {},
    json: () => data, text: () => JSON.stringify(data), data: () => new Uint8Array(), blob: () => new Blob() },
    document.getElementById('out'), new AbortController().signal);
};
${script}
window.ready = true;
</script></body></html>`;

export interface RendererPage {
  page: Page;
  problems: PageProblems;
  /** Render one output item; `messaging: false` renders it where the host offers no messaging. */
  render(data: unknown, options?: { messaging?: boolean }): Promise<void>;
  /** Messages the renderer posted to the extension. */
  posted(): Promise<unknown[]>;
}

export async function openRendererPage(
  t: { after: (fn: () => Promise<void>) => void },
  renderer: string,
  mime: string,
  /** More page script, for helpers a test calls through page.evaluate. */
  script = '',
  /** Plays the extension host: its answer to each posted message (undefined: none) is sent back to the renderer. */
  answer?: (message: unknown) => Promise<unknown>,
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
    '/': { body: page(mime, script), type: 'text/html' },
    '/renderer.js': { body: Buffer.from(bundle.outputFiles[0].contents), type: 'text/javascript' },
  });
  t.after(() => files.close());
  const browser = await launchChromium();
  t.after(() => browser.close());
  const p = await browser.newPage();
  const problems = watchPage(p, [files.url]);
  if (answer) await p.exposeFunction('hostAnswer', answer);
  await p.goto(`${files.url}/`);
  await p.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
  return {
    page: p,
    problems,
    render: (data, options) =>
      p.evaluate(
        async ([d, m]) => (window as unknown as { render: (d: unknown, m: boolean) => Promise<void> }).render(d, m),
        [data, options?.messaging ?? true] as const,
      ),
    posted: () => p.evaluate(() => (window as unknown as { posted: unknown[] }).posted),
  };
}
