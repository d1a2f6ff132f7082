// The renderer of a score cell (application/vnd.symptom-lens.score+json): the variants side by
// side with their paired comparison against the first and the controls marked, then for the
// chosen variant its confusion matrix, similarity heatmap and failure cases, linked (a confusion
// cell filters the gallery, a card or heatmap row opens the image's evidence), and the images on
// which two variants disagree. Multi-label sets have no confusion matrix: each class is its own
// yes/no question, and a failure is an image whose predicted classes differ from its labels.
import { append, clear, h, section } from '../_shared/dom';
import { tabBar } from '../_shared/elements';
import { createRenderer } from '../_shared/renderer';
import { Thumbnails } from '../_shared/thumbnails';
import { runHistory, whatChanged } from './changes';
import { comparisonHelp, comparisonTable } from './comparison';
import { parseScore, type Score } from './data';
import { disagreements } from './disagreements';
import { exportBar } from './export';
import { importanceSection } from './importance';
import { VariantPanel } from './panel';
import { SCORE_CSS } from './styles';
import { flagList, header, perImageNote, runSummary } from './summary';
import { rowsChannel } from './rows';

export const activate = createRenderer<Score>({
  kind: 'score output',
  css: SCORE_CSS,
  parse: parseScore,
  render({ data, container, root, ctx, onDispose }) {
    const thumbs = new Thumbnails(data.thumbnails, ctx, onDispose);
    const channel = rowsChannel(ctx);
    const variantArea = h('div', { class: 'sl-variant' });
    let panel: VariantPanel | undefined;
    let tabs: ReturnType<typeof tabBar> | undefined;
    const table = comparisonTable(data, (i) => select(i));
    const select = (i: number) => {
      panel?.dispose();
      clear(variantArea);
      panel = new VariantPanel(data, i, thumbs, root, ctx.postMessage?.bind(ctx), channel);
      variantArea.appendChild(panel.el);
      const importance = importanceSection(data.variants[i], ctx.postMessage?.bind(ctx));
      if (importance) variantArea.appendChild(importance);
      void panel.drawHeatmap();
      for (const row of table.querySelectorAll('tbody tr'))
        row.classList.toggle('sl-current', Number((row as HTMLElement).dataset.index) === i);
      if (tabs && tabs.selectedIndex !== i) tabs.selectedIndex = i;
    };
    onDispose(() => panel?.dispose());

    append(
      container,
      header(data),
      perImageNote(data, !!channel),
      data.flags?.length ? flagList(data.flags) : null,
      whatChanged(data, thumbs),
      runHistory(data),
    );
    container.appendChild(
      section(
        'sl-comparison',
        'Variants',
        comparisonHelp(data),
        h('div', { class: 'sl-scroll' }, table),
        exportBar(data, ctx.postMessage?.bind(ctx)),
      ),
    );
    if (data.run) container.appendChild(runSummary(data.run));
    const names = data.variants.map((v) => v.name);
    if (names.length > 1) {
      tabs = tabBar(names, 0, select, 'variant-tabs');
      container.appendChild(h('div', { class: 'sl-section' }, tabs, variantArea));
    } else {
      container.appendChild(variantArea);
    }
    select(0);
    if (names.length > 1) container.appendChild(disagreements(data, thumbs));
  },
});
