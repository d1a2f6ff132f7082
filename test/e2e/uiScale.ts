// UI test of a 100,000-image notebook (issue "Scale": outputs of bounded size): a synthetic set
// of precomputed embeddings (as bench/scale.ts makes it) scored in code-server; the saved score
// output stays ≤ 1 MB, the output opens and the notebook scrolls, and the per-image views page
// through the run's per-image file over the extension's real renderer messaging.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { writeSyntheticImport } from '../../bench/embeddingsImport';
import { writeCodeNotebook } from '../../bench/scale';
import { MIME } from '../../src/protocol/mime';
import type { ScoreResult } from '../../src/protocol/results';
import { runCommand, waitUntil } from './harness';
import { bringIntoView, openNotebook, outputFrame, readSavedNotebook, runAll, scrollToCell } from './workbench';

export const SCALE_IMAGES = 100_000;
/** The demo model's embedding size. */
const DEMO_DIMS = 64;
const CLASSES = ['normal', 'effusion', 'cardiomegaly', 'nodule', 'pneumothorax'];

/** scale/scale.lensnb in the workspace: the demo model, the synthetic set, two descriptor sets, a score. */
export async function writeScaleNotebook(ws: string): Promise<string> {
  const dir = path.join(ws, 'scale');
  await writeSyntheticImport(dir, SCALE_IMAGES, DEMO_DIMS, CLASSES);
  const descriptors = (name: string, extra: string) =>
    `descriptors: ${name}\nclasses:\n${CLASSES.map((c, i) => `  ${c}: [finding ${i} one, finding ${i} ${extra}]`).join('\n')}\n`;
  await writeCodeNotebook(path.join(dir, 'scale.lensnb'), [
    'model: m\npath: ../../models/demo\n',
    'images: set\nfrom: labels.csv\nembeddings: emb\n',
    descriptors('a', 'two'),
    descriptors('b', 'three'),
    'score: s\nimages: set\nmodel: m\ndescriptors: [a, b]\n',
  ]);
  return path.join(dir, 'scale.lensnb');
}

export async function scaleNotebookTest(
  page: Page,
  file: string,
  hostErrors: () => string,
  shot: (name: string) => Promise<unknown>,
  log: (message: string) => void,
): Promise<void> {
  await openNotebook(page, 'scale.lensnb', hostErrors);
  const cells = await runAll(page);
  const notOk = cells.filter((c) => c.state !== 'success');
  if (notOk.length) throw new Error(`cells without a success mark: ${notOk.map((c) => c.index + 1).join(', ')}`);
  await runCommand(page, 'File: Save');
  const saved = await waitUntil(
    'the saved notebook with the score output',
    async () => {
      const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      const nb = text ? readSavedNotebook(file) : undefined;
      const output = nb?.cells[4]?.outputs?.[0];
      return output?.data[MIME.score] ? { output, bytes: Buffer.byteLength(JSON.stringify(output)) } : undefined;
    },
    20_000,
  );
  if (saved.bytes > 1_000_000) throw new Error(`the saved score output is ${saved.bytes} bytes`);
  const score = saved.output.data[MIME.score] as ScoreResult;
  if (score.perImage?.images !== SCALE_IMAGES) throw new Error(`perImage: ${JSON.stringify(score.perImage)}`);

  await scrollToCell(page, 'score:');
  const frame = await outputFrame(page, '[data-testid="per-image-note"]');
  const note = frame.locator('[data-testid="per-image-note"]').first();
  if ((await note.getAttribute('data-images')) !== String(SCALE_IMAGES))
    throw new Error(`the note counts ${await note.getAttribute('data-images')} images`);
  await shot('ui-scale-score-output');

  // The gallery's next page comes from the per-image file through the extension.
  const cards = frame.locator('.sl-gallery [data-testid="card"]');
  const before = await cards.count();
  const more = frame.locator('[data-testid="show-more"]').first();
  await bringIntoView(page, more);
  await more.click();
  await waitUntil(
    'the next page of failure cards',
    async () => ((await cards.count()) > before ? true : undefined),
    60_000,
  );

  // The heatmap pages through every image.
  const next = frame.locator('[data-testid="heatmap-next"]').first();
  await bringIntoView(page, next);
  await next.click();
  const range = frame.locator('[data-testid="heatmap-range"]').first();
  await waitUntil(
    'the heatmap’s first page of all images',
    async () => (/Rows 1–200 of 100,000/.test((await range.textContent()) ?? '') ? true : undefined),
    60_000,
  );
  await next.click();
  await waitUntil(
    'the heatmap’s second page',
    async () => (/Rows 201–400 of 100,000/.test((await range.textContent()) ?? '') ? true : undefined),
    60_000,
  );
  await shot('ui-scale-heatmap-page');

  // The whole notebook scrolls, up and down again.
  await scrollToCell(page, 'model: m', 0);
  await scrollToCell(page, 'score:');
  await frame.locator('.sl-comparison-table').first().waitFor({ timeout: 30_000 });
  log(
    `scale: ${SCALE_IMAGES} images, saved score output ${saved.bytes} bytes, ${before} → more cards, heatmap pages 1–400`,
  );
}
