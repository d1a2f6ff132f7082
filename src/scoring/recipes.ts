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
import { cosineColumns } from './cosines';
import { classNameText, descriptorSentence, fillTemplate } from './text';

export const RECIPES = ['mean', 'max', 'embed-mean', 'chexzero', 'xplainer', 'pos-neg'] as const;
export type RecipeName = (typeof RECIPES)[number];

/** Xplainer's softmax temperature over [cos⁺, cos⁻]. */
const XPLAINER_TEMPERATURE = 0.5;

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
  const bank = new VectorBank(plan, textEmbeddings);
  const { perClass, method } = plan;

  // Vectors averaged per class before the cosine, appended after the plain texts.
  const classVector: number[] = [];
  const negativeVector: number[] = [];
  if (method === 'embed-mean' || method === 'chexzero' || method === 'pos-neg') {
    for (const c of perClass) classVector.push(bank.addMean(c.columns.map((col) => col.text)));
  }
  if (method === 'chexzero' || method === 'pos-neg') {
    for (const c of perClass) negativeVector.push(bank.addMean(c.negatives));
  }
  const columnRow = perClass.map((c) => c.columns.map((col) => bank.row(col.text)));
  const negativeRow = perClass.map((c) =>
    c.columns.map((col) => (col.negative === undefined ? -1 : bank.row(col.negative))),
  );
  const allColumnRows = columnRow.flat();
  const columns = perClass.flatMap((c) => c.columns.map((col) => ({ class: c.class, text: col.descriptor })));
  const noFinding = plan.noFindingClass === undefined ? -1 : plan.classes.indexOf(plan.noFindingClass);

  const scores: number[][] = new Array(images.length);
  const similarity: number[][] = new Array(options.similarity === false ? 0 : images.length);
  const present: boolean[][] = [];
  // Cosines by bank row, each a column over the images; per class its descriptors' columns.
  const cos = cosineColumns(bank.rows, images, options.remember ?? false);
  const own = columnRow.map((rows) => rows.map((r) => cos[r]));
  const ownNegative = negativeRow.map((rows) => rows.map((r) => cos[r]));
  const shown = allColumnRows.map((r) => cos[r]);
  const decides = method === 'chexzero' || method === 'pos-neg' || method === 'xplainer';
  for (let i = 0; i < images.length; i++) {
    if (similarity.length > 0) similarity[i] = shown.map((column) => column[i]);
    const row = new Array<number>(perClass.length);
    const decided: boolean[] = decides ? new Array<boolean>(perClass.length) : [];
    for (let k = 0; k < perClass.length; k++) {
      const sims = own[k];
      switch (method) {
        case 'mean': {
          let sum = 0;
          for (let d = 0; d < sims.length; d++) sum += sims[d][i];
          row[k] = sum / sims.length;
          break;
        }
        case 'max': {
          let best = -Infinity;
          for (let d = 0; d < sims.length; d++) best = Math.max(best, sims[d][i]);
          row[k] = best;
          break;
        }
        case 'embed-mean':
          row[k] = cos[classVector[k]][i];
          break;
        case 'chexzero': {
          // exp(a) / (exp(a) + exp(b)) on raw cosines, written as a logistic for stability.
          const p = 1 / (1 + Math.exp(cos[negativeVector[k]][i] - cos[classVector[k]][i]));
          row[k] = p;
          decided[k] = p > 0.5;
          break;
        }
        case 'pos-neg': {
          const difference = cos[classVector[k]][i] - cos[negativeVector[k]][i];
          row[k] = difference;
          decided[k] = difference > 0;
          break;
        }
        case 'xplainer': {
          let logPositive = 0;
          let logNegative = 0;
          for (let d = 0; d < sims.length; d++) {
            const margin = (sims[d][i] - ownNegative[k][d][i]) / XPLAINER_TEMPERATURE;
            logPositive -= softplus(-margin); // log p⁺ = log σ(margin)
            logNegative -= softplus(margin); //  log p⁻ = log σ(−margin)
          }
          const probability = Math.exp(logPositive / sims.length);
          row[k] = probability;
          decided[k] = probability > Math.exp(logNegative / sims.length);
          break;
        }
      }
    }
    if (noFinding >= 0) {
      let maxOther = 0;
      row.forEach((v, k) => {
        if (k !== noFinding) maxOther = Math.max(maxOther, v);
      });
      row[noFinding] = 1 - maxOther;
      decided[noFinding] = !decided.some((d, k) => d && k !== noFinding);
    }
    scores[i] = row;
    if (decided.length > 0) present.push(decided);
  }
  const result: RecipeScores = { scores, columns, similarity };
  if (method === 'chexzero' || method === 'pos-neg' || method === 'xplainer') result.present = present;
  return result;
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

/** log(1 + eˣ) without overflow. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * The plan's text embeddings, normalised once into one flat Float32Array, plus the averaged
 * vectors some recipes need, whose cosines with the images scoring/cosines.ts computes.
 */
class VectorBank {
  readonly rows: Float32Array[] = [];
  private readonly index = new Map<string, number>();
  private dim = -1;

  constructor(plan: TextPlan, embeddings: TextEmbeddings) {
    const lookup = typeof embeddings === 'function' ? embeddings : (t: string) => embeddings.get(t);
    for (const text of plan.texts) {
      const v = lookup(text);
      if (v === undefined) throw new Error(`No embedding for the text "${text}"`);
      this.index.set(text, this.push(normalised(v, `text "${text}"`)));
    }
  }

  get size(): number {
    return this.rows.length;
  }

  row(text: string): number {
    const r = this.index.get(text);
    if (r === undefined) throw new Error(`No embedding for the text "${text}"`);
    return r;
  }

  /** Adds normalise(mean of the texts' normalised embeddings); returns its row. */
  addMean(texts: readonly string[]): number {
    const sum = new Float32Array(this.dim);
    for (const t of texts) {
      const v = this.rows[this.row(t)];
      for (let j = 0; j < this.dim; j++) sum[j] += v[j];
    }
    return this.push(normalised(sum, `mean of ${texts.length} texts`));
  }

  private push(v: Float32Array): number {
    if (this.dim === -1) this.dim = v.length;
    else if (v.length !== this.dim) throw new Error(`Text embeddings differ in size (${v.length} vs ${this.dim})`);
    this.rows.push(v);
    return this.rows.length - 1;
  }
}

function normalised(v: Vector, what: string): Float32Array {
  let norm = 0;
  for (let j = 0; j < v.length; j++) norm += v[j] * v[j];
  if (!(norm > 0) || !Number.isFinite(norm)) throw new Error(`The embedding of ${what} is zero or not finite`);
  const scale = 1 / Math.sqrt(norm);
  const out = new Float32Array(v.length);
  for (let j = 0; j < v.length; j++) out[j] = v[j] * scale;
  return out;
}
