// The two ONNX towers: check what a graph declares against the layout, then feed it exactly the
// inputs it declares (some text towers take only input_ids) and return L2-normalised embeddings.

import { InferenceSession, Tensor } from 'onnxruntime-node';
import { LAYOUT_HINT, ModelError } from './errors';
import type { TokenizedText } from './tokenizer';
import { fromHalfBits, toHalfBits } from '../common/float16';

/**
 * One input or output as a graph declares it: from an open session's metadata, or read from the
 * file without a session (./graphSignature).
 */
export interface Declared {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: readonly (number | string)[];
}

export interface DeclaredGraph {
  readonly inputs: readonly Declared[];
  readonly outputs: readonly Declared[];
}

const declaredBy = (session: InferenceSession): DeclaredGraph => ({
  inputs: session.inputMetadata,
  outputs: session.outputMetadata,
});

function describe(list: readonly Declared[]): string {
  if (list.length === 0) return 'none';
  return list
    .map((m) => (m.isTensor ? `${m.name} (${m.type} [${(m.shape ?? []).join(', ')}])` : `${m.name} (not a tensor)`))
    .join(', ');
}

function tensorInput(graph: DeclaredGraph, name: string): Declared | undefined {
  const meta = graph.inputs.find((m) => m.name === name);
  return meta?.isTensor ? meta : undefined;
}

/** A numeric dimension of a declared shape, or undefined when symbolic/absent. */
function fixedDim(meta: Declared | undefined, axis: number): number | undefined {
  const dim = meta?.shape?.[axis];
  return typeof dim === 'number' && dim > 0 ? dim : undefined;
}

function checkGraph(
  graph: DeclaredGraph,
  file: string,
  tower: string,
  required: { inputs: string[]; output: string },
  optionalInputs: string[],
): void {
  const inputNames = graph.inputs.map((m) => m.name);
  const missingInputs = required.inputs.filter((n) => !inputNames.includes(n));
  const unknownInputs = inputNames.filter((n) => !required.inputs.includes(n) && !optionalInputs.includes(n));
  const missingOutput = !graph.outputs.some((m) => m.name === required.output);
  if (missingInputs.length === 0 && unknownInputs.length === 0 && !missingOutput) return;
  const problems = [
    missingInputs.length > 0 ? `no input ${missingInputs.map((n) => `"${n}"`).join(', ')}` : '',
    unknownInputs.length > 0 ? `inputs it cannot be fed: ${unknownInputs.map((n) => `"${n}"`).join(', ')}` : '',
    missingOutput ? `no output "${required.output}"` : '',
  ].filter(Boolean);
  const expectedInputs = [...required.inputs, ...optionalInputs.map((n) => `[${n}]`)].join(', ');
  throw new ModelError(
    `${file} is not a ${tower} tower in the expected layout: it has ${problems.join('; ')}. ` +
      `Expected inputs ${expectedInputs} and output "${required.output}"; ` +
      `found inputs ${describe(graph.inputs)} and outputs ${describe(graph.outputs)}. ${LAYOUT_HINT}`,
    file,
  );
}

function checkTensorType(meta: Declared | undefined, allowed: readonly string[], file: string): void {
  if (meta?.type !== undefined && !allowed.includes(meta.type)) {
    throw new ModelError(`${file}: input "${meta.name}" is ${meta.type}; expected ${allowed.join(' or ')}.`, file);
  }
}

function floatTensor(type: string, data: Float32Array, dims: number[]): Tensor {
  if (type === 'float16') return new Tensor('float16', Uint16Array.from(data, toHalfBits), dims);
  return new Tensor('float32', data, dims);
}

function floatData(tensor: Tensor): Float32Array {
  if (tensor.type === 'float16') return Float32Array.from(tensor.data as Uint16Array, fromHalfBits);
  if (tensor.type !== 'float32') throw new Error(`unexpected output type ${tensor.type}`);
  return tensor.data as Float32Array;
}

function intTensor(type: string, values: ArrayLike<number>, dims: number[]): Tensor {
  if (type === 'int32') return new Tensor('int32', Int32Array.from(values), dims);
  return new Tensor('int64', BigInt64Array.from(Array.from(values, (v) => BigInt(v))), dims);
}

