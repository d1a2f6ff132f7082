// Sanity flags of docs/methods.md, shown above a score table: things that make a number mean less
// than it seems. Pure checks over descriptor sets, class counts and AUROCs.
import type { SanityFlag } from '../protocol/statistics';
import type { DescriptorSet } from '../protocol/dataset';

/** Below this many images a class's recall and AUROC swing by whole points per image. */
export const MIN_CLASS_IMAGES = 10;

export interface SanityInput {
  /** The descriptor sets compared (controls are skipped: their text is random by design). */
  sets: readonly DescriptorSet[];
  /** Images per class of the image set (the labels). */
  classCounts: Readonly<Record<string, number>>;
  /** Per variant, its per-class AUROC (null = undefined). */
  results?: readonly { variant: string; auroc: Readonly<Record<string, number | null>> }[];
}

/**
 * Class names that are ordinary words of a finding ("normal heart size" for `normal`): a
 * descriptor using them does not score the class name, so the repeat check skips them.
 */
const GENERIC_CLASS_NAMES = new Set([
  'normal',
  'abnormal',
  'healthy',
  'other',
  'others',
  'none',
  'no finding',
  'negative',
  'positive',
  'unknown',
  'background',
]);

/** Every flag for one comparison, descriptor flags first. */
export function sanityFlags(input: SanityInput): SanityFlag[] {
  const labels = Object.keys(input.classCounts);
  return [
    ...input.sets.flatMap((s) => descriptorFlags(s, labels)),
    ...imageFlags(input.classCounts),
    ...(input.results ?? []).flatMap((r) => aurocFlags(r.variant, r.auroc)),
  ];
}

/**
 * Descriptor-set checks: a class without descriptors while others have some; a descriptor that
 * repeats its class name as whole words (it then scores the name, not a visual finding; generic
 * names such as "normal" are exempt); one that starts with "It is"/"It has" (an LLM echo that
 * reads badly in "{class}, which has It is…"); a class name that matches no label of the image
 * set (its descriptors are never scored).
 */
export function descriptorFlags(set: DescriptorSet, labelClasses: readonly string[]): SanityFlag[] {
  if (set.source === 'control') return [];
  const flags: SanityFlag[] = [];
  const variant = set.name;
  const entries = Object.entries(set.classes);
  const anyDescriptors = entries.some(([, list]) => list.length > 0);
  for (const [cls, list] of entries) {
    if (anyDescriptors && list.length === 0) {
      flags.push({
        severity: 'warning',
        kind: 'no-descriptors',
        class: cls,
        variant,
        message: `"${cls}" has no descriptors in "${variant}": it is scored by its class name alone while the other classes use descriptors.`,
      });
    }
    for (const d of list) {
      if (!GENERIC_CLASS_NAMES.has(phraseWords(cls)) && containsClassName(d, cls)) {
        flags.push({
          severity: 'warning',
          kind: 'repeats-class-name',
          class: cls,
          variant,
          message: `Descriptor "${d}" of "${cls}" in "${variant}" repeats the class name, so it scores the name rather than a visual finding.`,
        });
      }
      if (/^\s*it\s+(is|has)\b/i.test(d)) {
        flags.push({
          severity: 'warning',
          kind: 'it-is',
          class: cls,
          variant,
          message: `Descriptor "${d}" of "${cls}" in "${variant}" starts with "It is"/"It has"; write the finding itself (e.g. "an enlarged heart shadow").`,
        });
      }
    }
    if (!labelClasses.includes(cls)) {
      flags.push({
        severity: 'warning',
        kind: 'unknown-class',
        class: cls,
        variant,
        message: `Class "${cls}" of "${variant}" matches no label of the image set (${labelClasses.join(', ')}), so its descriptors are not scored; check the spelling.`,
      });
    }
  }
  return flags;
}

/** Classes with fewer than MIN_CLASS_IMAGES images. */
export function imageFlags(classCounts: Readonly<Record<string, number>>): SanityFlag[] {
  return Object.entries(classCounts)
    .filter(([, n]) => n < MIN_CLASS_IMAGES)
    .map(([cls, n]) => ({
      severity: 'warning' as const,
      kind: 'few-images' as const,
      class: cls,
      message: `"${cls}" has only ${n} image${n === 1 ? '' : 's'} (fewer than ${MIN_CLASS_IMAGES}): its recall and AUROC rest on too few cases; read the confidence intervals.`,
    }));
}

/** AUROC below 0.5: the variant ranks this class worse than chance. */
export function aurocFlags(variant: string, auroc: Readonly<Record<string, number | null>>): SanityFlag[] {
  return Object.entries(auroc)
    .filter((entry): entry is [string, number] => entry[1] !== null && entry[1] < 0.5)
    .map(([cls, value]) => ({
      severity: 'warning' as const,
      kind: 'below-chance' as const,
      class: cls,
      variant,
      message: `AUROC of "${cls}" with "${variant}" is ${value.toFixed(3)}, below chance (0.5): the descriptors rank this class backwards.`,
    }));
}

/**
 * Whether `text` holds the class name as a whole phrase, any case, underscores or hyphens
 * matching spaces. A plain search, not a regular expression built from the name: a 100 kB class
 * name overflowed the regex compiler.
 */
function containsClassName(text: string, cls: string): boolean {
  const needle = phraseWords(cls);
  if (!needle) return false;
  const hay = phraseWords(text);
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) {
    if (!isWordChar(hay[i - 1]) && !isWordChar(hay[i + needle.length])) return true;
  }
  return false;
}

function phraseWords(text: string): string {
  return text
    .toLowerCase()
    .split(/[\s_-]+/)
    .filter(Boolean)
    .join(' ');
}

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
}
