// The renderer of a search cell (application/vnd.symptom-lens.search+json): the judged queries'
// mean precision@k and NDCG@k with their bootstrap CIs, then per query a gallery of the top k
// with cosine and label, relevant hits marked. Plain DOM only: no plotly, no controls.
import type { ConfidenceInterval } from '../protocol/statistics';
import type { SearchOutput, SearchQueryResult } from '../protocol/search';
import { h, section } from './_shared/dom';
import { basename, decimal, duration, plural } from './_shared/format';
import { createRenderer, DataError, expectArray, expectObject, expectString } from './_shared/renderer';
import { Thumbnails } from './_shared/thumbnails';

const CSS = `
.sl-query { border-top: 1px solid var(--sl-border); padding-top: 8px; }
.sl-query-head { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: baseline; margin-bottom: 6px; }
.sl-query-text { font-weight: 600; }
.sl-hits { display: flex; flex-wrap: wrap; gap: 8px; }
.sl-hit { margin: 0; display: flex; flex-direction: column; align-items: center; gap: 1px; width: 76px; font-size: 0.8em; color: var(--sl-muted); }
.sl-hit span { max-width: 76px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.sl-hit.sl-relevant .sl-thumb { outline: 2px solid var(--sl-good); }
.sl-hit.sl-irrelevant .sl-thumb { outline: 2px solid var(--sl-bad); }
.sl-rank { font-variant-numeric: tabular-nums; }
`;

export const activate = createRenderer<SearchOutput>({
  kind: 'search output',
  css: CSS,
  parse(json) {
    const r = expectObject(json, 'search result');
    expectString(r.name, 'name');
    if (typeof r.k !== 'number') throw new DataError('`k` should be a number.');
    expectArray(r.queries, 'queries').forEach((q, i) => {
      const query = expectObject(q, `queries[${i}]`);
      expectString(query.query, `queries[${i}].query`);
      expectArray(query.hits, `queries[${i}].hits`);
    });
    expectObject(r.metrics, 'metrics');
    return r as unknown as SearchOutput;
  },
  render({ data, container, ctx, onDispose }) {
    const thumbs = new Thumbnails(data.thumbnails, ctx, onDispose);
    container.append(
      h(
        'div',
        { class: 'sl-header' },
        h('h2', null, `Search · ${data.name}`),
        h(
          'p',
          { class: 'sl-subtitle' },
          `top ${data.k} of image set "${data.images}" · model "${data.model}" · ${plural(data.queries.length, 'query', 'queries')} · ranked in ${duration(data.run.searchMs)}`,
        ),
      ),
    );
    if (data.metrics.queries > 0) container.appendChild(summary(data));
    container.append(...data.queries.map((q, i) => queryGallery(q, i, data.k, thumbs)));
  },
});

function summary(data: SearchOutput): HTMLElement {
  const m = data.metrics;
  const row = (name: string, ci: ConfidenceInterval | null) =>
    h(
      'tr',
      null,
      h('td', null, name),
      h('td', { attrs: { 'data-metric': name } }, decimal(ci?.estimate)),
      h('td', null, ci && m.queries > 1 ? `${decimal(ci.low)} – ${decimal(ci.high)}` : '—'),
    );
  return section(
    'sl-search-metrics',
    `Over ${plural(m.queries, 'judged query', 'judged queries')}`,
    m.method,
    h(
      'table',
      { testid: 'search-metrics' },
      h('thead', null, h('tr', null, h('th', null, 'metric'), h('th', null, 'mean'), h('th', null, '95 % CI'))),
      h('tbody', null, row(`precision@${data.k}`, m.precisionAtK), row(`NDCG@${data.k}`, m.ndcgAtK)),
    ),
  );
}

function queryGallery(q: SearchQueryResult, index: number, k: number, thumbs: Thumbnails): HTMLElement {
  const judged = q.relevant !== undefined;
  return h(
    'section',
    { class: 'sl-section sl-query', testid: `query-${index}` },
    h(
      'div',
      { class: 'sl-query-head' },
      h('span', { class: 'sl-muted' }, q.kind === 'image' ? 'like image' : 'text'),
      h('span', { class: 'sl-query-text', title: q.query }, q.kind === 'image' ? basename(q.query) : q.query),
      judged ? h('span', null, `relevant: ${q.relevant} (${q.relevantCount ?? 0} in the set)`) : null,
      judged ? h('span', { attrs: { 'data-metric': 'precision' } }, `P@${k} ${decimal(q.precisionAtK)}`) : null,
      judged ? h('span', { attrs: { 'data-metric': 'ndcg' } }, `NDCG@${k} ${decimal(q.ndcgAtK)}`) : null,
    ),
    h(
      'div',
      { class: 'sl-hits' },
      ...q.hits.map((hit, rank) =>
        h(
          'figure',
          {
            class: `sl-hit${hit.relevant === true ? ' sl-relevant' : hit.relevant === false ? ' sl-irrelevant' : ''}`,
            title: `${hit.image}\n${hit.label}, cosine ${decimal(hit.cosine, 4)}`,
            attrs: { 'data-image': hit.image, 'data-relevant': hit.relevant },
          },
          thumbs.element(hit.image),
          h('span', { class: 'sl-rank' }, `${rank + 1}. ${decimal(hit.cosine)}`),
          h('span', null, hit.label),
        ),
      ),
    ),
  );
}
