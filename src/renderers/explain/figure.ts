// The explain output's pictures: the image with a heatmap per method (occlusion, and patch tokens
// where the model exports them) side by side, one target select that switches every map among the
// classes and descriptors the kernel mapped, an opacity slider, and the hottest cell outlined. All
// maps travel in the output, so switching redraws here without running anything.
import type { ExplainMap, ExplainResult, PixelBox } from '../../protocol/results';
import { h, notice, safeImageSrc } from '../_shared/dom';
import { button } from '../_shared/elements';
import { basename, decimal } from '../_shared/format';
import { saveImage, type SaveImage } from '../_shared/exportButtons';
import { readTheme, watchTheme } from '../_shared/theme';

export type ExplainData = ExplainResult & { thumbnail?: string };

/** CSS size of the picture's longest side: the saved JPEG is up to 224 px, shown a little larger. */
export const DISPLAY_PX = 320;
/** The hottest cell's opacity until the slider moves; cooler cells fade towards transparent. */
const DEFAULT_OPACITY = 0.6;

export const FIGURE_CSS = `
.sl-figures { display: flex; flex-direction: column; gap: 8px; }
.sl-figure-row { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
/* The picture keeps its size: the caption wraps under it instead of widening (and stretching) it. */
.sl-figure { margin: 0; display: flex; flex-direction: column; align-items: flex-start; gap: 6px; max-width: ${DISPLAY_PX + 2}px; }
.sl-figure canvas { border: 1px solid var(--sl-border); border-radius: 3px; background: var(--sl-panel); max-width: 100%; }
.sl-figure h3 { margin: 0; font-size: 1em; }
.sl-map-controls { display: flex; flex-wrap: wrap; align-items: center; gap: 12px; }
.sl-map-controls label { display: flex; align-items: center; gap: 6px; }
.sl-map-controls select { max-width: 320px; color: var(--vscode-dropdown-foreground, inherit); background: var(--vscode-dropdown-background, transparent); border: 1px solid var(--vscode-dropdown-border, var(--sl-border)); border-radius: 2px; padding: 2px 4px; font: inherit; }
.sl-legend { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; font-size: 0.9em; color: var(--sl-muted); }
.sl-legend-ramp { width: 120px; height: 10px; border: 1px solid var(--sl-border); border-radius: 2px; }
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

const METHOD_TITLE: Record<ExplainMap['method'], string> = {
  occlusion: 'Occlusion',
  'patch-tokens': 'Patch-token similarity',
};

/** The output's maps; an output saved before maps were listed has only its occlusion target's. */
function mapsOf(data: ExplainData): ExplainMap[] {
  if (data.maps?.length) return data.maps;
  const occ = data.occlusion;
  const { row, col, drop, box } = occ.peak;
  return [
    {
      method: 'occlusion',
      target: { kind: occ.target.kind, class: occ.target.class, text: occ.target.text },
      baseline: occ.baseline,
      cell: occ.stride,
      heatmap: occ.heatmap,
      peak: { row, col, value: drop, box },
    },
  ];
}

const targetKey = (t: ExplainMap['target']) => `${t.kind}\u0000${t.class}\u0000${t.text}`;

export function figures(data: ExplainData, onDispose: (fn: () => void) => void, post: SaveImage): HTMLElement {
  const maps = mapsOf(data);
  const methods = [...new Set(maps.map((m) => m.method))];
  // Targets in the kernel's order (each class, then its descriptors), once each.
  const targets = [...new Map(maps.map((m) => [targetKey(m.target), m.target])).values()];
  let selected = targetKey(data.occlusion.target);
  if (!targets.some((t) => targetKey(t) === selected)) selected = targetKey(targets[0]);
  let opacity = DEFAULT_OPACITY;
  let showHeatmap = true;

  const src = safeImageSrc(data.thumbnail);
  const picture = new Image();
  const panels = methods.map((method) => methodPanel(data, method, post));
  const draw = () => {
    for (const panel of panels) {
      const map = maps.find((m) => m.method === panel.method && targetKey(m.target) === selected);
      panel.draw(picture, map, showHeatmap ? opacity : 0);
    }
  };
  if (src) {
    picture.addEventListener('load', draw);
    picture.src = src;
  }
  // Once the canvases are in the shadow root, where the theme's colours can be read from them.
  queueMicrotask(draw);
  onDispose(watchTheme(draw));

  const select: HTMLSelectElement = h('select', {
    testid: 'explain-target',
    attrs: { 'aria-label': 'Target class or descriptor of the maps' },
    on: {
      change: () => {
        selected = select.value;
        draw();
      },
    },
  });
  for (const t of targets.filter((x) => x.kind === 'class')) {
    const group = h('optgroup', { attrs: { label: `Class ${t.class}` } });
    for (const x of targets.filter((y) => y.class === t.class))
      group.append(h('option', { attrs: { value: targetKey(x) } }, x.kind === 'class' ? `${x.class} (class)` : x.text));
    select.append(group);
  }
  // A written target whose class has no class entry (not expected, but not lost either).
  for (const x of targets.filter((y) => !targets.some((t) => t.kind === 'class' && t.class === y.class)))
    select.append(h('option', { attrs: { value: targetKey(x) } }, x.text));
  select.value = selected;

  const shown = h('span', { class: 'sl-muted' }, `${Math.round(DEFAULT_OPACITY * 100)} %`);
  const slider: HTMLInputElement = h('input', {
    testid: 'heatmap-opacity',
    attrs: { type: 'range', min: 0, max: 100, step: 5, value: Math.round(DEFAULT_OPACITY * 100) },
    on: {
      input: () => {
        opacity = Number(slider.value) / 100;
        shown.textContent = `${slider.value} %`;
        draw();
      },
    },
  });
  const toggle = document.createElement('vscode-checkbox');
  toggle.label = 'Heatmap';
  toggle.checked = true;
  toggle.dataset.testid = 'heatmap-toggle';
  toggle.addEventListener('change', () => ((showHeatmap = toggle.checked), draw()));

  return h(
    'div',
    { class: 'sl-figures' },
    src ? null : notice('The picture was not saved with this output; the heatmap is drawn alone.', 'info'),
    h(
      'div',
      { class: 'sl-map-controls' },
      h('label', null, 'Target', select),
      h('label', null, 'Opacity', slider, shown),
      toggle,
    ),
    h('div', { class: 'sl-figure-row' }, ...panels.map((p) => p.element)),
    data.patchTokens && !data.patchTokens.available
      ? h('p', { class: 'sl-help', testid: 'patch-tokens-reason' }, data.patchTokens.reason)
      : null,
  );
}

interface MethodPanel {
  method: ExplainMap['method'];
  element: HTMLElement;
  draw(picture: HTMLImageElement, map: ExplainMap | undefined, opacity: number): void;
}

function methodPanel(data: ExplainData, method: ExplainMap['method'], post: SaveImage): MethodPanel {
  const { width, height } = data.imageSize;
  const scale = DISPLAY_PX / Math.max(width, height);
  const suffix = method === 'occlusion' ? '' : `-${method}`;
  const canvas = h('canvas', {
    testid: `explain-canvas${suffix}`,
    attrs: { width: Math.round(width * scale), height: Math.round(height * scale), role: 'img' },
  });
  const range = h('span', { testid: `heatmap-range${suffix}` });
  const help = h('p', { class: 'sl-help' });
  const occ = data.occlusion;
  const draw = (picture: HTMLImageElement, map: ExplainMap | undefined, opacity: number) => {
    const g = canvas.getContext('2d');
    if (!g) return;
    g.clearRect(0, 0, canvas.width, canvas.height);
    if (picture.complete && picture.naturalWidth > 0) g.drawImage(picture, 0, 0, canvas.width, canvas.height);
    if (!map) {
      range.textContent = 'no map for this target';
      return;
    }
    const { low, high } = colourRange(map);
    if (opacity > 0 && high > low) drawHeatmap(g, map, data.occlusion, scale, low, high, opacity);
    outline(g, map.peak.box, scale, readTheme(canvas).accent);
    const [x0, y0, x1, y1] = map.peak.box.map(Math.round);
    canvas.setAttribute(
      'aria-label',
      `${basename(data.image)} with the ${METHOD_TITLE[method].toLowerCase()} heatmap for ${map.target.text}; the peak is at x ${x0}–${x1}, y ${y0}–${y1}`,
    );
    range.textContent =
      method === 'occlusion' ? `0 – ${decimal(high, 4)} drop` : `${decimal(low, 4)} – ${decimal(high, 4)} cos`;
    help.textContent =
      method === 'occlusion'
        ? `Grey ${occ.patch}-px patches every ${occ.stride} px (model-input pixels); colour = how much cos(image, “${map.target.text}”) falls, from ${decimal(map.baseline, 4)}, when the patches covering a cell are grey. Outlined: the peak cell.`
        : `Each ${map.cell}-px patch token, projected like the image embedding; colour = its cosine with “${map.target.text}” (the whole image: ${decimal(map.baseline, 4)}), lowest to highest. Outlined: the peak token.`;
  };
  const element = h(
    'figure',
    { class: 'sl-figure', testid: `explain-figure-${method}` },
    h('h3', null, METHOD_TITLE[method]),
    canvas,
    h(
      'figcaption',
      { class: 'sl-legend' },
      button('PNG', () => saveImage(`explain-${data.name}${suffix}`, canvas.toDataURL('image/png'), post), {
        secondary: true,
        title: 'Save the picture with its heatmap as PNG',
        testid: `explain-png${suffix}`,
      }),
      h('span', {
        class: 'sl-legend-ramp',
        style: {
          background: `linear-gradient(to right, ${RAMP.map(([r, g, b]) => `rgb(${r}, ${g}, ${b})`).join(', ')})`,
        },
      }),
      range,
    ),
    help,
  );
  return { method, element, draw };
}

/**
 * What the ramp spans. Occlusion: drops from 0 up (a rise in similarity is not evidence, so it
 * stays uncoloured). Patch tokens: cosines from the lowest token to the highest.
 */
function colourRange(map: ExplainMap): { low: number; high: number } {
  const values = map.heatmap.flat().filter(Number.isFinite);
  if (map.method === 'occlusion') return { low: 0, high: Math.max(0, ...values) };
  return { low: Math.min(...values), high: Math.max(...values) };
}

/** Heatmap cells as blocks over the part of the picture the model saw. */
function drawHeatmap(
  g: CanvasRenderingContext2D,
  map: ExplainMap,
  input: Pick<ExplainData['occlusion'], 'inputBox' | 'inputSize'>,
  scale: number,
  low: number,
  high: number,
  opacity: number,
): void {
  const rows = map.heatmap.length;
  const cols = map.heatmap[0].length;
  const cells = document.createElement('canvas');
  cells.width = cols;
  cells.height = rows;
  const cg = cells.getContext('2d');
  if (!cg) return;
  const pixels = cg.createImageData(cols, rows);
  map.heatmap.forEach((row, r) =>
    row.forEach((value, c) => {
      const t = Number.isFinite(value) ? Math.min(1, Math.max(0, (value - low) / (high - low))) : 0;
      const [red, green, blue] = rampColour(t);
      pixels.data.set([red, green, blue, Math.round(255 * opacity * t)], (r * cols + c) * 4);
    }),
  );
  cg.putImageData(pixels, 0, 0);
  // Input pixels → original pixels → canvas pixels. The last row/column of cells may run past the
  // input's edge (a side that is no multiple of the cell): the clip trims it.
  const [x0, y0, x1, y1] = input.inputBox;
  const perInputX = ((x1 - x0) / input.inputSize) * scale;
  const perInputY = ((y1 - y0) / input.inputSize) * scale;
  g.save();
  g.beginPath();
  g.rect(x0 * scale, y0 * scale, (x1 - x0) * scale, (y1 - y0) * scale);
  g.clip();
  // Blocks, not a blur: the map's resolution is the cell, and it should look like it.
  g.imageSmoothingEnabled = false;
  g.drawImage(cells, x0 * scale, y0 * scale, cols * map.cell * perInputX, rows * map.cell * perInputY);
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