/**
 * Split a [batch, dim] output into L2-normalised rows. A row with NaN or Infinity, or all zeros,
 * fails the cell naming the tower: scored, it would give AUROC 0 or 1 that mean nothing.
 */
function normalisedRows(data: Float32Array, batch: number, file: string, output: string): Float32Array[] {
  if (data.length % batch !== 0 || data.length === 0) {
    throw new ModelError(`${file}: output "${output}" has ${data.length} values for ${batch} inputs.`, file);
  }
  const dim = data.length / batch;
  const rows: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const row = data.slice(b * dim, (b + 1) * dim);
    let sum = 0;
    for (let i = 0; i < dim; i++) sum += row[i] * row[i];
    const norm = Math.sqrt(sum);
    if (!Number.isFinite(norm) || norm === 0) {
      const what = row.some((v) => Number.isNaN(v))
        ? 'NaN'
        : row.some((v) => !Number.isFinite(v)) || !Number.isFinite(norm)
          ? 'Infinity (or values too large to square)'
          : 'only zeros';
      const tower = output === 'text_embeds' ? 'text' : 'vision';
      throw new ModelError(
        `The ${tower} tower ${file} output ${what} in "${output}" (input ${b + 1} of a batch of ${batch}); nothing was scored. The export or its weights are broken (an fp16 export may overflow): re-export the model, or try variant: fp32.`,
        file,
      );
    }
    for (let i = 0; i < dim; i++) row[i] /= norm;
    rows.push(row);
  }
  return rows;
}

/** Embedding width the graph declares for an output, if its last dimension is fixed. */
function declaredWidth(graph: DeclaredGraph, output: string): number | undefined {
  const meta = graph.outputs.find((m) => m.name === output);
  if (!meta?.isTensor || !meta.shape?.length) return undefined;
  const last = meta.shape[meta.shape.length - 1];
  return typeof last === 'number' && last > 0 ? last : undefined;
}

/** What the model needs of a vision graph, checked: it takes 3×side×side pixel_values and gives image_embeds. */
export interface VisionDeclaration {
  pixelType: string;
  embedDim: number | undefined;
  outputs: string[];
}

export function checkVisionGraph(graph: DeclaredGraph, file: string, side: number): VisionDeclaration {
  checkGraph(graph, file, 'vision', { inputs: ['pixel_values'], output: 'image_embeds' }, []);
  const meta = tensorInput(graph, 'pixel_values');
  checkTensorType(meta, ['float32', 'float16'], file);
  const channels = fixedDim(meta, 1);
  const height = fixedDim(meta, 2);
  const width = fixedDim(meta, 3);
  if (
    (channels !== undefined && channels !== 3) ||
    (height !== undefined && height !== side) ||
    (width !== undefined && width !== side)
  ) {
    throw new ModelError(
      `${file} takes pixel_values of shape [${meta?.shape?.join(', ')}], but ` +
        `preprocessor_config.json makes 3x${side}x${side} images. The two files do not belong together.`,
      file,
    );
  }
  return {
    pixelType: meta?.type ?? 'float32',
    embedDim: declaredWidth(graph, 'image_embeds'),
    outputs: graph.outputs.map((m) => m.name),
  };
}

/** One batch for the vision tower: the CHW arrays of 3·side² values each, one after another. */
export function packPixels(pixels: Float32Array[], side: number): Float32Array {
  const plane = 3 * side * side;
  const batch = new Float32Array(pixels.length * plane);
  pixels.forEach((p, i) => {
    if (p.length !== plane)
      throw new Error(`pixel array ${i} has ${p.length} values; expected 3x${side}x${side} = ${plane}`);
    batch.set(p, i * plane);
  });
  return batch;
}

/** The vision tower as the model uses it: on this thread (VisionTower) or in a worker (./visionThread). */
/**
 * What a vision graph can give per image: the pooled embedding, or `patch_embeds` [batch, tokens,
 * dim]: each patch token projected into the joint space the way the pooled one is (an optional
 * output; the explain step's patch-token map).
 */
export type VisionOutput = 'image_embeds' | 'patch_embeds';

