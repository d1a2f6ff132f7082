// Control variants of docs/methods.md, built from the first descriptor set of a score cell (its class
// order, templates and negatives) and returned as ordinary DescriptorSets, so that the score step
// plans, embeds, caches and scores them exactly like hand-written variants:
//
//   const control = buildControl('random-words', sets[0], { classes, seed });
//   const runs = control.sets.map((s) => scoreImages(planTexts(s, method, { classes }), images, texts));
//   const scored = averageScores(runs); // one set for class-names / shuffled, 7 for random-words
import { makeDescriptorSet } from './descriptorSet';
import type { DescriptorSet } from '../protocol/dataset';
import { deriveSeed, mulberry32, randomInt, type Random } from '../common/random';

export const CONTROLS = ['class-names', 'random-words', 'shuffled'] as const;
export type ControlName = (typeof CONTROLS)[number];

/** WaffleCLIP's budget: 15 (random word, random characters) pairs per class, 7 seeds. */
export const RANDOM_WORD_PAIRS = 15;
export const RANDOM_WORD_SEEDS = 7;

export interface ControlVariant {
  name: ControlName;
  seed: number;
  /** Score each set and average the class scores over them (averageScores). */
  sets: DescriptorSet[];
}

export interface ControlOptions {
  /** The run's class order; defaults to the base set's classes. */
  classes?: readonly string[];
  /** Seed of the random controls; 0 by default. */
  seed?: number;
}

/** Builds one control variant from the base (first) descriptor set of a comparison. */
export function buildControl(name: ControlName, base: DescriptorSet, options: ControlOptions = {}): ControlVariant {
  const seed = options.seed ?? 0;
  const classes = [...(options.classes ?? Object.keys(base.classes))];
  switch (name) {
    case 'class-names':
      return { name, seed, sets: [classNamesControl(base, classes)] };
    case 'random-words':
      return { name, seed, sets: randomWordsControl(base, classes, seed) };
    case 'shuffled':
      return { name, seed, sets: [shuffledControl(base, classes, seed)] };
    default:
      throw new Error(`Unknown control "${String(name)}"; use one of ${CONTROLS.join(', ')}`);
  }
}

/** No descriptors: every class is its class-name text (the base set's `templateClass`). */
export function classNamesControl(base: DescriptorSet, classes: readonly string[]): DescriptorSet {
  return controlSet('class-names', base, Object.fromEntries(classes.map((c) => [c, []])));
}

/**
 * WaffleCLIP (Roth et al., ICCV 2023): descriptors replaced by RANDOM_WORD_PAIRS pairs of a random
 * word sequence and a random character sequence, one set per seed (RANDOM_WORD_SEEDS seeds).
 *
 * As in WaffleCLIP's `waffle` mode, the shapes follow the class names: each word sequence has
 * as many words as a class name has on average, each word cut to the names' mean word length;
 * each character sequence has about as many characters as the names' longest words, split into
 * as many comma-separated groups as a name has words. Characters are drawn from the letters and
 * digits of the base set's descriptors (a–z without any), words from a built-in list. Every
 * class gets the *same* random list, so the class name is the only class-specific text: the
 * control measures what extra, meaningless text alone does to the score.
 */
export function randomWordsControl(
  base: DescriptorSet,
  classes: readonly string[],
  seed: number,
  seeds = RANDOM_WORD_SEEDS,
  pairs = RANDOM_WORD_PAIRS,
): DescriptorSet[] {
  if (classes.length === 0) throw new Error('The random-words control needs at least one class');
  const names = classes.map((c) => c.replace(/_/g, ' ').trim().split(/\s+/));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const wordsPerText = Math.max(1, Math.round(mean(names.map((n) => n.length))));
  const wordLength = Math.max(1, Math.round(mean(names.map((n) => mean(n.map((w) => w.length))))));
  const groups = wordsPerText;
  let charCount = Math.ceil(mean(names.map((n) => Math.max(...n.map((w) => w.length)))));
  charCount += groups - (charCount % groups);
  const alphabet = descriptorAlphabet(base);

  return Array.from({ length: seeds }, (_, k) => {
    const random = mulberry32(deriveSeed(seed, 'random-words', String(k)));
    const descriptors: string[] = [];
    for (let p = 0; p < pairs; p++) {
      descriptors.push(Array.from({ length: wordsPerText }, () => pick(WORDS, random).slice(0, wordLength)).join(' '));
      const group = () => Array.from({ length: charCount / groups }, () => pick(alphabet, random)).join('');
      descriptors.push(Array.from({ length: groups }, group).join(', '));
    }
    return controlSet(
      `random-words/seed-${k + 1}`,
      base,
      Object.fromEntries(classes.map((c) => [c, [...descriptors]])),
    );
  });
}

