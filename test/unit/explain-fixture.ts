// The held-out phantoms and their lesion boxes, shared by the explain tests (kernel and CLI).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { PixelBox } from '../../src/protocol/results';

export const ROOT = path.resolve(__dirname, '../..');
export const PHANTOMS = path.join(ROOT, 'test/fixtures/phantoms');
export const MODEL = path.join(ROOT, 'models/demo');

export interface Lesion {
  path: string;
  label: string;
  box: PixelBox;
}

/** The held-out phantoms with a finding, in labels.csv order (path relative to the folder). */
export function lesions(): Lesion[] {
  const [head, ...rows] = readFileSync(path.join(PHANTOMS, 'labels.csv'), 'utf8').trim().split(/\r?\n/);
  const cols = head.split(',');
  const at = (name: string) => cols.indexOf(name);
  return rows
    .map((line) => line.split(','))
    .filter((cells) => cells[at('x0')] !== '')
    .map((cells) => ({
      path: cells[at('path')],
      label: cells[at('label')],
      box: ['x0', 'y0', 'x1', 'y1'].map((k) => Number(cells[at(k)])) as PixelBox,
    }));
}

/** The first `n` lesions of each finding. */
export function subset(all: Lesion[], n: number): Lesion[] {
  const taken = new Map<string, number>();
  return all.filter((l) => {
    const k = taken.get(l.label) ?? 0;
    taken.set(l.label, k + 1);
    return k < n;
  });
}

/** Whether the centre of `peak` lies in `lesion` grown by `margin` on every side. */
export function peakInLesion(peak: PixelBox, lesion: PixelBox, margin: number): boolean {
  const cx = (peak[0] + peak[2]) / 2;
  const cy = (peak[1] + peak[3]) / 2;
  return cx >= lesion[0] - margin && cx <= lesion[2] + margin && cy >= lesion[1] - margin && cy <= lesion[3] + margin;
}

export const DESCRIPTORS = `descriptors: v1
classes:
  normal: [clear lung fields, sharp costophrenic angles, normal heart size]
  effusion: [blunted costophrenic angle, fluid meniscus at the lung base]
  cardiomegaly: [enlarged heart shadow, wide cardiac silhouette]
  nodule: [round opacity in the lung, small well defined nodule]
  pneumothorax: [lung edge without lung markings, lucent rim along the chest wall]
`;
