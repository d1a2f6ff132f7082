// UI tests of the packaged extension: the VSIX installed into code-server, notebooks opened and
// run through the workbench as a user does, outputs read from the notebook's output webview.
// Screenshots go to test-results/.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame, Locator, Page } from 'playwright-core';
import {
  installVsix,
  lap,
  launchChromium,
  openQuickInput,
  RESULTS_DIR,
  ROOT,
  runCommand,
  startCodeServer,
  waitUntil,
} from './harness';
import { MIME } from '../../src/protocol/mime';
import type { SuiteResult } from './api';

const RUN_TIMEOUT_MS = 5 * 60_000;

interface CellView {
  index: number;
  code: boolean;
  state: 'success' | 'error' | 'running' | 'pending' | 'none';
  /** The execution order VS Code shows beside the cell, digits only ("" when it has not run). */
  order: string;
  text: string;
  /** The cell's status bar (execution time, "stale: re-run", …). */
  status: string;
}

/**
 * The focused cell row of the visible notebook editor as the page shows it (null while that row
 * is not rendered yet). Runs in the page, so it is text.
 */
const FOCUSED_ROW = `(() => {
  const editors = [...document.querySelectorAll('.notebook-editor')].filter((e) => e.getBoundingClientRect().height > 0);
  const row = editors[0] && editors[0].querySelector('.cell-list-container .monaco-list-row.focused');
  if (!row) return null;
  const has = (c) => !!row.querySelector('.codicon-' + c);
  const order = row.querySelector('.execution-count-label');
  return {
    index: Number(row.dataset.index),
    code: row.classList.contains('code-cell-row'),
    last: row.dataset.lastElement === 'true',
    state: has('notebook-state-success') ? 'success' : has('notebook-state-error') ? 'error'
      : has('notebook-state-executing') ? 'running' : has('notebook-state-pending') ? 'pending' : 'none',
    order: order ? order.textContent.replace(/[^0-9]/g, '') : '',
    text: [...row.querySelectorAll('.view-line')].map((l) => l.textContent.replace(/\\u00a0/g, ' ')).join('\\n'),
    status: [...row.querySelectorAll('.cell-statusbar-container')].map((b) => b.textContent).join(' '),
  };
})()`;

async function notebookList(page: Page): Promise<Locator> {
  const list = page.locator('.notebook-editor .cell-list-container').filter({ visible: true }).first();
  await list.waitFor({ timeout: 30_000 });
  return list;
}

/**
 * Visit the cells from the first down, as the keyboard moves through them: the notebook renders
 * only the rows near the viewport, and moving the focus reveals each row in turn. Stops early
 * when `visit` returns true; returns every cell visited.
 *
 * Below a tall output (a webview laid over the list) the focused row can end up outside the
 * rendered range: the list estimated the output's height before the webview reported it. Then the
 * workbench's own "Center Active Cell" (revealInCenter of the focused cell) brings it back; the
 * list computes where the row is, which scrolling by hand could only guess.
 */
async function walkCells(page: Page, visit: (cell: CellView) => boolean = () => false): Promise<CellView[]> {
  const list = await notebookList(page);
  await runCommand(page, 'Notebook: Focus First Cell');
  await focusCellList(list);
  const cells: CellView[] = [];
  for (let index = 0; ; index++) {
    let lastTry = Date.now();
    let reached: number | undefined;
    const row = await waitUntil(
      `cell ${index + 1} to be revealed`,
      async () => {
        const r = (await page.evaluate(FOCUSED_ROW)) as (CellView & { last: boolean }) | null;
        // A code cell's editor lines appear a moment after its row (or later, under load).
        if (r && r.index === index) {
          reached ??= Date.now();
          if (!r.code || r.text !== '' || Date.now() - reached > 3000) return r;
          return undefined;
        }
        if (Date.now() - lastTry > 1500) {
          if (!r) {
            console.log(`  cell ${index + 1} is focused but not drawn: Notebook: Center Active Cell`);
            await runCommand(page, 'Notebook: Center Active Cell');
            await focusCellList(list);
          } else {
            // A key press that arrived while the list was busy re-rendering is lost: press again.
            await page.keyboard.press(r.index < index ? 'ArrowDown' : 'ArrowUp');
          }
          lastTry = Date.now();
        }
        return undefined;
      },
      20_000,
      50,
    );
    const { last: _last, ...cell } = row;
    cells.push(cell);
    if (visit(cell) || row.last) return cells;
    await page.keyboard.press('ArrowDown');
  }
}

