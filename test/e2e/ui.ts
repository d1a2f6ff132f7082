// UI tests of the packaged extension: the VSIX installed into code-server, notebooks opened and
// run through the workbench as a user does, outputs read from the notebook's output webview.
// Screenshots go to test-results/.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { installVsix, lap, launchChromium, RESULTS_DIR, ROOT, runCommand, startCodeServer, waitUntil } from './harness';
import {
  activateTab,
  bringIntoView,
  notebookList,
  cellIndexIn,
  openNotebook,
  outputFrame,
  outputText,
  readSavedNotebook,
  reportFrame,
  runAll,
  RUN_TIMEOUT_MS,
  scanCells,
  scrollToCell,
  selectWord,
  toolbarButton,
  type SavedNotebook,
} from './workbench';
import { MIME } from '../../src/protocol/mime';
import type { SuiteResult } from './api';
import { scaleNotebookTest, writeScaleNotebook } from './uiScale';

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

/** Cells with what the editing aids catch: a model folder that is not there, a misspelt option. */
const AIDS_NOTEBOOK = {
  cells: [
    {
      cell_type: 'code',
      metadata: {},
      source: ['model: demo\n', 'path: ../models/nope\n', 'devise: cpu'],
      execution_count: null,
      outputs: [],
    },
  ],
  metadata: {},
  nbformat: 4,
  nbformat_minor: 5,
};

