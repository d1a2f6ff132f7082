// The renderer of an explain cell (application/vnd.symptom-lens.explain+json): the image with its
// occlusion heatmap overlaid and the peak outlined, the prediction and its margin, and the
// descriptor bars per class. The picture is drawn on a canvas from the output's data: URI; every
// text goes in through the DOM, never as HTML.
import { classesText, classList, sameClasses } from '../protocol/classes';
import { MARGIN_DEFINITION, MULTI_LABEL_MARGIN_DEFINITION } from '../protocol/margin';
import type { ExplainResult, PixelBox } from '../protocol/results';
import { BARS_CSS, descriptorBars, type BarGroup } from './_shared/bars';
import { h, notice, safeImageSrc, section } from './_shared/dom';
import { button } from './_shared/elements';
import { basename, decimal } from './_shared/format';
import { saveImage, type SaveImage } from './_shared/exportButtons';
import { createRenderer, DataError, expectArray, expectClasses, expectObject, expectString } from './_shared/renderer';
import { readTheme, watchTheme } from './_shared/theme';

type ExplainData = ExplainResult & { thumbnail?: string };

/** CSS size of the picture's longest side: the saved JPEG is up to 224 px, shown a little larger. */
const DISPLAY_PX = 320;
/** Opacity of the hottest cell; cooler cells fade to transparent so the anatomy stays readable. */
const MAX_ALPHA = 0.6;

const CSS = `
${BARS_CSS}
.sl-explain { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
/* The picture keeps its size: the caption wraps under it instead of widening (and stretching) it. */
.sl-figure { margin: 0; display: flex; flex-direction: column; align-items: flex-start; gap: 6px; max-width: ${DISPLAY_PX + 2}px; }
.sl-figure canvas { border: 1px solid var(--sl-border); border-radius: 3px; background: var(--sl-panel); max-width: 100%; }
.sl-legend { display: flex; align-items: center; gap: 8px; font-size: 0.9em; color: var(--sl-muted); }
.sl-legend-ramp { width: 120px; height: 10px; border: 1px solid var(--sl-border); border-radius: 2px; }
.sl-evidence { flex: 1 1 360px; min-width: 280px; display: flex; flex-direction: column; gap: 12px; }
.sl-margin { font-variant-numeric: tabular-nums; }
`;

// A perceptual dark-to-bright ramp (sampled from matplotlib's "inferno"): it reads on a grey
// radiograph in light and dark themes alike, and the hottest cells are the brightest.
const RAMP: [number, number, number][] = [
  [40, 11, 84],
  [101, 21, 110],
  [159, 42, 99],
  [212, 72, 66],
  [245, 125, 21],
  [250, 193, 39],
  [252, 255, 164],
];

export const activate = createRenderer<ExplainData>({
  kind: 'explanation',
  css: CSS,
  parse(json) {
    const r = expectObject(json, 'explanation');
    expectString(r.name, 'name');
    expectString(r.image, 'image');
    expectClasses(r.predicted, 'predicted', r.multiLabel === true);
    if (r.label !== undefined) expectClasses(r.label, 'label', r.multiLabel === true);
    for (const [i, c] of expectArray(r.classes, 'classes').entries()) {
      const cls = expectObject(c, `classes[${i}]`);
      expectString(cls.class, `classes[${i}].class`);
      expectArray(cls.descriptors, `classes[${i}].descriptors`);
    }
    const occ = expectObject(r.occlusion, 'occlusion');
    const heatmap = expectArray(occ.heatmap, 'occlusion.heatmap');
    if (heatmap.length === 0 || heatmap.some((row) => !Array.isArray(row) || row.length !== heatmap.length)) {
      throw new DataError('`occlusion.heatmap` should be a square grid of numbers.');
    }
    for (const field of ['inputSize', 'stride', 'patch'] as const) {
      if (typeof occ[field] !== 'number' || !((occ[field] as number) > 0))
        throw new DataError(`\`occlusion.${field}\` should be a positive number.`);
    }
    const peak = expectObject(occ.peak, 'occlusion.peak');
    expectBox(peak.box, 'occlusion.peak.box');
    expectBox(occ.inputBox, 'occlusion.inputBox');
    expectObject(occ.target, 'occlusion.target');
    const size = expectObject(r.imageSize, 'imageSize');
    if (typeof size.width !== 'number' || typeof size.height !== 'number')
      throw new DataError('`imageSize` should have a width and a height.');
    return r as unknown as ExplainData;
  },
  render({ data, container, ctx, onDispose }) {
    container.append(
      h(
        'div',
        { class: 'sl-header' },
        h('h2', null, `Explanation · ${data.name}`),
        h(
          'p',
          { class: 'sl-subtitle', title: data.image },
          `${basename(data.image)} · image ${data.index} of score “${data.score}”, variant “${data.variant}”`,
        ),
      ),
      h('div', { class: 'sl-explain' }, figure(data, onDispose, ctx.postMessage?.bind(ctx)), evidence(data)),
    );
  },
});