/** Keyboard focus on the list's focused row (not an output or the markdown preview in the webview). */
async function focusCellList(list: Locator): Promise<void> {
  await list
    .locator('.monaco-list-row.focused .cell-focus-indicator-left')
    .first()
    .click({ timeout: 2000 })
    .catch(() => undefined);
}

/** Every cell's mark and execution order. */
function scanCells(page: Page): Promise<CellView[]> {
  return walkCells(page);
}

/** Reveal the cell whose editor text contains `text`. */
async function scrollToCell(page: Page, text: string, index?: number): Promise<void> {
  // A code cell's editor lines may not be drawn yet when its row is focused (under load): the
  // cell's index, when known, stops the walk there all the same.
  const cells = await walkCells(page, (c) => c.index === index || c.text.includes(text));
  const last = cells[cells.length - 1];
  if (last.index !== index && !last.text.includes(text)) throw new Error(`no cell shows "${text}"`);
}

interface SavedNotebook {
  cells: { source: string[] | string; outputs?: { data: Record<string, unknown> }[] }[];
}

/**
 * The notebook file as VS Code last saved it, or undefined while a save is still writing it (VS
 * Code truncates the file, then writes it, so a read can land between the two).
 */
function readSavedNotebook(file: string): SavedNotebook | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SavedNotebook;
  } catch {
    return undefined;
  }
}

/** Index of the first cell of a saved notebook whose source starts with `prefix`. */
function cellIndexIn(nb: SavedNotebook, prefix: string): number {
  const index = nb.cells.findIndex((c) => (Array.isArray(c.source) ? c.source.join('') : c.source).startsWith(prefix));
  if (index < 0) throw new Error(`the saved notebook has no cell starting with "${prefix}"`);
  return index;
}

/**
 * Scroll the notebook until `target` is on screen. Outputs live in a webview laid over the
 * notebook list: it is the list that scrolls, and the webview follows a moment later. How far a
 * wheel step scrolls is learnt from the first steps.
 */
async function bringIntoView(page: Page, target: Locator): Promise<void> {
  const list = await notebookList(page);
  const area = (await list.boundingBox())!;
  await page.mouse.move(area.x + area.width / 2, area.y + area.height / 2);
  let gain = 1;
  for (let step = 0; step < 40; step++) {
    const box = await target.boundingBox();
    if (!box) throw new Error('the element to scroll to is not rendered');
    if (box.y >= area.y && box.y <= area.y + area.height - 80) return;
    const want = box.y - (area.y + area.height / 4);
    await page.mouse.wheel(0, Math.max(-50_000, Math.min(50_000, want * gain)));
    await page.waitForTimeout(400);
    const moved = box.y - ((await target.boundingBox())?.y ?? box.y);
    if (moved !== 0 && Math.sign(moved) === Math.sign(want)) gain = Math.max(0.2, Math.min(50, (gain * want) / moved));
  }
  throw new Error('could not scroll the element into view');
}

/** Open a file of the workspace as a notebook; retried while the extension host is still starting. */
async function openNotebook(page: Page, file: string, hostErrors: () => string): Promise<void> {
  // Save first: closing a notebook with unsaved outputs would stop at a "save changes?" dialog.
  await runCommand(page, 'File: Save All Files');
  for (let attempt = 0; attempt < 20; attempt++) {
    await runCommand(page, 'View: Close All Editors');
    await openQuickInput(page, file);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: file }).first().waitFor({ timeout: 20_000 });
    await page.keyboard.press('Enter');
    try {
      await page.locator('.tabs-container .tab.active', { hasText: file }).waitFor({ timeout: 5000 });
      await page
        .locator('.notebook-editor .code-cell-row')
        .filter({ visible: true })
        .first()
        .waitFor({ timeout: 5000 });
      return;
    } catch {
      // The serializer failed: the extension did not activate, and retrying will not help.
      if (await page.getByText('could not be opened').filter({ visible: true }).count()) {
        throw new Error(`${file} could not be opened. Extension host errors:\n${hostErrors() || '(none logged)'}`);
      }
      // Opened as text: the notebook contributions are not registered yet.
      await page.waitForTimeout(1000);
    }
  }
  throw new Error(`${file} never opened as a notebook. Extension host errors:\n${hostErrors() || '(none logged)'}`);
}

