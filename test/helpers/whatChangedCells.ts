// The cells of the "what changed" tests: the demo model on the phantom set, a names baseline and
// a v1 set whose cardiomegaly descriptors a test edits between runs.
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
export const DATA = path.join(ROOT, 'examples/data/labels.csv');
export const MODEL = path.join(ROOT, 'models/demo');
export const CLASSES = ['cardiomegaly', 'effusion', 'nodule', 'normal', 'pneumothorax'];

export const v1 = (cardio: string) => `descriptors: v1
classes:
  cardiomegaly: [${cardio}]
  effusion: [blunted costophrenic angle, fluid at the lung base]
  nodule: [round opacity in the lung]
  normal: [clear lung fields]
  pneumothorax: [lung edge without markings]
`;
export const names = `descriptors: names\nclasses: {${CLASSES.map((c) => `${c}: []`).join(', ')}}\n`;
