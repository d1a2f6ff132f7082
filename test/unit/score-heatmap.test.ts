// The score renderer's heatmap figure is plain data built from the variant and the theme: checked
// here in Node (no browser, no plotly), down to the rules between class groups and the escaping.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Prediction } from '../../src/protocol/results';
import type { ThemeColors } from '../../src/renderers/_shared/theme';
import { heatmapFigure, MAX_LABELLED_ROWS, type HeatmapView } from '../../src/renderers/score/heatmapFigure';

const THEME: ThemeColors = {
  fg: '#123456',
  muted: '#777777',
  border: '#cccccc',
  accent: '#0000ff',
  good: '#00ff00',
  bad: '#ff0000',
  bg: '#ffffff',
  font: 'serif',
  size: 14,
  dark: false,
};

const prediction = (image: string, label: string, predicted: string): Prediction => ({
  image,
  label,
  predicted,
  scores: {},
});

/** Two classes, three descriptors (two of "<b>normal", one of "pneumonia"), three images. */
function view(overrides: Partial<HeatmapView> = {}): HeatmapView {
  return {
    variant: {
      predictions: [
        prediction('NORMAL/a.jpeg', '<b>normal', '<b>normal'),
        prediction('PNEUMONIA/b.jpeg', 'pneumonia', '<b>normal'),
        prediction('NORMAL/c.jpeg', '<b>normal', '<b>normal'),
      ],
      similarity: [
        [0.1, 0.2, 0.3],
        [0.4, 0.5, 0.6],
        [0.7, 0.8, 0.9],
      ],
      columns: [
        { class: '<b>normal', text: 'clear lungs' },
        { class: '<b>normal', text: 'sharp costophrenic angles' },
        { class: 'pneumonia', text: 'consolidation' },
      ],
    },
    order: [0, 2, 1],
    byClass: true,
    labels: ['clear lungs', 'sharp costophrenic angles', 'consolidation'],
    prefix: '',
    ...overrides,
  };
}

type Shape = { xref: string; x0: number; y0: number };
type Annotation = { text: string; x: number; y: number; xref: string };

test('rows follow the order given, each with its similarities and an escaped hover text', () => {
  const { data } = heatmapFigure(view(), THEME);
  const trace = data[0] as { z: number[][]; text: string[][]; y: number[] };
  assert.deepEqual(trace.z, [
    [0.1, 0.2, 0.3],
    [0.7, 0.8, 0.9],
    [0.4, 0.5, 0.6],
  ]);
  assert.deepEqual(trace.y, [0, 1, 2]);
  assert.equal(
    trace.text[2][2],
    'PNEUMONIA/b.jpeg<br>true pneumonia · predicted &lt;b&gt;normal<br>pneumonia: consolidation<br>cos 0.6000',
  );
});

test('a rule separates the class groups of columns, and of rows while they are in class order', () => {
  const { layout } = heatmapFigure(view(), THEME);
  const shapes = layout.shapes as Shape[];
  assert.deepEqual(
    shapes.map((s) => [s.xref, s.xref === 'x' ? s.x0 : s.y0]),
    [
      ['x', 1.5],
      ['paper', 1.5],
    ],
  );
  const classNames = (layout.annotations as Annotation[]).filter((a) => a.xref === 'x');
  assert.deepEqual(
    classNames.map((a) => [a.x, a.text]),
    [
      [0.5, '<b>&lt;b&gt;normal</b>'],
      [2, '<b>pneumonia</b>'],
    ],
  );
  const sorted = heatmapFigure(view({ byClass: false }), THEME).layout.shapes as Shape[];
  assert.deepEqual(
    sorted.map((s) => s.xref),
    ['x'],
    'no row groups when sorted by margin or a descriptor',
  );
});

test('row ticks name images and mark the misclassified; many rows are labelled by class instead', () => {
  const yaxis = (v: HeatmapView) => heatmapFigure(v, THEME).layout.yaxis as { ticktext: string[]; tickvals: number[] };
  assert.deepEqual(yaxis(view()).ticktext, ['a.jpeg', 'c.jpeg', '✗ b.jpeg']);

  const n = MAX_LABELLED_ROWS + 2;
  const many = view({
    variant: {
      predictions: Array.from({ length: n }, (_, i) => prediction(`${i}.png`, i < 20 ? 'a' : 'b', 'a')),
      similarity: Array.from({ length: n }, () => [0.5]),
      columns: [{ class: 'a', text: 'x' }],
    },
    order: Array.from({ length: n }, (_, i) => i),
    labels: ['x'],
  });
  const axis = yaxis(many);
  assert.deepEqual(axis.ticktext, ['<b>a</b>', '<b>b</b>']);
  assert.deepEqual(axis.tickvals, [9.5, (20 + n - 1) / 2]);
});

test('column ticks drop the shared prefix, which becomes the axis title', () => {
  const { layout } = heatmapFigure(view({ prefix: 'a chest x-ray showing <', labels: ['x', 'y', 'z'] }), THEME);
  const xaxis = layout.xaxis as { ticktext: string[]; title: { text: string }; showticklabels: boolean };
  assert.deepEqual(xaxis.ticktext, ['x', 'y', 'z']);
  assert.equal(xaxis.title.text, 'a chest x-ray showing &lt;…');
  assert.equal(xaxis.showticklabels, true);
  assert.equal((layout.font as { color: string }).color, THEME.fg, 'the theme colours the figure');
});
