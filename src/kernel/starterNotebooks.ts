// The notebooks a user starts from: the skeleton of "New Empty Notebook" (also what an empty
// .lensnb opens as), and the tutorial moved next to a copy of its data so that its relative paths
// keep working when the extension that shipped it is updated or removed.
import * as path from 'node:path';
import { isMap, isScalar, parseDocument } from 'yaml';
import { PATH_OPTION_NAMES } from './cellFiles';
import { DEFAULT_NOTEBOOK_METADATA, type NotebookCellModel, type NotebookModel } from './nbformat';

const code = (source: string): NotebookCellModel => ({
  kind: 'code',
  source,
  language: 'yaml',
  metadata: {},
  outputs: [],
  executionCount: null,
});

const markdown = (source: string): NotebookCellModel => ({
  kind: 'markdown',
  source,
  language: 'markdown',
  metadata: {},
  outputs: [],
});

/**
 * One cell per step of a first score, each saying in comments what to put where. The names
 * match across cells, so the score cell runs as soon as `from:` and the model point at real files.
 */
export function skeletonNotebook(): NotebookModel {
  return {
    cells: [
      markdown(
        [
          '# My Symptom Lens notebook',
          '',
          'Each code cell is one YAML step: the first key names the step and what it defines, the lines',
          'below are its options. Fill in the paths, then **Run All**. Paths are relative to this notebook.',
        ].join('\n'),
      ),
      code(
        [
          'images: my-images',
          '# a CSV/TSV with path,label columns, a folder with one sub-folder per class, or a glob',
          'from: data/labels.csv',
        ].join('\n'),
      ),
      code(
        [
          'model: my-model',
          '# a folder in the Hugging Face / transformers.js ONNX layout; without path: the folder',
          '# chosen with "Symptom Lens: Select Model" is used, and hub: ORG/NAME downloads one',
          '# path: models/my-clip',
        ].join('\n'),
      ),
      code(
        [
          'descriptors: names',
          '# an empty list scores the class name alone: the baseline your descriptors must beat',
          'classes:',
          '  normal: []',
          '  abnormal: []',
        ].join('\n'),
      ),
      code(
        [
          'descriptors: mine',
          '# what each class looks like on the image: a few short visual findings per class',
          'classes:',
          '  normal: [clear lung fields]',
          '  abnormal: [focal opacity in the lung]',
        ].join('\n'),
      ),
      code(
        [
          'score: first',
          '# compares the descriptor sets on the image set; click a card to see why',
          'images: my-images',
          'model: my-model',
          'descriptors: [names, mine]',
        ].join('\n'),
      ),
    ],
    metadata: { ...DEFAULT_NOTEBOOK_METADATA },
    nbformatMinor: 5,
  };
}

/** A folder copied from `from` to `to` (both absolute). */
export interface CopiedFolder {
  from: string;
  to: string;
}

/**
 * The notebook as it reads at `newDir` when the files it names were copied as `copies` say: each
 * path option is resolved against `oldDir`, moved to its copy, and written relative to `newDir`.
 * Paths outside every copy become absolute, so they still name the same file. Outputs go: they
 * describe the old files.
 */
export function relocateNotebook(
  model: NotebookModel,
  oldDir: string,
  newDir: string,
  copies: readonly CopiedFolder[],
): NotebookModel {
  const move = (value: string): string => {
    const resolved = path.resolve(oldDir, value);
    for (const { from, to } of copies) {
      const inside = path.relative(from, resolved);
      if (inside === '' || (!inside.startsWith('..') && !path.isAbsolute(inside))) {
        return path.relative(newDir, path.join(to, inside)).split(path.sep).join('/') || '.';
      }
    }
    return resolved;
  };
  const cells = model.cells.map((cell): NotebookCellModel => {
    if (cell.kind !== 'code') return cell;
    const doc = parseDocument(cell.source);
    if (isMap(doc.contents)) {
      for (const item of doc.contents.items) {
        if (!isScalar(item.key) || !PATH_OPTION_NAMES.has(String(item.key.value))) continue;
        if (isScalar(item.value) && typeof item.value.value === 'string') item.value.value = move(item.value.value);
      }
    }
    return { ...cell, source: doc.toString({ lineWidth: 0 }).replace(/\n$/, ''), outputs: [], executionCount: null };
  });
  return { ...model, cells };
}
