// The scoring recipes of docs/methods.md as pure functions over embeddings, in two stages so that the
// score step can embed (and cache) exactly the texts a recipe needs before scoring:
//
//   import { planTexts, scoreImages, predictClasses } from '../../scoring/recipes';
//
//   const plan = planTexts(descriptorSet, 'mean', { classes: imageSet.classes });
//   // plan.texts: every distinct sentence to embed, e.g. "pneumonia, which has air bronchograms"
//   const textEmbeds = new Map(plan.texts.map((t, i) => [t, embeddedTexts[i]]));
//   const scored = scoreImages(plan, imageEmbeddings, textEmbeds); // or a (text) => vector function
//   scored.scores[i][c];      // class c's score for image i (plan.classes order)
//   scored.similarity[i][k];  // cos(image i, column k); scored.columns[k] = { class, text: raw descriptor }
//   const predicted = predictClasses(scored.scores, plan.classes);  // single-label: argmax
//   // scored.present[i][c]: the recipe's own present/absent decision (chexzero, xplainer, pos-neg)
//
// Embeddings need not be normalised: every cosine divides by both norms, computed once per vector.
//
// Cost: one dot product per image × distinct text (plus one per averaged class vector), so
// 10k images × 100 texts × 512 dims is about 5·10⁸ multiply-adds.
import { argmax } from '../metrics/classification';
import type { DescriptorSet } from '../protocol/dataset';
import { classScoreColumns } from './classScores';
import { classNameText, descriptorSentence, fillTemplate } from './text';

export const RECIPES = ['mean', 'max', 'embed-mean', 'chexzero', 'xplainer', 'pos-neg'] as const;
export type RecipeName = (typeof RECIPES)[number];

/** A vector as the engine returns it (Float32Array) or as JSON has it (number[]). */
export type Vector = ArrayLike<number>;
/** Embedding of an exact text from plan.texts: a map or a lookup function. */
export type TextEmbeddings = ReadonlyMap<string, Vector> | ((text: string) => Vector | undefined);

/** One descriptor of one class, as explanations show it and as the model embeds it. */
export interface DescriptorColumn {
  class: string;
  /** Raw descriptor (or the class-name text for a class without descriptors): what users see. */
  descriptor: string;
  /** The embedded text: the descriptor sentence, or Xplainer's positive prompt. */
  text: string;
  /** Xplainer only: the negative prompt of this descriptor. */
  negative?: string;
}

export interface ClassTexts {
  class: string;
  columns: DescriptorColumn[];
  /** chexzero / pos-neg: texts averaged (as normalised embeddings) into the class's negative. */
  negatives: string[];
}

export interface TextPlan {
  method: RecipeName;
  /** Class order of every score row. */
  classes: string[];
  perClass: ClassTexts[];
  /** Every distinct text the recipe embeds, in first-use order. */
  texts: string[];
  /** Xplainer: the class scored as 1 − max over the other classes; undefined if none. */
  noFindingClass?: string;
}

export interface PlanOptions {
  /** The run's class order (the image set's classes); defaults to the set's own key order. */
  classes?: readonly string[];
  /**
   * Xplainer: the class whose score is 1 − max P over the other classes. Defaults to a class
   * named "no finding" (any case, space/underscore/hyphen or none between the words).
   */
  noFindingClass?: string;
}

export interface RecipeScores {
  /** scores[i][c]: the score of plan.classes[c] for image i; higher = more likely. */
  scores: number[][];
  /** Column labels of `similarity`: the raw descriptors, class by class. */
  columns: { class: string; text: string }[];
  /** similarity[i][k] = cos(image i, columns[k]'s embedded text): the per-descriptor evidence. */
  similarity: number[][];
  /**
   * present[i][c]: the recipe's own decision that class c is present in image i — chexzero
   * p > 0.5, xplainer P > P̄ (no finding: no other class present), pos-neg difference > 0.
   * Undefined for mean / max / embed-mean, whose cosines have no calibrated zero point.
   */
  present?: boolean[][];
}

/**
 * The texts `method` needs for each class of `set`.
 *
 * - mean / max / embed-mean: one sentence per descriptor (the set's `template`, else the
 *   Menon & Vondrick rule); a class without descriptors is its class-name text (`templateClass`).
 * - chexzero / pos-neg: the positives are those same texts (several are the "several templates"
 *   whose normalised embeddings are averaged); the negatives are the set's `negatives` for the
 *   class, used verbatim, else `no {class}` (inside `templateClass` when the set has one, e.g.
 *   "a chest x-ray showing no pneumonia").
 * - xplainer: per raw descriptor d (the class name when there are none) the prompts
 *   `There are {d}` and `There are no {d}`; the set's templates and negatives do not apply.
 */