export interface VisionEncoder {
  readonly side: number;
  readonly embedDim: number | undefined;
  /** The graph's output names (whether it has patch_embeds or last_hidden_state). */
  readonly outputs: readonly string[];
  /**
   * Rejects with CancelledError as soon as `signal` fires, even while the batch is still running.
   * `patch_embeds` gives per image its tokens, each L2-normalised, one after another.
   */
  embed(pixels: Float32Array[], signal?: AbortSignal, output?: VisionOutput): Promise<Float32Array[]>;
  release(): Promise<void>;
}

export class VisionTower implements VisionEncoder {
  private readonly declared: VisionDeclaration;

  constructor(
    private readonly session: InferenceSession,
    private readonly file: string,
    readonly side: number,
  ) {
    this.declared = checkVisionGraph(declaredBy(session), file, side);
  }

  get embedDim(): number | undefined {
    return this.declared.embedDim;
  }

  get outputs(): readonly string[] {
    return this.declared.outputs;
  }

  /** pixels: one CHW float32 array of 3·side² per image. */
  embed(pixels: Float32Array[], _signal?: AbortSignal, output: VisionOutput = 'image_embeds'): Promise<Float32Array[]> {
    return this.embedBatch(packPixels(pixels, this.side), pixels.length, output);
  }

  /** `count` images packed one after another (packPixels). */
  async embedBatch(batch: Float32Array, count: number, output: VisionOutput = 'image_embeds'): Promise<Float32Array[]> {
    const feeds = { pixel_values: floatTensor(this.declared.pixelType, batch, [count, 3, this.side, this.side]) };
    const result = await this.session.run(feeds, [output]);
    const tensor = result[output] as Tensor;
    if (output === 'image_embeds') return normalisedRows(floatData(tensor), count, this.file, output);
    // [count, tokens, dim]: normalise every token, then hand back each image's tokens together.
    const tokens = tensor.dims.length === 3 ? Number(tensor.dims[1]) : NaN;
    if (!(tokens > 0))
      throw new ModelError(
        `${this.file}: output "${output}" has shape [${tensor.dims.join(', ')}], not [batch, tokens, dim].`,
        this.file,
      );
    const rows = normalisedRows(floatData(tensor), count * tokens, this.file, output);
    return Array.from({ length: count }, (_, i) => {
      const image = new Float32Array(rows.length === 0 ? 0 : tokens * rows[0].length);
      for (let k = 0; k < tokens; k++) image.set(rows[i * tokens + k], k * rows[0].length);
      return image;
    });
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

const TEXT_OPTIONAL_INPUTS = ['attention_mask', 'token_type_ids', 'position_ids'];

export class TextTower {
  private readonly inputs: Map<string, string>;
  private readonly declared: DeclaredGraph;

  constructor(
    private readonly session: InferenceSession,
    private readonly file: string,
  ) {
    this.declared = declaredBy(session);
    checkGraph(this.declared, file, 'text', { inputs: ['input_ids'], output: 'text_embeds' }, TEXT_OPTIONAL_INPUTS);
    this.inputs = new Map();
    for (const name of ['input_ids', ...TEXT_OPTIONAL_INPUTS]) {
      const meta = tensorInput(this.declared, name);
      if (!meta) continue;
      checkTensorType(meta, ['int64', 'int32'], file);
      this.inputs.set(name, meta.type!);
    }
  }

  /** A sequence length fixed in the graph (some exports are traced at 77 or 64), if any. */
  get fixedContextLength(): number | undefined {
    return fixedDim(tensorInput(this.declared, 'input_ids'), 1);
  }

  get embedDim(): number | undefined {
    return declaredWidth(this.declared, 'text_embeds');
  }

  async embed(texts: TokenizedText[]): Promise<Float32Array[]> {
    const length = texts[0].inputIds.length;
    const dims = [texts.length, length];
    const values: Record<string, number[]> = {
      input_ids: texts.flatMap((t) => t.inputIds),
      attention_mask: texts.flatMap((t) => t.attentionMask),
      token_type_ids: new Array<number>(texts.length * length).fill(0),
      position_ids: texts.flatMap(() => Array.from({ length }, (_, i) => i)),
    };
    const feeds: Record<string, Tensor> = {};
    for (const [name, type] of this.inputs) feeds[name] = intTensor(type, values[name], dims);
    const result = await this.session.run(feeds, ['text_embeds']);
    return normalisedRows(floatData(result.text_embeds as Tensor), texts.length, this.file, 'text_embeds');
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