export async function runUiTests(vsix: string): Promise<SuiteResult> {
  const log = lap('ui');
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const ws = makeWorkspace();
  fs.writeFileSync(path.join(ws, 'broken.lensnb'), JSON.stringify(BROKEN_NOTEBOOK, null, 1));
  fs.writeFileSync(path.join(ws, 'aids.lensnb'), JSON.stringify(AIDS_NOTEBOOK, null, 1));
  const scaleNotebook = await writeScaleNotebook(ws);
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
      // Open Report is offered only while a Symptom Lens notebook is the active editor.
      await activateTab(page, 'demo.lensnb');
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
      await selectWord(page, `${word} costophrenic angles`, word);
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

    await test('"Explain this image" on a failure card inserts an explain cell below the score and shows its output', async () => {
      const file = path.join(ws, 'demo.lensnb');
      await openNotebook(page, 'demo.lensnb', server.extensionHostErrors);
      // The earlier tests leave the score's output saved; run alone (SL_TEST_GREP), this test runs the notebook.
      const saved = readSavedNotebook(file);
      if (!saved || !scoreIn(saved)) await runAll(page);
      await scrollToCell(page, 'score:');
      const frame = await outputFrame(page, '.sl-gallery .sl-card');
      // Which descriptors work: the importance table of the score output.
      const importance = frame.locator('[data-testid="importance"]').first();
      await bringIntoView(page, importance);
      if ((await importance.locator('tbody tr').count()) < 1) throw new Error('the importance table has no rows');
      await shot('ui-5-importance');
      // Export: the button asks where to save (the workbench's own save dialog), then writes the CSV.
      const exported = path.join(ws, 'names-vs-v1.predictions.csv');
      const exportButton = frame.locator('[data-testid="export-predictions.csv"]').first();
      await bringIntoView(page, exportButton);
      await exportButton.click();
      const dialog = page.locator('.quick-input-widget input').filter({ visible: true });
      await dialog.waitFor({ timeout: 20_000 });
      await waitUntil(
        'the save dialog to offer the CSV',
        async () => (await dialog.inputValue()).endsWith('.csv'),
        10_000,
      );
      await shot('ui-5-export-dialog');
      await page.keyboard.press('Enter');
      await waitUntil('the exported CSV', async () => fs.existsSync(exported), 20_000);
      const header = fs.readFileSync(exported, 'utf8').split(/\r?\n/)[0];
      if (!/image/.test(header) || !/predicted/.test(header)) throw new Error(`the exported CSV starts "${header}"`);
      const [rows, images] = [csvRows(exported), csvRows(path.join(ws, 'data', 'labels.csv'))];
      if (rows === 0 || rows % images !== 0) throw new Error(`the CSV has ${rows} rows for ${images} images`);

      const card = frame.locator('.sl-gallery .sl-card').first();
      const image = await card.locator('[data-image]').first().getAttribute('data-image');
      const button = card.locator('[data-testid="explain-image"]').first();
      await bringIntoView(page, button);
      await button.click();
      const cellText = `explain: why-${path.basename(image!, path.extname(image!))}`;
      await page
        .locator('.notebook-editor .view-line', { hasText: cellText })
        .filter({ visible: true })
        .first()
        .waitFor({ timeout: 30_000 });
      // The new cell runs on its own; its output is an explain output for the card's image.
      await runCommand(page, 'File: Save');
      const { output, index } = await waitUntil(
        'the explain cell to run and the notebook to be saved with its output',
        async () => {
          const nb = readSavedNotebook(file);
          if (!nb) return undefined;
          const at = nb.cells.findIndex((c) =>
            (Array.isArray(c.source) ? c.source.join('') : c.source).includes(cellText),
          );
          const data = nb.cells[at]?.outputs?.map((o) => o.data[MIME.explain]).find(Boolean) as
            { image?: string } | undefined;
          if (!data) await runCommand(page, 'File: Save');
          return data && { output: data, index: at };
        },
        RUN_TIMEOUT_MS,
        2000,
      );
      if (output.image !== image) throw new Error(`the explain output is for ${output.image}, the card was ${image}`);
      // The webview draws the outputs of cells near the viewport only, and while the cell ran the
      // list may have scrolled away from it (a CI run found it two sections further down).
      await scrollToCell(page, cellText, index);
      const explainFrame = await outputFrame(page, '[data-testid="explain-target"]');
      // The renderer's header and its maps are siblings (in the output's shadow root).
      const explanation = explainFrame.locator(
        `.sl-header:has-text("Explanation · ${cellText.replace('explain: ', '')}") + .sl-explain`,
      );
      const target = explanation.locator('[data-testid="explain-target"]');
      await bringIntoView(page, target);
      await shot('ui-5-explain-from-card');
      // Another target and a stronger overlay, without touching the YAML: the maps redraw in place.
      if ((await explanation.locator('[data-testid="explain-figure-patch-tokens"]').count()) !== 1)
        throw new Error('the explain output shows no patch-token map beside occlusion');
      const range = explanation.locator('[data-testid="heatmap-range"]');
      const rangeBefore = await range.innerText();
      const other = await target.evaluate(
        (el: HTMLSelectElement) =>
          [...el.options].find((o) => o.value !== el.value && /\(class\)$/.test(o.text))?.value,
      );
      if (!other) throw new Error('the target select offers no other class');
      await target.selectOption(other);
      await waitUntil(
        'the occlusion map to redraw for the new target',
        async () => (await range.innerText()) !== rangeBefore,
        10_000,
      );
      await explanation.locator('[data-testid="heatmap-opacity"]').fill('100');
      await shot('ui-5-explain-switched');
      log(`explain: "${cellText}" inserted from the card of ${image} and run`);
    });

    await test('score output at 1400×900 beside the side bar: the comparison columns in view, a confusion cell lists and outlines its failures right below, Escape closes the detail', async () => {
      const file = path.join(ws, 'demo.lensnb');
      await page.setViewportSize({ width: 1400, height: 900 });
      try {
        await openNotebook(page, 'demo.lensnb', server.extensionHostErrors);
        const saved = readSavedNotebook(file);
        if (!saved || !scoreIn(saved)) await runAll(page);
        await scrollToCell(page, 'score:');
        const frame = await outputFrame(page, '[data-testid="comparison-table"]');
        const table = frame.locator('[data-testid="comparison-table"]').first();
        await bringIntoView(page, table);
        const list = (await (await notebookList(page)).boundingBox())!;
        for (const column of ['paired-auroc', 'mcnemar']) {
          const cell = await table.locator(`[data-testid="${column}"]`).last().boundingBox();
          if (!cell || cell.x < list.x || cell.x + cell.width > list.x + list.width)
            throw new Error(
              `the ${column} column is outside the notebook (${JSON.stringify(cell)}; list ${JSON.stringify(list)})`,
            );
        }
        await shot('ui-7-variants-1400');

        const pick = frame
          .locator('[data-testid="confusion"] button[data-true="nodule"][data-predicted="normal"]')
          .first();
        const count = Number(await pick.getAttribute('data-count'));
        await bringIntoView(page, pick);
        await pick.click();
        const area = frame.locator('.sl-gallery-area').first();
        await waitUntil(
          'the filtered gallery outlined and on screen',
          async () => {
            const box = await area.boundingBox();
            const outlined = /\bsl-flash\b/.test((await area.getAttribute('class')) ?? '');
            return box && outlined && box.y < list.y + list.height && box.y + box.height > list.y;
          },
          5_000,
          100,
        );
        const cards = await frame.locator('.sl-gallery .sl-card').count();
        if (cards !== count) throw new Error(`the cell counts ${count} images, the gallery shows ${cards}`);
        const cut = await frame
          .locator('.sl-gallery .sl-card .sl-card-meta')
          .first()
          .evaluate((meta) =>
            [...meta.querySelectorAll('span')]
              .filter((e) => e.scrollWidth > e.clientWidth + 1)
              .map((e) => e.textContent),
          );
        if (cut.length) throw new Error(`a card cuts its labels at 1400 px: ${cut.join(' | ')}`);
        await shot('ui-7-confusion-click');

        const card = frame.locator('.sl-gallery .sl-card').first();
        await bringIntoView(page, card);
        await card.click();
        const detail = frame.locator('[data-testid="detail"]').first();
        await detail.waitFor({ timeout: 10_000 });
        await shot('ui-7-detail-1400');
        await page.keyboard.press('Escape');
        await detail.waitFor({ state: 'hidden', timeout: 10_000 });
      } finally {
        await page.setViewportSize({ width: 1600, height: 1000 });
      }
    });
    await test('while editing: warnings for a missing model folder, a quick fix for a misspelt option, path completions; Select Model offers the demo; Clear Embedding Cache asks first', async () => {
      await openNotebook(page, 'aids.lensnb', server.extensionHostErrors);
      await scrollToCell(page, 'devise: cpu');
      const editor = page.locator('.notebook-editor').filter({ visible: true }).first();
      // The misspelt option is an error (the parser's); files are checked once the cell parses.
      await editor.locator('.squiggly-error').first().waitFor({ timeout: 20_000 });

      await selectWord(page, 'devise: cpu', 'devise');
      await page.keyboard.press('Control+.');
      const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'Change to "device"' }).first();
      await fix.waitFor({ timeout: 15_000 });
      await shot('ui-6-quick-fix');
      // The preferred fix is the focused row ("Enter to Apply"); the menu's fade-in defeats a click.
      await page.keyboard.press('Enter');
      await editor.locator('.view-line', { hasText: 'device: cpu' }).first().waitFor({ timeout: 10_000 });
      // Now the cell parses: the model folder that is not there is a warning, before any run.
      await editor.locator('.squiggly-warning').first().waitFor({ timeout: 20_000 });
      await shot('ui-6-diagnostics');

      await selectWord(page, 'path: ../models/nope', 'nope');
      await page.keyboard.type('d');
      await page.keyboard.press('Control+Space');
      const suggestion = page.locator('.suggest-widget .monaco-list-row', { hasText: 'demo' }).first();
      await suggestion.waitFor({ timeout: 15_000 });
      await shot('ui-6-completions');
      await page.keyboard.press('Enter');
      await editor.locator('.view-line', { hasText: 'path: ../models/demo' }).first().waitFor({ timeout: 10_000 });
      // The completed folder is a model folder: its warning goes.
      await waitUntil(
        'the model-folder warning to clear',
        async () => (await editor.locator('.squiggly-warning').count()) === 0,
        20_000,
      );
      await page.keyboard.press('Escape');

      await runCommand(page, 'Symptom Lens: Select Model');
      await page
        .locator('.quick-input-widget .monaco-list-row', { hasText: 'Bundled demo model' })
        .first()
        .waitFor({ timeout: 15_000 });
      await shot('ui-6-select-model');
      await page.keyboard.press('Escape');

      const cache = path.join(ws, '.symptom-lens');
      const cachedBefore = fs.existsSync(cache) ? fs.readdirSync(cache, { recursive: true }).length : 0;
      await runCommand(page, 'Symptom Lens: Clear Embedding Cache');
      const dialog = page.locator('.monaco-dialog-box').filter({ visible: true }).first();
      await dialog.waitFor({ timeout: 15_000 });
      const question = await dialog.locator('.dialog-message-text').innerText();
      if (!/Delete \d+ embeddings? \(/.test(question)) throw new Error(`the confirmation says: ${question}`);
      await shot('ui-6-clear-cache');
      await dialog.locator('.monaco-button', { hasText: 'Cancel' }).first().click();
      await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
      const cachedAfter = fs.existsSync(cache) ? fs.readdirSync(cache, { recursive: true }).length : 0;
      if (cachedAfter !== cachedBefore)
        throw new Error(`Cancel changed the cache: ${cachedBefore} → ${cachedAfter} files`);
      await runCommand(page, 'View: Revert and Close Editor');
      log(`editing aids: "${question}" cancelled, ${cachedAfter} cache files kept`);
    });

    await test('a 100,000-image notebook: the saved score output stays under 1 MB, opens, pages and scrolls', () =>
      scaleNotebookTest(page, scaleNotebook, server.extensionHostErrors, shot, log));
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop(failed > 0);
    if (failed === 0) {
      for (const dir of [path.dirname(ws), extensionsDir]) fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return { passed, failed };
}
