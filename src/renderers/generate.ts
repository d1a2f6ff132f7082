// Renderer for generate cells: the descriptors the LLM gave per class, how they were asked for,
// and an action that inserts them as an editable descriptors cell (through renderer messaging).
import type { GenerateResult } from '../protocol/results';
import type { InsertDescriptorsCellMessage } from '../protocol/messages';
import { h, notice, section } from './_shared/dom';
import { badge, button } from './_shared/elements';
import { plural } from './_shared/format';
import { createRenderer, expectArray, expectObject, expectString, type RenderView } from './_shared/renderer';

const CSS = `
.sl-gen-classes { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 10px 18px; }
.sl-gen-class h4 { display: flex; gap: 6px; align-items: center; }
.sl-gen-class ul { margin: 0; padding-left: 18px; }
.sl-gen-class li { margin: 1px 0; }
.sl-gen-actions { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
details > summary { cursor: pointer; color: var(--sl-muted); }
pre { font-family: var(--sl-mono); font-size: 0.92em; white-space: pre-wrap; word-break: break-word; background: var(--sl-panel); border: 1px solid var(--sl-border); border-radius: 3px; padding: 6px 8px; margin: 6px 0; max-height: 360px; overflow: auto; }
`;

function parse(json: unknown): GenerateResult {
  const o = expectObject(json, 'generate output');
  const classes = expectObject(o.classes, 'classes');
  for (const [c, list] of Object.entries(classes))
    expectArray(list, `classes.${c}`).forEach((d, i) => expectString(d, `classes.${c}.${i}`));
  expectString(o.name, 'name');
  expectString(o.model, 'model');
  expectString(o.yaml, 'yaml');
  return o as unknown as GenerateResult;
}

function render({ data, container, ctx }: RenderView<GenerateResult>): void {
  const total = Object.values(data.classes).reduce((n, l) => n + l.length, 0);
  const req = data.requests;
  container.append(
    h(
      'header',
      null,
      h('h2', null, `generate: ${data.name}`),
      h(
        'p',
        { class: 'sl-subtitle', testid: 'generate-summary' },
        `${plural(total, 'descriptor')} for ${plural(Object.keys(data.classes).length, 'class', 'classes')} from ${data.model} at ${data.endpoint} · prompt ${data.prompt}` +
          ` · temperature ${data.parameters.temperature} · n ${data.parameters.n}` +
          (req ? ` · ${plural(req.total, 'completion')}, ${req.fromCache} from the cache` : ''),
      ),
    ),
  );

  container.append(
    h(
      'div',
      { class: 'sl-gen-classes', testid: 'generate-classes' },
      ...Object.entries(data.classes).map(([cls, list]) =>
        h(
          'div',
          { class: 'sl-gen-class', testid: 'generate-class', attrs: { 'data-class': cls } },
          h('h4', null, cls, badge(list.length)),
          h('ul', null, ...list.map((d) => h('li', null, d))),
        ),
      ),
    ),
  );

  const actions = h('div', { class: 'sl-gen-actions' });
  if (ctx.postMessage) {
    const post = ctx.postMessage.bind(ctx);
    const status = h('span', { class: 'sl-muted', attrs: { role: 'status' } });
    actions.append(
      button(
        'Insert as descriptors cell',
        () => {
          const message: InsertDescriptorsCellMessage = {
            type: 'insertDescriptorsCell',
            yaml: data.yaml,
            name: data.name,
          };
          post(message);
          status.textContent = `Inserting "descriptors: ${data.descriptorsName}" below this cell.`;
        },
        {
          testid: 'insert-descriptors',
          title: 'Adds a descriptors cell with these descriptors below this cell, to edit and score',
        },
      ),
      status,
    );
  } else {
    actions.append(notice('To edit these descriptors, copy the YAML under "As a descriptors cell" into a new cell.'));
  }
  container.append(actions);

  container.append(
    section(
      'sl-gen-details',
      'How they were asked for',
      data.servedBy?.length ? `The server answered as ${data.servedBy.join(', ')}.` : undefined,
      h('details', null, h('summary', null, 'As a descriptors cell'), h('pre', { testid: 'generate-yaml' }, data.yaml)),
      ...Object.entries(data.prompts ?? {}).map(([cls, prompts]) =>
        h(
          'details',
          null,
          h('summary', null, `Prompt for ${cls}${prompts.length > 1 ? ` (${prompts.length})` : ''}`),
          ...prompts.map((p) => h('pre', null, p)),
        ),
      ),
    ),
  );
}

export const activate = createRenderer<GenerateResult>({ kind: 'generate output', css: CSS, parse, render });
