// The text a descriptor is embedded as (docs/methods.md, "Text for a descriptor"). Explanations show
// the raw descriptor; only the model sees these sentences.

/** First words after which the descriptor reads as a noun phrase: "{class}, which is {d}". */
const IS_WORDS = new Set(['a', 'an', 'used']);
/** First words that already carry a verb: "{class}, which {d}". */
const VERB_WORDS = new Set(['has', 'often', 'typically', 'may', 'can']);

/**
 * Menon & Vondrick's descriptor sentence: `"{class}, which {link} {descriptor}"`.
 *
 * Their code tests the first *letter* (`startswith('a')`), so "air bronchograms" became
 * "pneumonia, which is air bronchograms". We test the first *word* (case-insensitive, trailing
 * punctuation ignored) instead: "air bronchograms" → "pneumonia, which has air bronchograms",
 * "an enlarged heart" → "cardiomegaly, which is an enlarged heart", "may show a nodule" →
 * "nodule, which may show a nodule".
 */
export function menonVondrickSentence(className: string, descriptor: string): string {
  const text = descriptor.trim();
  const firstWord = (text.split(/\s+/, 1)[0] ?? '').toLowerCase().replace(/[^\p{L}\p{N}]+$/u, '');
  if (IS_WORDS.has(firstWord)) return `${className}, which is ${text}`;
  if (VERB_WORDS.has(firstWord)) return `${className}, which ${text}`;
  return `${className}, which has ${text}`;
}

/**
 * The sentence embedded for one descriptor: the set's `template` with `{class}` and
 * `{descriptor}` filled in (every occurrence), or the Menon & Vondrick sentence without one.
 */
export function descriptorSentence(className: string, descriptor: string, template?: string): string {
  if (template === undefined) return menonVondrickSentence(className, descriptor);
  return fillTemplate(template, { class: className, descriptor: descriptor.trim() });
}

/** The class-name baseline text: the name alone, or `template_class` with `{class}` filled in. */
export function classNameText(className: string, templateClass?: string): string {
  if (templateClass === undefined) return className;
  return fillTemplate(templateClass, { class: className });
}

/** Replaces `{key}` placeholders; unknown placeholders stay as written. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (Object.hasOwn(values, key) ? values[key] : whole));
}
