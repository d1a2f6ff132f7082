// The recipes of scoring/recipes.ts computed column by column: one Float64Array of scores per
// class, and the per-descriptor cosines as the remembered columns themselves. The score step and
// descriptor importance work on these, so a run over 100,000 images allocates a few dozen typed
// arrays rather than a score array and a cosine array per image; scoreImages turns them into the
// per-image rows results keep. Each image's score is computed with the same operations in the
// same order as the per-image loop this replaced (a sum starts at 0 and takes the descriptors in
// order), so the numbers are the same to the last bit. With `remember`, a class's column is also
// remembered by the cosine arrays it is computed from, so an edit rescores the edited class only.
import { cosineColumns } from './cosines';
import type { RecipeName, TextEmbeddings, TextPlan, Vector } from './recipes';

/** Xplainer's softmax temperature over [cos⁺, cos⁻]. */
const XPLAINER_TEMPERATURE = 0.5;

export interface ClassScoreColumns {
  /** scores[c][i]: the score of plan.classes[c] for image i. */
  scores: Float64Array[];
  /**
   * similarity[k][i] = cos(image i, columns[k]'s embedded text). With `remember`, the arrays the
   * cosine memory holds (scoring/cosines.ts): read them, never write them; the same array object
   * means the same numbers (importance and metrics remember statistics by it).
   */
  similarity: Float64Array[];
  /** Column labels of `similarity`: the raw descriptors, class by class. */
  columns: { class: string; text: string }[];
  /** present[c][i] = 1: the recipe's own decision that class c is present (see RecipeScores.present). */
  present?: Uint8Array[];
}

/** Scores every image with the plan's recipe, class by class (see scoreImages). */
export function classScoreColumns(
  plan: TextPlan,
  images: readonly Vector[],
  textEmbeddings: TextEmbeddings,
  remember: boolean,
): ClassScoreColumns {
  const bank = new VectorBank(plan, textEmbeddings);
  const { perClass, method } = plan;
  const n = images.length;

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
  const columns = perClass.flatMap((c) => c.columns.map((col) => ({ class: c.class, text: col.descriptor })));
  const noFinding = plan.noFindingClass === undefined ? -1 : plan.classes.indexOf(plan.noFindingClass);

  const cos = cosineColumns(bank.rows, images, remember);
  const decides = method === 'chexzero' || method === 'pos-neg' || method === 'xplainer';
  const scores: Float64Array[] = [];
  const present: Uint8Array[] | undefined = decides ? [] : undefined;
  perClass.forEach((_, k) => {
    if (k === noFinding) {
      // Rewritten below from the other classes, whatever the recipe gives it.
      scores.push(new Float64Array(n));
      present?.push(new Uint8Array(n));
      return;
    }
    // The cosine columns class k's score is computed from, in the recipe's order.
    const inputs =
      method === 'mean' || method === 'max'
        ? columnRow[k].map((r) => cos[r])
        : method === 'embed-mean'
          ? [cos[classVector[k]]]
          : method === 'xplainer'
            ? [...columnRow[k], ...negativeRow[k]].map((r) => cos[r])
            : [cos[classVector[k]], cos[negativeVector[k]]];
    const column = remember ? rememberedClassColumn(method, inputs, n) : classColumn(method, inputs, n);
    scores.push(column.score);
    if (present) present.push(column.decided!);
  });
  if (noFinding >= 0) noFindingColumn(scores, present, noFinding);
  return { scores, similarity: columnRow.flat().map((r) => cos[r]), columns, ...(present ? { present } : {}) };
}

interface ClassColumn {
  score: Float64Array;
  /** 1 where the recipe calls the class present (chexzero, pos-neg, xplainer). */
  decided?: Uint8Array;
}

/** Bytes of remembered class columns (8 bytes an image, 9 with a decision). */
const REMEMBERED_BYTES = 32 * 2 ** 20;
/** A number per remembered cosine column, never reused, so that a key names its columns exactly. */
const columnIds = new WeakMap<Float64Array, number>();
let lastId = 0;
/** Least recently used first. */
const rememberedClasses = new Map<string, ClassColumn>();

/**
 * classColumn, remembered by the recipe and the very cosine arrays it reads: those are the cosine
 * memory's, never written, so the same arrays give the same scores. A one-descriptor edit then
 * recomputes the edited class and its leave-one-outs only. The arrays returned are shared by
 * every caller with the same key: never write them.
 */
