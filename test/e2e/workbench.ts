// The workbench as a user drives it: the notebook's cells walked with the keyboard, outputs found
// in the notebook's webview, commands run from the palette, the saved file read back.
import * as fs from 'node:fs';
import type { Frame, Locator, Page } from 'playwright-core';
import { runCommand, openQuickInput, waitUntil } from './harness';

export const RUN_TIMEOUT_MS = 5 * 60_000;

export interface CellView {
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

export async function notebookList(page: Page): Promise<Locator> {
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
export function scanCells(page: Page): Promise<CellView[]> {
  return walkCells(page);
}

/** Reveal the cell whose editor text contains `text`. */
export async function scrollToCell(page: Page, text: string, index?: number): Promise<void> {
  // A code cell's editor lines may not be drawn yet when its row is focused (under load): the
  // cell's index, when known, stops the walk there all the same.
  const cells = await walkCells(page, (c) => c.index === index || c.text.includes(text));
  const last = cells[cells.length - 1];
  if (last.index !== index && !last.text.includes(text)) throw new Error(`no cell shows "${text}"`);
}

export interface SavedNotebook {
  cells: { source: string[] | string; outputs?: { data: Record<string, unknown> }[] }[];
}

/**
 * The notebook file as VS Code last saved it, or undefined while a save is still writing it (VS
 * Code truncates the file, then writes it, so a read can land between the two).
 */
export function readSavedNotebook(file: string): SavedNotebook | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SavedNotebook;
  } catch {
    return undefined;
  }
}

/** Index of the first cell of a saved notebook whose source starts with `prefix`. */
export function cellIndexIn(nb: SavedNotebook, prefix: string): number {
  const index = nb.cells.findIndex((c) => (Array.isArray(c.source) ? c.source.join('') : c.source).startsWith(prefix));
  if (index < 0) throw new Error(`the saved notebook has no cell starting with "${prefix}"`);
  return index;
}

/**
 * Scroll the notebook until `target` is on screen. Outputs live in a webview laid over the
 * notebook list: it is the list that scrolls, and the webview follows a moment later. A wheel
 * over an output is passed on to the list whole, so one step can cover the distance (how far a
 * step goes is learnt from the first ones). A chart under the pointer (the heatmap) can keep
 * the wheel: when a step moves nothing, the pointer moves to the cells' left gutter, where the
 * list takes the wheel itself, a line at a time.
 */
export async function bringIntoView(page: Page, target: Locator): Promise<void> {
  const list = await notebookList(page);
  const area = (await list.boundingBox())!;
  await page.mouse.move(area.x + area.width / 2, area.y + area.height / 2);
  let gain = 1;
  let overGutter = false;
  const seen: number[] = [];
  // A long output (a gallery of many failures) takes many steps over the gutter, where a step
  // moves the list about 50 px: give up only when the list stops moving, not after a step count.
  let stalled = 0;
  for (let step = 0; step < 400 && stalled < 8; step++) {
    const box = await target.boundingBox();
    if (!box) throw new Error('the element to scroll to is not rendered');
    seen.push(Math.round(box.y));
    if (box.y >= area.y && box.y <= area.y + area.height * 0.6) return;
    const want = box.y - (area.y + area.height / 4);
    if (overGutter) {
      for (let i = 0; i < Math.min(20, Math.ceil(Math.abs(want) / 50)); i++)
        await page.mouse.wheel(0, Math.sign(want) * 100);
    } else {
      await page.mouse.wheel(0, Math.max(-50_000, Math.min(50_000, want * gain)));
    }
    await page.waitForTimeout(400);
    const moved = box.y - ((await target.boundingBox())?.y ?? box.y);
    if (moved === 0 && !overGutter) {
      overGutter = true;
      await page.mouse.move(area.x + 12, area.y + area.height / 2);
    }
    stalled = moved === 0 ? stalled + 1 : 0;
    if (moved !== 0 && Math.sign(moved) === Math.sign(want)) gain = Math.max(0.2, Math.min(50, (gain * want) / moved));
  }
  throw new Error(
    `could not scroll the element into view: the list spans y ${Math.round(area.y)}–${Math.round(area.y + area.height)}, the element was at y ${seen.join(', ')}`,
  );
}

/**
 * Make the editor tab named `name` the active editor, as a click on its tab does. An editor opened
 * beside (an image preview) can take the focus a moment after its own tab shows, and so after a
 * click on another tab: click until that tab is the active group's tab twice, half a second apart.
 */
export async function activateTab(page: Page, name: string): Promise<void> {
  const active = page.locator('.editor-group-container.active .tabs-container .tab.active', { hasText: name });
  let settled = 0;
  await waitUntil(
    `the ${name} tab to be the active editor`,
    async () => {
      if ((await active.count()) > 0) return ++settled >= 2;
      settled = 0;
      await page.locator('.tabs-container .tab', { hasText: name }).first().click();
      return false;
    },
    20_000,
    500,
  );
}

/** Open a file of the workspace as a notebook; retried while the extension host is still starting. */
export async function openNotebook(page: Page, file: string, hostErrors: () => string): Promise<void> {
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
export async function runAll(page: Page): Promise<CellView[]> {
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
export async function outputFrame(page: Page, selector: string, timeoutMs = 60_000): Promise<Frame> {
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

export async function outputText(page: Page): Promise<string> {
  const texts = await Promise.all(
    page.frames().map((f) => f.evaluate('document.body ? document.body.innerText : ""').catch(() => '')),
  );
  return (texts as string[]).join('\n');
}

/**
 * Select `word` in the visible cell editor line that shows `lineText`, as a user does: a
 * double-click on the middle of the word on screen.
 */
export async function selectWord(page: Page, lineText: string, word: string): Promise<void> {
  const line = page.locator('.notebook-editor .view-line', { hasText: lineText }).filter({ visible: true }).first();
  await line.waitFor({ timeout: 10_000 });
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
  if (!box) throw new Error(`"${word}" is not on the line "${lineText}"`);
  await page.mouse.dblclick(box.x, box.y);
}

/** The frame of the report panel, once it shows a score table. */
export function reportFrame(page: Page): Promise<Frame> {
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
export function toolbarButton(page: Page, title: string): Locator {
  return page
    .locator('.notebook-toolbar-container')
    .filter({ visible: true })
    .first()
    .locator(`.action-item a[aria-label^="${title}"]`)
    .first();
}
