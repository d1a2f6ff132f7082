// `descriptors: NAME` — one prompt variant: visual-symptom descriptors per class.
import { makeDescriptorSet } from '../../scoring/descriptorSet';
import { MIME } from '../../protocol/mime';
import { checkTemplate, fieldError, md, sessionKey } from './common';
import { defineStep, type StepContext } from './step';

/** class → list of texts; an empty list or no value means "class name only". */
function readClassLists(
  ctx: StepContext<unknown>,
  field: string,
  raw: Record<string, unknown>,
  allowEmpty: boolean,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [cls, value] of Object.entries(raw)) {
    const at = `${field}.${cls}`;
    if (value === null || value === undefined) {
      out[cls] = [];
      continue;
    }
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list)) {
      throw fieldError(
        ctx,
        at,
        `"${cls}" must be a list of descriptors.`,
        `Write e.g. "${cls}: [first finding, second finding]" or one "- finding" per line below it.`,
      );
    }
    // A set, not texts.includes: 100k descriptors took 261 s through the list.
    const texts = new Set<string>();
    list.forEach((d, i) => {
      if (typeof d !== 'string' && typeof d !== 'number') {
        throw fieldError(
          ctx,
          `${at}.${i}`,
          `Descriptor ${i + 1} of "${cls}" is not a text.`,
          'Each descriptor is one short phrase; quote it if it contains ":" or "#".',
        );
      }
      const t = String(d).trim();
      if (t === '')
        throw fieldError(ctx, `${at}.${i}`, `Descriptor ${i + 1} of "${cls}" is empty.`, 'Remove the empty item.');
      texts.add(t);
    });
    if (!allowEmpty && texts.size === 0) {
      throw fieldError(
        ctx,
        at,
        `"${cls}" has no negatives.`,
        'Give at least one negative text, or remove the class from `negatives`.',
      );
    }
    out[cls] = [...texts];
  }
  if (Object.keys(out).length === 0) {
    throw fieldError(ctx, field, `"${field}" lists no class.`, 'Add one "class: [descriptors]" line per class.');
  }
  return out;
}

export const descriptorsStep = defineStep({
  schema: {
    step: 'descriptors',
    summary: 'A descriptor set: one prompt variant',
    nameDescription: 'the name score cells use for this descriptor set',
    options: {
      classes: {
        type: 'map',
        required: true,
        description: 'class → list of visual-symptom descriptors (an empty list = class name only)',
      },
      template: {
        type: 'string',
        description:
          'sentence for each descriptor with {descriptor} and, if wanted, {class}; "{descriptor}" scores the descriptors as written (CheXzero-style prompts); default: "{class}, which has {descriptor}" (Menon & Vondrick)',
      },
      template_class: {
        type: 'string',
        description: 'text for a class without descriptors, with {class}, e.g. "a chest x-ray showing {class}"',
      },
      negatives: { type: 'map', description: 'class → negative texts for the chexzero / pos-neg recipes' },
    },
  },
  async run(ctx) {
    const o = ctx.cell.options;
    const classes = readClassLists(ctx, 'classes', o.classes, true);
    const negatives = o.negatives ? readClassLists(ctx, 'negatives', o.negatives, false) : undefined;
    for (const cls of Object.keys(negatives ?? {})) {
      if (!(cls in classes))
        throw fieldError(
          ctx,
          `negatives.${cls}`,
          `"${cls}" in negatives is not one of the classes (${Object.keys(classes).join(', ')}).`,
        );
    }
    const set = makeDescriptorSet({
      name: ctx.cell.name,
      classes,
      template: checkTemplate(ctx, 'template', o.template, ['descriptor'], ['class', 'descriptor']),
      templateClass: checkTemplate(ctx, 'template_class', o.template_class, ['class'], ['class']),
      negatives,
      source: 'descriptors',
    });
    ctx.session.descriptorSets.set(set.name, set);
    const total = Object.values(classes).reduce((n, l) => n + l.length, 0);
    const data = {
      name: set.name,
      classes,
      template: set.template,
      templateClass: set.templateClass,
      negatives,
      hash: set.hash,
    };
    const markdown = [
      `**descriptors: ${md(set.name)}** — ${Object.keys(classes).length} classes, ${total} descriptors`,
      '',
      ...Object.entries(classes).map(
        ([c, l]) => `- **${md(c)}**: ${l.length ? l.map(md).join('; ') : '_class name only_'}`,
      ),
    ].join('\n');
    return {
      result: data,
      outputs: [{ mime: MIME.descriptors, data, markdown }],
      dependsOn: [],
      defines: sessionKey('descriptors', set.name),
    };
  },
});
