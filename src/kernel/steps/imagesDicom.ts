// The images cell's DICOM options (window, frame).
import type { DicomDecodeOptions } from '../../protocol/dataset';
import { fieldError } from './common';
import type { StepContext } from './step';

/** The cell's `window:` and `frame:`; undefined when both are left at their defaults. */
export function readDecodeOptions(ctx: StepContext): DicomDecodeOptions | undefined {
  const o = ctx.cell.options;
  // Only a cell that sets them gets decode options (they enter the image set's hash); parseCell
  // fills in the schema's defaults, so look at what the cell wrote.
  if (!('window' in ctx.cell.positions) && !('frame' in ctx.cell.positions)) return undefined;
  let window: DicomDecodeOptions['window'] = 'auto';
  const w = o.window;
  if (w === 'auto' || w === 'minmax' || w === undefined) window = (w ?? 'auto') as 'auto' | 'minmax';
  else if (typeof w === 'object' && w !== null && !Array.isArray(w)) {
    const { center, width, ...rest } = w as Record<string, unknown>;
    if (typeof center !== 'number' || typeof width !== 'number' || !(width >= 1) || Object.keys(rest).length)
      throw fieldError(
        ctx,
        'window',
        `"window" needs a number "center" and a "width" of at least 1 (found ${JSON.stringify(w)}).`,
        'For example: window: {center: 40, width: 400}.',
      );
    window = { center, width };
  } else {
    throw fieldError(
      ctx,
      'window',
      `"window" must be auto, minmax or {center, width} (found ${JSON.stringify(w)}).`,
      'auto uses the file’s VOI LUT or first window, else the min–max of its values.',
    );
  }
  const frame = (o.frame ?? 'middle') as DicomDecodeOptions['frame'];
  return { window, frame };
}