/** Run All, then wait until every code cell ran again, or one failed, and none is running. */
async function runAll(page: Page): Promise<CellView[]> {
  const before = new Map((await scanCells(page)).map((c) => [c.index, c]));
  // A cell has run again when its mark or its execution order changed (a reopened notebook
  // starts a new kernel, whose orders start at 1 again, but then its cells had no mark).
  const ranAgain = (c: CellView) =>
    c.state === 'success' &&
    c.order !== '' &&
    (c.order !== before.get(c.index)?.order || before.get(c.index)?.state !== 'success');
  await runCommand(page, 'Notebook: Run All');
  return waitUntil(
    'Run All to finish',
    async () => {
      const cells = (await scanCells(page)).filter((c) => c.code);
      if (cells.some((c) => c.state === 'running' || c.state === 'pending')) return undefined;
      if (cells.some((c) => c.state === 'error')) return cells;
      return cells.every(ranAgain) ? cells : undefined;
    },
    RUN_TIMEOUT_MS,
    1000,
  );
}

/** The output webview frame that holds `selector` (outputs render inside the notebook's webview). */
async function outputFrame(page: Page, selector: string, timeoutMs = 60_000): Promise<Frame> {
  return waitUntil(
    `an output showing ${selector}`,
    async () => {
      for (const frame of page.frames()) {
        if (
          (await frame
            .locator(selector)
            .count()
            .catch(() => 0)) > 0
        )
          return frame;
      }
      return undefined;
    },
    timeoutMs,
    500,
  );
}

async function outputText(page: Page): Promise<string> {
  const texts = await Promise.all(
    page.frames().map((f) => f.evaluate('document.body ? document.body.innerText : ""').catch(() => '')),
  );
  return (texts as string[]).join('\n');
}

/** A path,label CSV's data rows: what the image set holds. */
function csvRows(file: string): number {
  return fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim() !== '').length;
}

interface ScoreJson {
  variants: {
    name: string;
    descriptors: Record<string, string[]>;
    predictions: { image: string; scores: Record<string, number> }[];
  }[];
  run: { encoded: { images: number; texts: number } };
}

/** The score cell's output as saved in the notebook file (after File: Save). */
/** The score cell's output in a saved notebook, if it has one. */
function scoreIn(nb: SavedNotebook): ScoreJson | undefined {
  for (const cell of nb.cells) {
    for (const o of cell.outputs ?? []) {
      const data = o.data[MIME.score];
      if (data) return data as ScoreJson;
    }
  }
  return undefined;
}

/**
 * The workspace: a copy of examples/ with the repository's models/ beside it, so that the demo
 * notebook's relative paths (data/…, ../models/demo) hold as in the repository.
 */
function makeWorkspace(): string {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-ui-'));
  const ws = path.join(base, 'examples');
  fs.cpSync(path.join(ROOT, 'examples'), ws, {
    recursive: true,
    filter: (src) => !/(^|\/)(out|\.symptom-lens)(\/|$)/.test(path.relative(ROOT, src)),
  });
  fs.symlinkSync(path.join(ROOT, 'models'), path.join(base, 'models'));
  return ws;
}

const BROKEN_NOTEBOOK = {
  cells: [
    {
      cell_type: 'code',
      metadata: {},
      source: ['images: phantoms\n', 'from: data/labels.csv'],
      execution_count: null,
      outputs: [],
    },
    {
      cell_type: 'code',
      metadata: {},
      source: ['model: demo\n', 'path: ../models/demo\n', 'devise: cpu'],
      execution_count: null,
      outputs: [],
    },
    {
      cell_type: 'code',
      metadata: {},
      source: ['descriptors: names\n', 'classes: { normal: [], effusion: [] }'],
      execution_count: null,
      outputs: [],
    },
    {
      cell_type: 'code',
      metadata: {},
      source: ['score: s\n', 'images: phantoms\n', 'model: demo\n', 'descriptors: names'],
      execution_count: null,
      outputs: [],
    },
  ],
  metadata: {},
  nbformat: 4,
  nbformat_minor: 5,
};

/** The frame of the report panel, once it shows a score table. */
function reportFrame(page: Page): Promise<Frame> {
  return waitUntil(
    'the report beside the notebook',
    async () => {
      for (const f of page.frames()) {
        if (
          (await f.title().catch(() => '')).endsWith('Symptom Lens report') &&
          (await f
            .locator('.sl-comparison-table')
            .count()
            .catch(() => 0)) > 0
        )
          return f;
      }
      return undefined;
    },
    60_000,
    500,
  );
}

