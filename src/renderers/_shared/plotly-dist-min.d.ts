// The part of plotly.js the renderers use (the package ships no types; @types/plotly.js would
// describe far more than this and drift from the bundled version).
declare module 'plotly.js-dist-min' {
  export type PlotData = Record<string, unknown>;
  export type Layout = Record<string, unknown>;
  export type Config = Record<string, unknown>;

  export interface PlotMouseEvent {
    points: { x: unknown; y: unknown; z?: unknown; pointIndex?: number | number[]; data: PlotData }[];
    /** The mouse event of the click (where on the page it was). */
    event?: MouseEvent;
  }

  /** A graph div after plotting: plotly keeps the drawn traces on it. */
  export interface PlotlyHTMLElement extends HTMLElement {
    data: PlotData[];
    layout: Layout;
    on(event: 'plotly_click' | 'plotly_hover', handler: (ev: PlotMouseEvent) => void): void;
    removeAllListeners(event: string): void;
  }

  export function react(
    el: HTMLElement,
    data: PlotData[],
    layout?: Layout,
    config?: Config,
  ): Promise<PlotlyHTMLElement>;
  export function purge(el: HTMLElement): void;
  /** A data: URL of a drawn graph div or of a figure (drawn off-screen). */
  export function toImage(
    source: HTMLElement | { data: PlotData[]; layout?: Layout },
    options: { format: 'png' | 'svg' | 'jpeg' | 'webp'; width: number; height: number; scale?: number },
  ): Promise<string>;

  const Plotly: { react: typeof react; purge: typeof purge; toImage: typeof toImage };
  export default Plotly;
}