function rememberedClassColumn(method: RecipeName, inputs: Float64Array[], n: number): ClassColumn {
  const ids = inputs.map((c) => {
    let id = columnIds.get(c);
    if (id === undefined) columnIds.set(c, (id = ++lastId));
    return id;
  });
  const key = `${method}:${ids.join(',')}`;
  let column = rememberedClasses.get(key);
  if (column) rememberedClasses.delete(key);
  else column = classColumn(method, inputs, n);
  rememberedClasses.set(key, column);
  const keep = Math.max(1, Math.floor(REMEMBERED_BYTES / (9 * Math.max(1, n))));
  for (const old of rememberedClasses.keys()) {
    if (rememberedClasses.size <= keep) break;
    rememberedClasses.delete(old);
  }
  return column;
}

/** Forget the remembered class columns. */
export function forgetClassColumns(): void {
  rememberedClasses.clear();
}

/** One class's scores from its cosine columns (`inputs`, see classScoreColumns), as the recipe computes them. */
function classColumn(method: RecipeName, inputs: Float64Array[], n: number): ClassColumn {
  const out = new Float64Array(n);
  const decided = method === 'mean' || method === 'max' || method === 'embed-mean' ? undefined : new Uint8Array(n);
  switch (method) {
    // Descriptor by descriptor over all images: each image's sum (or maximum) still starts
    // from 0 (−∞) and takes its descriptors in order.
    case 'mean':
      for (const column of inputs) for (let i = 0; i < n; i++) out[i] += column[i];
      for (let i = 0; i < n; i++) out[i] /= inputs.length;
      break;
    case 'max':
      out.fill(-Infinity);
      for (const column of inputs) for (let i = 0; i < n; i++) out[i] = Math.max(out[i], column[i]);
      break;
    case 'embed-mean':
      out.set(inputs[0]);
      break;
    case 'chexzero': {
      const [positive, negative] = inputs;
      for (let i = 0; i < n; i++) {
        // exp(a) / (exp(a) + exp(b)) on raw cosines, written as a logistic for stability.
        const p = 1 / (1 + Math.exp(negative[i] - positive[i]));
        out[i] = p;
        decided![i] = p > 0.5 ? 1 : 0;
      }
      break;
    }
    case 'pos-neg': {
      const [positive, negative] = inputs;
      for (let i = 0; i < n; i++) {
        const difference = positive[i] - negative[i];
        out[i] = difference;
        decided![i] = difference > 0 ? 1 : 0;
      }
      break;
    }
    case 'xplainer': {
      // The descriptors' positive prompts, then their negative prompts.
      const count = inputs.length / 2;
      for (let i = 0; i < n; i++) {
        let logPositive = 0;
        let logNegative = 0;
        for (let d = 0; d < count; d++) {
          const margin = (inputs[d][i] - inputs[count + d][i]) / XPLAINER_TEMPERATURE;
          logPositive -= softplus(-margin); // log p⁺ = log σ(margin)
          logNegative -= softplus(margin); //  log p⁻ = log σ(−margin)
        }
        const probability = Math.exp(logPositive / count);
        out[i] = probability;
        decided![i] = probability > Math.exp(logNegative / count) ? 1 : 0;
      }
      break;
    }
  }
  return { score: out, decided };
}

/**
 * "No finding" = 1 − the best other class (floored at 0, so at most 1), present when no other
 * class is; rewritten in place after the other classes' columns are set.
 */
export function noFindingColumn(scores: Float64Array[], present: Uint8Array[] | undefined, noFinding: number): void {
  const n = scores[noFinding].length;
  for (let i = 0; i < n; i++) {
    let maxOther = 0;
    let otherPresent = 0;
    for (let k = 0; k < scores.length; k++) {
      if (k === noFinding) continue;
      maxOther = Math.max(maxOther, scores[k][i]);
      if (present) otherPresent |= present[k][i];
    }
    scores[noFinding][i] = 1 - maxOther;
    if (present) present[noFinding][i] = otherPresent ? 0 : 1;
  }
}

/** log(1 + eˣ) without overflow. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * The plan's text embeddings, normalised once into Float32Arrays, plus the averaged vectors some
 * recipes need, whose cosines with the images scoring/cosines.ts computes.
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
