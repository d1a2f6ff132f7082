// The standalone report's own script (browser side). esbuild.mjs bundles it as
// dist/report-page.js and report.ts inlines it after the renderer bundles: it activates each
// renderer the way VS Code does and hands it every output through a minimal OutputItem.
// Without renderer messaging, thumbnails the output did not save show as placeholders.
import type { ActivationFunction, OutputItem, RendererApi, RendererContext } from 'vscode-notebook-renderer';
import { DATA_ELEMENT_ID, REGISTRY, type ReportData } from './contract';

type Registry = Record<string, { activate: ActivationFunction }>;

function setUpThemeSwitch(): void {
  const body = document.body;
  const control = document.querySelector<HTMLElement>('.theme-switch');
  // Shown in a VS Code webview ("Open Report"), the page takes the editor's own theme. VS Code
  // marks the body only once the document has loaded, which can be after this script ran.
  const inVsCode = () => {
    if (!body.hasAttribute('data-vscode-theme-kind')) return false;
    body.classList.remove('sl-theme-light', 'sl-theme-dark');
    control?.remove();
    return true;
  };
  if (inVsCode()) return;
  const observer = new MutationObserver(() => inVsCode() && observer.disconnect());
  observer.observe(body, { attributes: true, attributeFilter: ['data-vscode-theme-kind'] });
  const media = window.matchMedia('(prefers-color-scheme: dark)');
  let choice = 'auto';
  const apply = () => {
    if (body.hasAttribute('data-vscode-theme-kind')) return;
    const dark = choice === 'dark' || (choice === 'auto' && media.matches);
    body.classList.toggle('sl-theme-dark', dark);
    body.classList.toggle('sl-theme-light', !dark);
    for (const b of control?.querySelectorAll('button') ?? [])
      b.setAttribute('aria-pressed', String(b.dataset.theme === choice));
  };
  control?.addEventListener('click', (ev) => {
    const theme = (ev.target as HTMLElement).closest('button')?.dataset.theme;
    if (!theme) return;
    choice = theme;
    apply();
  });
  media.addEventListener('change', apply);
  apply();
}

function outputItem(id: string, mime: string, data: unknown): OutputItem {
  const text = JSON.stringify(data);
  return {
    id,
    mime,
    metadata: undefined,
    json: () => data,
    text: () => text,
    data: () => new TextEncoder().encode(text),
    blob: () => new Blob([text], { type: mime }),
  };
}

async function renderOutputs(): Promise<void> {
  const source = document.getElementById(DATA_ELEMENT_ID)?.textContent ?? '{"outputs":{}}';
  const report = JSON.parse(source) as ReportData;
  const registry = ((globalThis as unknown as Record<string, Registry | undefined>)[REGISTRY] ??= {});
  const apis = new Map<string, Promise<RendererApi | undefined>>();
  for (const el of document.querySelectorAll<HTMLElement>('[data-output]')) {
    const id = el.dataset.output ?? '';
    const output = report.outputs[id];
    const renderer = output && registry[output.renderer];
    if (!renderer) continue;
    let api = apis.get(output.renderer);
    if (!api) {
      const ctx: RendererContext<unknown> = {
        setState: () => undefined,
        getState: () => undefined,
        getRenderer: async () => undefined,
        workspace: { isTrusted: true },
      };
      api = Promise.resolve(renderer.activate(ctx));
      apis.set(output.renderer, api);
    }
    const slot = el.querySelector<HTMLElement>('.sl-render');
    try {
      const ready = await api;
      if (!ready || !slot) continue;
      await ready.renderOutputItem(outputItem(id, output.mime, output.data), slot, new AbortController().signal);
      // The markdown fallback stays for readers without scripts or when a renderer fails.
      el.querySelector('.sl-fallback')?.setAttribute('hidden', '');
    } catch (err) {
      console.error(`Symptom Lens report: output ${id} could not be drawn`, err);
      slot?.replaceChildren();
    }
  }
}

setUpThemeSwitch();
void renderOutputs().finally(() => {
  // A hook for tests and printing: every output has been drawn (or left as markdown).
  document.body.dataset.rendered = 'true';
});
