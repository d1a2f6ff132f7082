// The score renderer's styles, added after the shared base (theme.ts).
import { BARS_CSS } from '../_shared/bars';
import { IMPORTANCE_CSS } from './importance';

export const SCORE_CSS = `
${BARS_CSS}
${IMPORTANCE_CSS}
.sl-header { display: flex; flex-direction: column; }
.sl-export, .sl-export-bar { display: inline-flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.sl-export-bar { margin-top: 8px; }
.sl-flags > summary { cursor: pointer; padding: 4px 10px; background: var(--sl-panel); border-left: 3px solid var(--sl-warn); border-radius: 2px; }
.sl-flag-group h4 { margin: 8px 0 4px; font-size: 0.9em; }
.sl-flag-group ul { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 4px; }
.sl-flag { display: flex; gap: 8px; align-items: baseline; padding: 4px 10px; background: var(--sl-panel); border-left: 3px solid var(--sl-accent); border-radius: 2px; }
.sl-flag.sl-warning { border-left-color: var(--sl-warn); }
.sl-flag.sl-error { border-left-color: var(--sl-bad); }
.sl-flag-kind { font-weight: 600; text-transform: uppercase; font-size: 0.8em; letter-spacing: 0.04em; min-width: 5.5em; }
.sl-comparison-table tbody tr { cursor: pointer; }
.sl-comparison-table tbody tr:hover { background: var(--sl-hover); }
.sl-comparison-table tr.sl-current td:first-child { box-shadow: inset 3px 0 0 var(--sl-accent); }
.sl-comparison-table td.sl-best { font-weight: 700; color: var(--sl-accent); }
.sl-comparison-table td.sl-best .sl-value::before { content: '▲ '; font-size: 0.75em; }
.sl-th-detail { display: block; font-weight: normal; color: var(--sl-fg); max-width: 14em; overflow: hidden; text-overflow: ellipsis; margin-left: auto; }
.sl-comparison-table th { padding: 4px 8px; vertical-align: bottom; }
.sl-comparison-table td { padding: 4px 8px; vertical-align: top; }
.sl-ci { display: block; font-size: 0.78em; color: var(--sl-muted); font-weight: normal; white-space: nowrap; }
.sl-comparison-table .sl-paired { border-left: 1px solid var(--sl-border); }
/* The name and the comparison against the first variant stay in view while the metric columns
   scroll sideways under them (a narrow output: VS Code's side bar open). McNemar has a fixed
   width so that Δ mean AUROC can be pinned just left of it. */
.sl-comparison-table td:first-child, .sl-comparison-table th:first-child, .sl-comparison-table .sl-paired { position: sticky; background: var(--sl-bg); z-index: 1; }
.sl-comparison-table td:first-child, .sl-comparison-table th:first-child { left: 0; max-width: 16em; overflow: hidden; text-overflow: ellipsis; }
.sl-comparison-table .sl-paired { right: 0; }
.sl-comparison-table .sl-paired.sl-mcnemar { width: 8.5em; min-width: 8.5em; max-width: 8.5em; }
.sl-comparison-table .sl-paired.sl-delta:not(:nth-last-child(1)) { right: 8.5em; }
.sl-comparison-table tbody tr:hover > :is(td:first-child, .sl-paired) { background: linear-gradient(var(--sl-hover), var(--sl-hover)), var(--sl-bg); }
/* The shadow to the right covers the sliver a collapsed border leaves between the two pinned columns. */
.sl-comparison-table .sl-paired.sl-delta { box-shadow: inset 1px 0 0 var(--sl-border), 8px 0 0 var(--sl-bg); }
.sl-comparison-table td.sl-paired.sl-muted { vertical-align: middle; font-style: italic; }
.sl-comparison-table td.sl-excludes-zero .sl-value { font-weight: 700; }
.sl-comparison-table .sl-p { margin-left: 0.6em; font-size: 0.8em; color: var(--sl-muted); font-weight: normal; }
.sl-comparison-table tr:not(.sl-control) + tr.sl-control td { border-top: 1px dashed var(--sl-muted); }
.sl-control-name { font-style: italic; }
.sl-control-badge { display: inline-block; margin-right: 6px; padding: 0 6px; border: 1px solid var(--sl-warn); border-radius: 8px; color: var(--sl-warn); font-size: 0.78em; line-height: 1.4; vertical-align: 1px; }
.sl-run dd[data-testid="encoded"] { font-variant-numeric: tabular-nums; }
.sl-variant { display: flex; flex-direction: column; gap: 16px; padding-top: 10px; }
.sl-heading-row { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 8px; }
.sl-heading-row h3 { margin: 0; }
.sl-confusion th.sl-axis { color: var(--sl-muted); font-weight: normal; font-style: italic; }
.sl-confusion td { padding: 2px; text-align: center; border: none; }
.sl-confusion-cell { min-width: 64px; height: 40px; width: 100%; border: 1px solid var(--sl-border); border-radius: 3px; color: var(--sl-fg); font: inherit; cursor: pointer;
  background: color-mix(in srgb, var(--sl-cell) calc(var(--sl-intensity) * 75%), transparent); display: flex; flex-direction: column; align-items: center; justify-content: center; line-height: 1.1; }
.sl-confusion-cell.sl-diagonal { --sl-cell: var(--sl-good); }
.sl-confusion-cell.sl-off { --sl-cell: var(--sl-bad); }
.sl-confusion-cell .sl-count { font-weight: 600; font-size: 1.05em; }
.sl-confusion-cell .sl-rate { font-size: 0.78em; color: var(--sl-muted); }
.sl-confusion-cell:hover { outline: 1px solid var(--sl-focus); }
.sl-confusion-cell.sl-selected { outline: 2px solid var(--sl-focus); outline-offset: 1px; }
.sl-heatmap { width: 100%; min-height: 200px; }
.sl-gallery-area { container-type: inline-size; }
.sl-gallery-body { display: grid; grid-template-columns: 1fr; gap: 12px; align-items: start; }
.sl-gallery-body.sl-with-detail .sl-detail { order: -1; }
@container (min-width: 820px) {
  .sl-gallery-body.sl-with-detail { grid-template-columns: minmax(0, 1fr) minmax(380px, 520px); }
  .sl-gallery-body.sl-with-detail .sl-detail { order: 0; }
}
.sl-filter { display: flex; gap: 10px; align-items: center; margin: 0 0 8px; }
.sl-gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 8px; }
.sl-card { display: flex; flex-direction: column; gap: 6px; padding: 8px; border: 1px solid var(--sl-border); border-radius: 4px; cursor: pointer; background: var(--sl-panel); min-width: 0; }
.sl-card:hover { background: var(--sl-hover); }
.sl-card.sl-selected { border-color: var(--sl-focus); box-shadow: 0 0 0 1px var(--sl-focus); }
.sl-card-top { display: flex; gap: 8px; min-width: 0; }
.sl-card-meta { display: flex; flex-direction: column; min-width: 0; gap: 1px; }
.sl-card-action { align-self: flex-end; }
.sl-card-meta > span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.sl-card-name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.sl-label-row { display: flex; gap: 6px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.sl-label-row .sl-k { color: var(--sl-muted); min-width: 4.4em; flex: none; }
.sl-label-row > span:last-child { overflow: hidden; text-overflow: ellipsis; }
.sl-drivers { font-size: 0.88em; display: flex; flex-direction: column; gap: 2px; border-top: 1px solid var(--sl-border); padding-top: 4px; }
.sl-driver { display: flex; gap: 6px; min-width: 0; }
.sl-driver .sl-k { flex: none; color: var(--sl-muted); }
.sl-driver .sl-v { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.sl-more { margin-top: 8px; }
.sl-detail { border: 1px solid var(--sl-border); border-radius: 4px; padding: 10px 12px; background: var(--sl-panel); display: flex; flex-direction: column; gap: 10px; min-width: 0; }
.sl-detail-head { display: flex; gap: 12px; align-items: flex-start; }
.sl-detail-head .sl-thumb { width: 128px; height: 128px; }
.sl-detail-head .sl-card-meta { flex: 1; }
.sl-detail-actions { margin-left: auto; display: flex; flex-direction: column; gap: 6px; }
/* The detail panel names the image and its classes in full: they wrap rather than being cut. */
.sl-detail .sl-card-meta > span, .sl-detail .sl-card-name, .sl-detail .sl-label-row, .sl-detail .sl-label-row > span:last-child { white-space: normal; overflow: visible; overflow-wrap: anywhere; }
.sl-detail:focus { outline: none; }
.sl-heatmap-wrap { position: relative; }
.sl-heatmap-detail { position: absolute; right: 0; width: min(520px, 100%); z-index: 2; box-shadow: 0 4px 16px rgba(0, 0, 0, 0.3); }
.sl-heatmap-detail .sl-detail { background: var(--sl-bg); }
.sl-disagreements th, .sl-disagreements td { text-align: left; }
.sl-disagreements td { vertical-align: middle; }
.sl-disagreements td .sl-thumb { width: 40px; height: 40px; }
.sl-disagreement { cursor: pointer; }
.sl-disagreement:hover, .sl-disagreement[aria-expanded="true"] { background: var(--sl-hover); }
.sl-evidence-row > td { white-space: normal; text-align: left; padding: 8px 10px 14px; }
.sl-disagreements table { width: 100%; }
.sl-evidence-pair { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
.sl-evidence-side > h4 { margin-bottom: 6px; }
.sl-image-cell { display: flex; gap: 8px; align-items: center; max-width: 320px; overflow: hidden; text-overflow: ellipsis; }
.sl-versus { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-bottom: 8px; }
.sl-tally { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 0 0 8px; color: var(--sl-muted); }
.sl-tally b { color: var(--sl-fg); }
.sl-variant-changes h4 { margin: 10px 0 4px; }
.sl-better { color: var(--sl-good); }
.sl-worse { color: var(--sl-bad); }
.sl-descriptor-diff { list-style: none; padding: 0; margin: 6px 0; font-family: var(--vscode-editor-font-family, monospace); }
.sl-added { color: var(--sl-good); }
.sl-removed { color: var(--sl-bad); }
.sl-flips { display: flex; flex-wrap: wrap; gap: 10px; }
.sl-flip { width: 180px; font-size: 0.9em; border-left: 3px solid var(--sl-muted); padding-left: 6px; }
.sl-flip.sl-good { border-left-color: var(--sl-good); }
.sl-flip.sl-bad { border-left-color: var(--sl-bad); }
.sl-flip-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
`;