/** A button of the visible notebook editor's own toolbar (not the command palette). */
function toolbarButton(page: Page, title: string): Locator {
  return page
    .locator('.notebook-toolbar-container')
    .filter({ visible: true })
    .first()
    .locator(`.action-item a[aria-label^="${title}"]`)
    .first();
}

export async function runUiTests(vsix: string): Promise<SuiteResult> {
  const log = lap('ui');
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const ws = makeWorkspace();
  fs.writeFileSync(path.join(ws, 'broken.lensnb'), JSON.stringify(BROKEN_NOTEBOOK, null, 1));
  const extensionsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-ui-ext-'));
  await installVsix(vsix, extensionsDir);
  log(`installed ${path.basename(vsix)}`);
  const server = await startCodeServer({ extensionsDir });
  const browser = await launchChromium();
  const page = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();
  let passed = 0;
  let failed = 0;
  const shot = (name: string) =>
    page.screenshot({ path: path.join(RESULTS_DIR, `${name}.png`) }).catch(() => undefined);

  // SL_TEST_GREP runs only the tests whose name matches (while working on one of them).
  const grep = process.env.SL_TEST_GREP ? new RegExp(process.env.SL_TEST_GREP) : undefined;
  async function test(name: string, body: () => Promise<void>): Promise<void> {
    if (grep && !grep.test(name)) return;
    const started = Date.now();
    try {
      await body();
      passed++;
      console.log(`ok    ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failed++;
      await shot(`FAILED-${name.replace(/\W+/g, '-')}`);
      console.log(`FAIL  ${name}\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }

  try {
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    log('workbench ready');

    await test('demo notebook: Run All succeeds and the score output shows table, heatmap and gallery', async () => {
      await openNotebook(page, 'demo.lensnb', server.extensionHostErrors);
      const cells = await runAll(page);
      await shot('ui-1-run-all');
      const notOk = cells.filter((c) => c.state !== 'success');
      if (notOk.length)
        throw new Error(`cells without a success mark: ${notOk.map((c) => `${c.index + 1} (${c.state})`).join(', ')}`);
      // The status bar names the model and its execution provider; on the CPU (no GPU here) its
      // tooltip says why `auto` skipped CUDA and WebGPU (its spaces are non-breaking, hence \s).
      const status = page.locator('.statusbar-item', { hasText: /demo · (CPU|CUDA|WebGPU)/ }).first();
      await status.waitFor({ timeout: 10_000 });
      if (/demo · CPU/.test(await status.innerText())) {
        await status.hover();
        await page
          .getByText(/WebGPU\sskipped:\s/)
          .first()
          .waitFor({ timeout: 10_000 });
        await page
          .getByText(/CUDA\sskipped:\s/)
          .first()
          .waitFor({ timeout: 5_000 });
        await page.mouse.move(0, 0);
        await page.keyboard.press('Escape');
      }

      await scrollToCell(page, 'score:');
      const frame = await outputFrame(page, '.sl-comparison-table');
      const variants = await frame.locator('.sl-comparison-table tbody tr').count();
      if (variants < 2) throw new Error(`comparison table has ${variants} rows, expected one per variant (2)`);
      const heatmap = frame.locator('.sl-heatmap.js-plotly-plot').first();
      await bringIntoView(page, heatmap);
      await heatmap.locator('.hm, .heatmaplayer, svg').first().waitFor({ timeout: 30_000 });
      // Plotly keeps the drawn traces on the element. (No inner functions here: the page gets this source.)
      const [rows, columns] = await heatmap.evaluate((el) => {
        const z = (el as unknown as { data: { z: number[][] }[] }).data[0].z;
        return [z.length, z[0].length];
      });
      const images = csvRows(path.join(ws, 'data', 'labels.csv'));
      if (rows !== images) throw new Error(`heatmap has ${rows} rows, the image set ${images} images`);
      if (columns < 1) throw new Error('heatmap has no descriptor columns');
      const cards = frame.locator('.sl-gallery .sl-card');
      const cardCount = await cards.count();
      if (cardCount < 1) throw new Error('the failure gallery shows no card');
      const first = cards.first();
      await bringIntoView(page, first);
      await waitUntil(
        'a thumbnail in the first card',
        async () => {
          const src = await first
            .locator('img.sl-thumb')
            .first()
            .getAttribute('src')
            .catch(() => null);
          return src?.startsWith('data:image/') ? src : undefined;
        },
        30_000,
      );
      await shot('ui-1-score-output');
      const image = await first.locator('[data-image]').first().getAttribute('data-image');
      await first.click();
      const detail = frame.locator('.sl-detail');
      await detail.waitFor({ timeout: 10_000 });
      await bringIntoView(page, detail);
      if ((await detail.getAttribute('data-image')) !== image)
        throw new Error(`the detail shows ${await detail.getAttribute('data-image')}, the card was ${image}`);
      const detailText = await detail.innerText();
      if (!/\d\.\d{2}/.test(detailText)) throw new Error(`the detail shows no descriptor scores:\n${detailText}`);
      await shot('ui-1-card-detail');
      // "Open image" goes through renderer messaging to the extension, which opens the file beside.
      const openImage = detail.locator('[data-testid="open-image"]');
      await bringIntoView(page, openImage);
      await openImage.click();
      await page
        .locator('.tabs-container .tab', { hasText: path.basename(image!) })
        .first()
        .waitFor({ timeout: 15_000 });
      await shot('ui-1-open-image');
      // Back to the notebook: Open Report writes report.html beside it and shows it.
      await page.locator('.tabs-container .tab', { hasText: 'demo.lensnb' }).first().click();
      await runCommand(page, 'Symptom Lens: Open Report');
      const report = await reportFrame(page);
      if (!fs.existsSync(path.join(ws, 'out', 'report.html'))) throw new Error('out/report.html was not written');
      await report.locator('.sl-heatmap').first().waitFor({ timeout: 30_000 });
      await shot('ui-1-report');
      log(
        `demo: ${cells.length} code cells ok, ${variants} variants, heatmap ${rows}×${columns}, ${cardCount} failure cards; ${image} opened from its card`,
      );
    });

    await test('broken notebook: the error names the YAML line and later cells do not run', async () => {
      await openNotebook(page, 'broken.lensnb', server.extensionHostErrors);
      const cells = await runAll(page);
      await shot('ui-2-broken');
      const states = cells.map((c) => c.state).join(', ');
      if (cells[0]?.state !== 'success' || cells[1]?.state !== 'error')
        throw new Error(`expected success, error, none, none; got ${states}`);
      for (const c of cells.slice(2)) {
        if (c.state !== 'none' || c.order !== '')
          throw new Error(`cell ${c.index + 1} ran after the failure (${c.state} ${c.order})`);
      }
      const text = await waitUntil(
        'the error output',
        async () => {
          const t = await outputText(page);
          return /line 3, field `devise`/.test(t) ? t : undefined;
        },
        30_000,
      );
      if (!/Did you mean "device"\?/.test(text)) throw new Error('the error does not say what to do');
    });

    await test('edit one descriptor in the UI, re-run: the result changes and no image is re-encoded', async () => {
      const file = path.join(ws, 'demo.lensnb');
      await openNotebook(page, 'demo.lensnb', server.extensionHostErrors);
      // The notebook ran in the first test; if it did not, run it now so the caches are warm.
      let cells = await scanCells(page);
      if (!cells.filter((c) => c.code).every((c) => c.state === 'success')) cells = await runAll(page);
      await runCommand(page, 'File: Save');
      const saved = await waitUntil(
        'the saved notebook',
        async () => {
          const nb = readSavedNotebook(file);
          const score = nb && scoreIn(nb);
          return nb && score ? { nb, score } : undefined;
        },
        10_000,
      );
      const before = saved.score;
      const scoreIndex = cellIndexIn(saved.nb, 'score:');

      const [word, replacement] = ['sharp', 'crisp'];
      await scrollToCell(page, `${word} costophrenic angles`);
      const line = page
        .locator('.notebook-editor .view-line', { hasText: `${word} costophrenic angles` })
        .filter({ visible: true })
        .first();
      // The middle of the word on screen: a double-click there selects it, as a user would.
      const box = await line.evaluate((el, w) => {
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const at = (n.textContent ?? '').indexOf(w);
          if (at < 0) continue;
          const range = document.createRange();
          range.setStart(n, at);
          range.setEnd(n, at + w.length);
          const r = range.getBoundingClientRect();
          return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
        }
        return null;
      }, word);
      if (!box) throw new Error(`"${word}" not found in the descriptors cell`);
      await page.mouse.dblclick(box.x, box.y);
      await page.keyboard.type(replacement);
      await page
        .locator('.notebook-editor .view-line', { hasText: `${replacement} costophrenic angles` })
        .first()
        .waitFor({ timeout: 5000 });
      await shot('ui-3-edited');
      cells = await runAll(page);
      // The ask cell's committed reply answers the evidence before the edit: the edited descriptor changes the
      // similarities its prompt quotes, so it asks the LLM again, and no LLM listens here. It must not succeed;
      // every other cell must.
      const ask = cells.find((c) => c.text.startsWith('ask:'));
      if (!ask || ask.state === 'success')
        throw new Error('the ask cell answered from its cache after its evidence changed');
      const notOk = cells.filter((c) => c.state !== 'success' && c !== ask);
      if (notOk.length)
        throw new Error(`cells without a success mark after the edit: ${notOk.map((c) => c.index + 1).join(', ')}`);
      await scrollToCell(page, 'score:', scoreIndex);
      const frame = await outputFrame(page, '[data-testid="encoded"]');
      const encoded = frame.locator('[data-testid="encoded"]').first();
      await bringIntoView(page, encoded);
      await shot('ui-3-rerun');
      const shownImages = Number(await encoded.getAttribute('data-images'));
      const shownTexts = Number(await encoded.getAttribute('data-texts'));
      if (shownImages !== 0)
        throw new Error(`the re-run encoded ${shownImages} images; expected 0 (all from the cache)`);
      if (shownTexts < 1) throw new Error('the re-run encoded no text, so the edit did not reach the model');
      const shown = await encoded.innerText();
      // What changed since the previous run, in the output: the edited descriptor, removed and added.
      const diff = (await frame.locator('[data-testid="descriptor-diff"]').first().innerText()).split('\n');
      for (const line of [`− normal: ${word} costophrenic angles`, `+ normal: ${replacement} costophrenic angles`])
        if (!diff.includes(line)) throw new Error(`the "what changed" view lacks "${line}": ${diff.join(' | ')}`);

      await runCommand(page, 'File: Save');
      const after = await waitUntil(
        'the saved re-run',
        async () => {
          const nb = readSavedNotebook(file);
          const s = nb && scoreIn(nb);
          return s && JSON.stringify(s) !== JSON.stringify(before) ? s : undefined;
        },
        10_000,
      );
      const v1Before = before.variants.find((v) => v.name === 'v1')!;
      const v1After = after.variants.find((v) => v.name === 'v1')!;
      if (
        !Object.values(v1After.descriptors)
          .flat()
          .some((d) => d.includes(`${replacement} costophrenic angles`))
      )
        throw new Error('the re-run did not score the edited descriptor');
      if (
        JSON.stringify(v1After.predictions.map((p) => p.scores)) ===
        JSON.stringify(v1Before.predictions.map((p) => p.scores))
      )
        throw new Error('the v1 scores did not change');
      if (after.run.encoded.images !== 0)
        throw new Error(`results say ${after.run.encoded.images} images were encoded`);
      log(
        `edit: "${word}" → "${replacement}"; output shows "${shown}"; saved run record ${JSON.stringify(after.run.encoded)}`,
      );
    });

    await test("the notebook toolbar's Open Report button writes and shows the report; untitled asks to be saved", async () => {
      await openNotebook(page, 'demo.lensnb', server.extensionHostErrors);
      const report = path.join(ws, 'out', 'report.html');
      fs.rmSync(report, { force: true });
      await toolbarButton(page, 'Open Report').click();
      await reportFrame(page);
      if (!fs.existsSync(report)) throw new Error('out/report.html was not written');
      await shot('ui-4-toolbar-report');

      // Alone in the editor area, so that the toolbar has room for its buttons.
      await runCommand(page, 'View: Close All Editors');
      await runCommand(page, 'Symptom Lens: New Empty Notebook');
      await page.locator('.tabs-container .tab.active', { hasText: 'Untitled' }).waitFor({ timeout: 20_000 });
      await toolbarButton(page, 'Open Report').click();
      await page
        .locator('.notifications-toasts', { hasText: 'save the notebook first' })
        .first()
        .waitFor({ timeout: 15_000 });
      await shot('ui-4-untitled-report');
      await runCommand(page, 'View: Revert and Close Editor');
    });
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop(failed > 0);
    if (failed === 0) {
      for (const dir of [path.dirname(ws), extensionsDir]) fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return { passed, failed };
}
