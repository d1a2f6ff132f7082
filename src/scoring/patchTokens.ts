// Patch-token similarity maps (docs/methods.md, "Explanations"): the cosine of each patch token,
// projected into the joint space the way the pooled image is, with a target text. One encoding of
// the image gives the map of every target. A ViT's leading class token is not a patch: a grid of
// g² + 1 tokens drops the first.
//
//   const grid = patchGrid(tokens.length);            // side of the token grid, or undefined
//   const maps = patchTokenMaps(tokens, size, targets); // one map per target
import { heatmapPeak, type OcclusionPeak } from './occlusion';
import { dot } from './vectors';

export interface PatchTokenMap {
  /** heatmap[r][c] = cos(token of grid cell (r, c), target). */
  heatmap: number[][];
  peak: OcclusionPeak;
}

/** The token grid: g for g² tokens, or g² + 1 with a class token first; undefined for neither. */
export function patchGrid(tokens: number): { side: number; skip: number } | undefined {
  for (const skip of [0, 1]) {
    const side = Math.round(Math.sqrt(tokens - skip));
    if (side > 0 && side * side === tokens - skip) return { side, skip };
  }
  return undefined;
}

/**
 * One map per target from L2-normalised tokens (row by row) and L2-normalised targets, over a
 * `size`-pixel model input: a cell is size / g pixels. Throws when the tokens make no square grid.
 */
export function patchTokenMaps(
  tokens: readonly ArrayLike<number>[],
  size: number,
  targets: readonly ArrayLike<number>[],
): { side: number; cell: number; maps: PatchTokenMap[] } {
  const grid = patchGrid(tokens.length);
  if (!grid) throw new Error(`${tokens.length} patch tokens make no square grid (nor one with a class token first)`);
  const cell = size / grid.side;
  const maps = targets.map((target) => {
    // The tokens are rows of one tensor: the first one's length is every one's.
    if (target.length !== tokens[0].length)
      throw new Error(`A patch token has ${tokens[0].length} values but the target ${target.length}`);
    const heatmap = Array.from({ length: grid.side }, (_, r) =>
      Array.from({ length: grid.side }, (_, c) => dot(tokens[grid.skip + r * grid.side + c], target)),
    );
    return { heatmap, peak: heatmapPeak(heatmap, size, cell) };
  });
  return { side: grid.side, cell, maps };
}
