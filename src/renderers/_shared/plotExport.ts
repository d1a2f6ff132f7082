// PNG and SVG of a chart through Plotly's own export (Plotly.toImage), saved as exportButtons.ts
// saves any image.
import Plotly, { type Layout, type PlotData, type PlotlyHTMLElement } from 'plotly.js-dist-min';
import { h } from './dom';
import { saveImage, type SaveImage } from './exportButtons';
import { button } from './elements';
import { readTheme } from './theme';

/** A drawn chart, or a figure to draw off-screen just for the image. */
export type ImageSource = HTMLElement | { data: PlotData[]; layout: Layout };

export async function chartImage(source: ImageSource, format: 'png' | 'svg'): Promise<string> {
  const drawn = source instanceof HTMLElement ? (source as PlotlyHTMLElement) : undefined;
  const figure = drawn ? { data: drawn.data, layout: drawn.layout } : (source as Exclude<ImageSource, HTMLElement>);
  const size = (key: 'width' | 'height', fallback: number) => {
    const value = drawn ? drawn[key === 'width' ? 'clientWidth' : 'clientHeight'] : figure.layout[key];
    return typeof value === 'number' && value > 0 ? value : fallback;
  };
  // The charts draw on a transparent page; an image gets the editor's background so that light
  // text from a dark theme stays readable wherever the file goes.
  const background = drawn ? readTheme(drawn).bg : undefined;
  const layout = background ? { ...figure.layout, paper_bgcolor: background, plot_bgcolor: background } : figure.layout;
  // PNG at twice the screen size stays sharp in a paper; SVG is resolution-free.
  return Plotly.toImage(
    { data: figure.data, layout },
    { format, width: size('width', 900), height: size('height', 600), scale: format === 'png' ? 2 : 1 },
  );
}

/** "PNG" and "SVG" buttons for a chart; `source()` is read at click time (the chart may have been redrawn). */
export function imageButtons(name: string, source: () => ImageSource, post: SaveImage, testid: string): HTMLElement {
  const save = (format: 'png' | 'svg') => async () => saveImage(name, await chartImage(source(), format), post);
  return h(
    'span',
    { class: 'sl-export', testid },
    button('PNG', () => void save('png')(), { secondary: true, title: `Save this chart as PNG (${name}.png)` }),
    button('SVG', () => void save('svg')(), { secondary: true, title: `Save this chart as SVG (${name}.svg)` }),
  );
}