/**
 * Descriptors of other classes: the class lists are moved along a random cycle (Sattolo's
 * algorithm), so every class gets the whole list of exactly one other class and none keeps its
 * own; with two classes they swap. Tests whether the class-specific text matters.
 */
export function shuffledControl(base: DescriptorSet, classes: readonly string[], seed: number): DescriptorSet {
  if (classes.length < 2) throw new Error('The shuffled control needs at least two classes');
  const random = mulberry32(deriveSeed(seed, 'shuffled'));
  const donor = classes.map((_, i) => i);
  for (let i = donor.length - 1; i > 0; i--) {
    const j = randomInt(random, i); // j < i: Sattolo, a single cycle
    [donor[i], donor[j]] = [donor[j], donor[i]];
  }
  return controlSet(
    'shuffled',
    base,
    Object.fromEntries(classes.map((c, i) => [c, [...(base.classes[classes[donor[i]]] ?? [])]])),
  );
}

function controlSet(name: string, base: DescriptorSet, classes: Record<string, string[]>): DescriptorSet {
  return makeDescriptorSet({
    name,
    classes,
    template: base.template,
    templateClass: base.templateClass,
    negatives: base.negatives,
    source: 'control',
  });
}

function descriptorAlphabet(base: DescriptorSet): string[] {
  const chars = new Set<string>();
  for (const list of Object.values(base.classes))
    for (const d of list) for (const ch of d.toLowerCase()) if (/[\p{L}\p{N}]/u.test(ch)) chars.add(ch);
  return chars.size > 0 ? [...chars].sort() : [...'abcdefghijklmnopqrstuvwxyz'];
}

function pick<T>(items: readonly T[], random: Random): T {
  return items[randomInt(random, items.length)];
}

/** Everyday words with no medical or visual-finding meaning, for the random-words control. */
const WORDS: readonly string[] = [
  'apple',
  'anchor',
  'autumn',
  'bakery',
  'balloon',
  'banjo',
  'basket',
  'beacon',
  'bicycle',
  'blanket',
  'bonnet',
  'bottle',
  'bucket',
  'butter',
  'cabin',
  'camera',
  'candle',
  'canoe',
  'carpet',
  'castle',
  'cellar',
  'chess',
  'cinema',
  'circus',
  'clock',
  'cobbler',
  'compass',
  'cookie',
  'copper',
  'cotton',
  'cricket',
  'curtain',
  'dancer',
  'desert',
  'dinner',
  'dolphin',
  'donkey',
  'dragon',
  'drawer',
  'engine',
  'falcon',
  'farmer',
  'feather',
  'fiddle',
  'forest',
  'fountain',
  'garden',
  'garlic',
  'ginger',
  'glacier',
  'goblet',
  'guitar',
  'hammer',
  'harbor',
  'helmet',
  'honey',
  'island',
  'jacket',
  'jigsaw',
  'kettle',
  'kitchen',
  'ladder',
  'lantern',
  'lemon',
  'library',
  'lizard',
  'magnet',
  'mango',
  'market',
  'meadow',
  'mirror',
  'monkey',
  'morning',
  'muffin',
  'napkin',
  'needle',
  'noodle',
  'novel',
  'oyster',
  'paddle',
  'palace',
  'parrot',
  'pencil',
  'pepper',
  'piano',
  'pillow',
  'pirate',
  'planet',
  'pocket',
  'potato',
  'puzzle',
  'rabbit',
  'radio',
  'ribbon',
  'river',
  'rocket',
  'saddle',
  'sailor',
  'sandal',
  'saucer',
  'scarf',
  'shovel',
  'silver',
  'singer',
  'spoon',
  'squirrel',
  'stamp',
  'statue',
  'summer',
  'sunset',
  'teapot',
  'ticket',
  'tiger',
  'tomato',
  'towel',
  'tractor',
  'trumpet',
  'tulip',
  'tunnel',
  'turtle',
  'umbrella',
  'valley',
  'velvet',
  'violin',
  'wagon',
  'walnut',
  'wallet',
  'window',
  'winter',
  'wizard',
  'yogurt',
  'zebra',
];
