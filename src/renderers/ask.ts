// The renderer of an ask cell (application/vnd.symptom-lens.ask+json): per image the answer, with
// the descriptors it mentions highlighted and any quoted phrase that is not a descriptor flagged,
// the evidence the prompt carried, and the exact messages sent. The answer is LLM text: it is only
// ever put into the page as text nodes.
import { classesText } from '../protocol/classes';
import type { AskAnswer, AskResult } from '../protocol/ask';
import { h, notice, section, type Child } from './_shared/dom';
import { decimal, duration, plural } from './_shared/format';
import { createRenderer, DataError, expectArray, expectObject, expectString } from './_shared/renderer';

const CSS = `
.sl-answer { border-top: 1px solid var(--sl-border); padding-top: 8px; display: flex; flex-direction: column; gap: 8px; }
.sl-answer-text { white-space: pre-wrap; line-height: 1.5; background: var(--sl-panel); border-radius: 3px; padding: 8px 10px; }
mark { background: color-mix(in srgb, var(--sl-accent) 30%, transparent); color: inherit; border-radius: 2px; padding: 0 1px; }
.sl-evidence li.sl-mentioned { font-weight: 600; }
.sl-evidence ul { margin: 2px 0 6px; padding-left: 18px; }
.sl-messages pre { white-space: pre-wrap; background: var(--sl-panel); padding: 6px 8px; border-radius: 3px; margin: 2px 0 8px; font-family: var(--sl-mono); font-size: 0.9em; }
details summary { cursor: pointer; color: var(--sl-muted); }
`;

export const activate = createRenderer<AskResult>({
  kind: 'ask output',
  css: CSS,
  parse(json) {
    const r = expectObject(json, 'ask result');
    expectString(r.name, 'name');
    expectString(r.question, 'question');
    expectString(r.model, 'model');
    expectArray(r.warnings, 'warnings');
    expectArray(r.answers, 'answers').forEach((a, i) => {
      const answer = expectObject(a, `answers[${i}]`);
      expectString(answer.answer, `answers[${i}].answer`);
      expectArray(answer.messages, `answers[${i}].messages`);
      expectArray(answer.mentioned, `answers[${i}].mentioned`);
      expectObject(answer.evidence, `answers[${i}].evidence`);
    });
    if (typeof r.requests !== 'object' || r.requests === null) throw new DataError('`requests` should be an object.');
    return r as unknown as AskResult;
  },
  render({ data, container }) {
    container.append(
      h(
        'div',
        { class: 'sl-header' },
        h('h2', null, `Ask · ${data.name}`),
        h('p', { class: 'sl-subtitle', testid: 'ask-question' }, data.question),
        h(
          'p',
          { class: 'sl-subtitle' },
          `${data.model} at ${data.endpoint}${data.follow ? ` · continues "${data.follow}"` : ''} · ${plural(data.requests.total, 'answer')}, ${data.requests.fromCache} from the cache · ${duration(data.run.durationMs)}`,
        ),
      ),
      ...data.warnings.map((w) => notice(w, 'warning')),
      ...data.answers.map((a, i) => answerView(a, i)),
    );
  },
});

function answerView(a: AskAnswer, index: number): HTMLElement {
  const e = a.evidence;
  return h(
    'section',
    { class: 'sl-section sl-answer', testid: `answer-${index}`, attrs: { 'data-image': a.image } },
    h(
      'h3',
      null,
      `${a.image} — true ${e.label !== undefined ? classesText(e.label) : '—'}, predicted ${classesText(e.predicted)}${e.margin !== null ? `, margin ${decimal(e.margin, 4)}` : ''}`,
    ),
    h('div', { class: 'sl-answer-text', testid: 'answer-text' }, ...highlighted(a.answer, a.mentioned)),
    a.finishReason === 'length'
      ? notice('The answer was cut off at max_tokens: raise llm.max_tokens and add refresh: true.', 'warning')
      : null,
    a.unknownCitations.length
      ? notice(
          `The answer quotes ${a.unknownCitations.map((q) => `"${q}"`).join(', ')}, which ${a.unknownCitations.length === 1 ? 'is' : 'are'} not among the descriptors of this variant: it is not evidence the classifier saw.`,
          'warning',
        )
      : null,
    evidenceView(a),
    messagesView(a),
  );
}

/** The answer as text nodes, with every mention of a known descriptor in a <mark>. */
function highlighted(text: string, mentioned: string[]): Child[] {
  if (mentioned.length === 0) return [text];
  const escaped = [...mentioned]
    .sort((x, y) => y.length - x.length)
    .map((d) => d.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+'));
  const pattern = new RegExp(`(${escaped.join('|')})`, 'gi');
  return text.split(pattern).map((part, i) => (i % 2 === 1 ? h('mark', null, part) : part));
}

function evidenceView(a: AskAnswer): HTMLElement {
  const mentioned = new Set(a.mentioned.map((m) => m.toLowerCase()));
  const e = a.evidence;
  return h(
    'details',
    { class: 'sl-evidence', testid: 'evidence' },
    h('summary', null, `Evidence in the prompt${e.occlusion ? ' (with the explain map)' : ''}`),
    h(
      'div',
      null,
      ...e.classes.map((c) =>
        h(
          'div',
          { attrs: { 'data-class': c.class } },
          h('strong', null, `${c.class} ${decimal(c.score, 4)}`),
          h(
            'ul',
            null,
            ...c.descriptors.map((d) =>
              h(
                'li',
                { class: mentioned.has(d.text.toLowerCase()) ? 'sl-mentioned' : '' },
                `${d.text} — ${decimal(d.similarity, 4)}`,
              ),
            ),
          ),
        ),
      ),
      e.occlusion
        ? h(
            'p',
            null,
            `Occlusion (${e.occlusion.targetKind} "${e.occlusion.target}"): largest drop ${decimal(e.occlusion.drop, 4)} at x ${Math.round(e.occlusion.box[0])}–${Math.round(e.occlusion.box[2])}, y ${Math.round(e.occlusion.box[1])}–${Math.round(e.occlusion.box[3])}`,
          )
        : null,
    ),
  );
}

function messagesView(a: AskAnswer): HTMLElement {
  return section(
    'sl-messages',
    `Messages sent (${a.messages.length})`,
    `${a.fromCache ? 'from the cache' : 'asked now'}${a.servedBy ? ` · served by ${a.servedBy}` : ''}`,
    h(
      'details',
      { testid: 'messages' },
      h('summary', null, 'show the exact messages'),
      ...a.messages.flatMap((m) => [h('div', { class: 'sl-muted' }, m.role), h('pre', null, m.content)]),
    ),
  );
}