function figure(data: ExplainData, onDispose: (fn: () => void) => void, post: SaveImage): HTMLElement {
  const occ = data.occlusion;
  const src = safeImageSrc(data.thumbnail);
  const { width, height } = data.imageSize;
  const scale = DISPLAY_PX / Math.max(width, height);
  const canvas = h('canvas', {
    testid: 'explain-canvas',
    attrs: {
      width: Math.round(width * scale),
      height: Math.round(height * scale),
      role: 'img',
      'aria-label': `${basename(data.image)} with the occlusion heatmap for ${occ.target.text}; the peak is at x ${Math.round(occ.peak.box[0])}–${Math.round(occ.peak.box[2])}, y ${Math.round(occ.peak.box[1])}–${Math.round(occ.peak.box[3])}`,
    },
  });
  const max = Math.max(0, ...occ.heatmap.flat().filter(Number.isFinite));
  let showHeatmap = true;
  const picture = new Image();
  const draw = () => {
    const g = canvas.getContext('2d');
    if (!g) return;
    const theme = readTheme(canvas);
    g.clearRect(0, 0, canvas.width, canvas.height);
    if (picture.complete && picture.naturalWidth > 0) g.drawImage(picture, 0, 0, canvas.width, canvas.height);
    if (showHeatmap && max > 0) drawHeatmap(g, occ, scale, max);
    outline(g, occ.peak.box, scale, theme.accent);
  };
  if (src) {
    picture.addEventListener('load', draw);
    picture.src = src;
  }
  // Once the canvas is in the shadow root, where the theme's colours can be read from it.
  queueMicrotask(draw);
  onDispose(watchTheme(draw));

  const toggle = document.createElement('vscode-checkbox');
  toggle.label = 'Heatmap';
  toggle.checked = true;
  toggle.dataset.testid = 'heatmap-toggle';
  toggle.addEventListener('change', () => {
    showHeatmap = toggle.checked;
    draw();
  });
  return h(
    'figure',
    { class: 'sl-figure' },
    src ? null : notice('The picture was not saved with this output; the heatmap is drawn alone.', 'info'),
    canvas,
    h(
      'figcaption',
      { class: 'sl-legend' },
      toggle,
      button('PNG', () => saveImage(`explain-${data.name}`, canvas.toDataURL('image/png'), post), {
        secondary: true,
        title: 'Save the picture with its heatmap as PNG',
        testid: 'explain-png',
      }),
      h('span', {
        class: 'sl-legend-ramp',
        style: {
          background: `linear-gradient(to right, ${RAMP.map(([r, g, b]) => `rgb(${r}, ${g}, ${b})`).join(', ')})`,
        },
      }),
      h('span', { testid: 'heatmap-range' }, `0 – ${decimal(max, 4)} drop`),
    ),
    h(
      'p',
      { class: 'sl-help' },
      `Grey ${occ.patch}-px patches every ${occ.stride} px (model-input pixels); colour = how much cos(image, “${occ.target.text}”) falls, from ${decimal(occ.baseline, 4)}, when the patches covering a cell are grey. Outlined: the peak cell.`,
    ),
  );
}