export function planTexts(set: DescriptorSet, method: RecipeName, options: PlanOptions = {}): TextPlan {
  if (!RECIPES.includes(method)) {
    throw new Error(`Unknown scoring method "${method}"; use one of ${RECIPES.join(', ')}`);
  }
  const classes = [...(options.classes ?? Object.keys(set.classes))];
  const perClass = classes.map((cls): ClassTexts => {
    const descriptors = set.classes[cls];
    if (descriptors === undefined) {
      throw new Error(`Descriptor set "${set.name}" has no entry for class "${cls}"; add "${cls}: []" to use its name`);
    }
    if (method === 'xplainer') {
      const raw = descriptors.length > 0 ? descriptors.map((d) => d.trim()) : [cls];
      return {
        class: cls,
        columns: raw.map((d) => ({ class: cls, descriptor: d, text: `There are ${d}`, negative: `There are no ${d}` })),
        negatives: [],
      };
    }
    const columns: DescriptorColumn[] =
      descriptors.length > 0
        ? descriptors.map((d) => ({ class: cls, descriptor: d, text: descriptorSentence(cls, d, set.template) }))
        : [
            {
              class: cls,
              descriptor: classNameText(cls, set.templateClass),
              text: classNameText(cls, set.templateClass),
            },
          ];
    let negatives: string[] = [];
    if (method === 'chexzero' || method === 'pos-neg') {
      const own = set.negatives?.[cls]?.filter((n) => n.trim() !== '') ?? [];
      negatives = own.length > 0 ? own : [negatedClassText(cls, set.templateClass)];
    }
    return { class: cls, columns, negatives };
  });
  const texts = new Set<string>();
  for (const c of perClass) {
    for (const col of c.columns) {
      texts.add(col.text);
      if (col.negative !== undefined) texts.add(col.negative);
    }
    for (const n of c.negatives) texts.add(n);
  }
  const plan: TextPlan = { method, classes, perClass, texts: [...texts] };
  if (method === 'xplainer') {
    const noFinding = options.noFindingClass ?? classes.find((c) => /^no[\s_-]*finding$/i.test(c.trim()));
    if (noFinding !== undefined) {
      if (!classes.includes(noFinding)) throw new Error(`noFindingClass "${noFinding}" is not one of the classes`);
      plan.noFindingClass = noFinding;
    }
  }
  return plan;
}

/**
 * Scores every image with the plan's recipe. `images[i]` is image i's embedding. With `remember`
 * (the score step), the cosines stay in memory for the next call on the same image vectors
 * (scoring/cosines.ts); `similarity: false` leaves the per-descriptor cosines out (empty).
 */
export function scoreImages(
  plan: TextPlan,
  images: readonly Vector[],
  textEmbeddings: TextEmbeddings,
  options: { remember?: boolean; similarity?: boolean } = {},
): RecipeScores {
  const byClass = classScoreColumns(plan, images, textEmbeddings, options.remember ?? false);
  const shown = options.similarity === false ? undefined : byClass.similarity;
  const result: RecipeScores = {
    scores: scoreRows(byClass.scores, images.length),
    columns: byClass.columns,
    similarity: shown ? scoreRows(shown, images.length) : [],
  };
  if (byClass.present) result.present = presentRows(byClass.present, images.length);
  return result;
}

/** rows[i][c] = the recipe calls class c present in image i (no rows without classes). */
export function presentRows(columns: readonly Uint8Array[], n: number): boolean[][] {
  return Array.from({ length: columns.length === 0 ? 0 : n }, (_, i) =>
    Array.from(columns, (column) => column[i] === 1),
  );
}

/** rows[i][c] = columns[c][i]. */
export function scoreRows(columns: readonly ArrayLike<number>[], n: number): number[][] {
  const rows = new Array<number[]>(n);
  const width = columns.length;
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(width);
    for (let c = 0; c < width; c++) row[c] = columns[c][i];
    rows[i] = row;
  }
  return rows;
}

/** Single-label prediction: the highest-scoring class per image (the first on ties). */
export function predictClasses(scores: readonly (readonly number[])[], classes: readonly string[]): string[] {
  return scores.map((row) => classes[argmax(row)]);
}

/**
 * Averages the scores of several runs over the same images and classes (the random-words control
 * scores 7 seeded descriptor sets and averages their class scores). `present` becomes a majority
 * vote; `columns`/`similarity` are those of the first run, since each seed has other words.
 */
export function averageScores(runs: readonly RecipeScores[]): RecipeScores {
  if (runs.length === 0) throw new Error('averageScores needs at least one run');
  const [first] = runs;
  const scores = first.scores.map((row, i) =>
    row.map((_, c) => runs.reduce((sum, r) => sum + r.scores[i][c], 0) / runs.length),
  );
  const result: RecipeScores = { scores, columns: first.columns, similarity: first.similarity };
  if (runs.every((r) => r.present !== undefined)) {
    result.present = first.scores.map((row, i) =>
      row.map((_, c) => runs.filter((r) => r.present![i][c]).length * 2 > runs.length),
    );
  }
  return result;
}

/** `no {class}`, inside the class template when the set has one. */
function negatedClassText(cls: string, templateClass: string | undefined): string {
  return templateClass === undefined ? `no ${cls}` : fillTemplate(templateClass, { class: `no ${cls}` });
}