/** Heatmap cells as blocks over the part of the picture the model saw; only drops are coloured. */
function drawHeatmap(g: CanvasRenderingContext2D, occ: ExplainData['occlusion'], scale: number, max: number): void {
  const rows = occ.heatmap.length;
  const cols = occ.heatmap[0].length;
  const cells = document.createElement('canvas');
  cells.width = cols;
  cells.height = rows;
  const cg = cells.getContext('2d');
  if (!cg) return;
  const pixels = cg.createImageData(cols, rows);
  occ.heatmap.forEach((row, r) =>
    row.forEach((value, c) => {
      const t = Number.isFinite(value) ? Math.min(1, Math.max(0, value / max)) : 0;
      const [red, green, blue] = rampColour(t);
      const at = (r * cols + c) * 4;
      pixels.data.set([red, green, blue, Math.round(255 * MAX_ALPHA * t)], at);
    }),
  );
  cg.putImageData(pixels, 0, 0);
  // Input pixels → original pixels → canvas pixels. The last row/column of cells may run past the
  // input's edge (a side that is no multiple of the stride): the clip trims it.
  const [x0, y0, x1, y1] = occ.inputBox;
  const perInputX = ((x1 - x0) / occ.inputSize) * scale;
  const perInputY = ((y1 - y0) / occ.inputSize) * scale;
  g.save();
  g.beginPath();
  g.rect(x0 * scale, y0 * scale, (x1 - x0) * scale, (y1 - y0) * scale);
  g.clip();
  // Blocks, not a blur: the map's resolution is the stride, and it should look like it.
  g.imageSmoothingEnabled = false;
  g.drawImage(cells, x0 * scale, y0 * scale, cols * occ.stride * perInputX, rows * occ.stride * perInputY);
  g.restore();
}

function outline(g: CanvasRenderingContext2D, box: PixelBox, scale: number, colour: string): void {
  const [x0, y0, x1, y1] = box.map((v) => v * scale);
  g.save();
  g.lineWidth = 2;
  // A dark halo under the theme colour keeps the outline visible on bright and dark tissue.
  g.strokeStyle = 'rgba(0, 0, 0, 0.7)';
  g.strokeRect(x0 - 1, y0 - 1, x1 - x0 + 2, y1 - y0 + 2);
  g.strokeStyle = colour;
  g.strokeRect(x0, y0, x1 - x0, y1 - y0);
  g.restore();
}

function rampColour(t: number): [number, number, number] {
  const x = t * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  return [0, 1, 2].map((k) => Math.round(RAMP[i][k] + f * (RAMP[i + 1][k] - RAMP[i][k]))) as [number, number, number];
}

function evidence(data: ExplainData): HTMLElement {
  const predicted = new Set(classList(data.predicted));
  const truth = new Set(data.label === undefined ? [] : classList(data.label));
  const groups: BarGroup[] = data.classes.map((c) => ({
    label: c.class,
    score: c.score,
    role: predicted.has(c.class) ? (truth.has(c.class) ? 'both' : 'predicted') : truth.has(c.class) ? 'true' : 'other',
    items: c.descriptors.map((d) => ({ text: d.text, value: d.similarity })),
  }));
  const definition = (data.multiLabel ? MULTI_LABEL_MARGIN_DEFINITION : MARGIN_DEFINITION).replace('margin = ', '');
  const correct = data.label === undefined ? undefined : sameClasses(data.label, data.predicted);
  return h(
    'div',
    { class: 'sl-evidence' },
    h(
      'dl',
      { class: 'sl-kv', testid: 'explain-summary' },
      h(
        'div',
        null,
        h('dt', null, 'predicted'),
        h(
          'dd',
          { class: correct === undefined ? '' : correct ? 'sl-good-text' : 'sl-bad-text' },
          classesText(data.predicted),
        ),
      ),
      data.label !== undefined
        ? h('div', null, h('dt', null, 'true class'), h('dd', null, classesText(data.label)))
        : null,
      data.runnerUp !== null
        ? h(
            'div',
            null,
            h('dt', null, 'runner-up'),
            h(
              'dd',
              { testid: 'explain-runner-up' },
              `${data.runnerUp} (−${decimal(data.classes[0].score - data.classes[1].score, 4)})`,
            ),
          )
        : null,
      data.margin !== null
        ? h(
            'div',
            null,
            h('dt', null, 'margin', h('span', { class: 'sl-muted' }, ` (${definition})`)),
            h('dd', { class: 'sl-margin', testid: 'explain-margin' }, decimal(data.margin, 4)),
          )
        : null,
    ),
    section(
      'sl-class-bars',
      'Descriptor similarities per class',
      'Cosine of the image with each descriptor, highest first; classes by score.',
      h('div', { testid: 'explain-bars' }, descriptorBars(groups)),
    ),
  );
}

function expectBox(value: unknown, field: string): void {
  if (!Array.isArray(value) || value.length !== 4 || value.some((v) => typeof v !== 'number'))
    throw new DataError(`\`${field}\` should be four numbers [x0, y0, x1, y1].`);
}
