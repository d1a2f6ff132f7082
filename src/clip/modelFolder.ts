// Reads a model folder in the Hugging Face / transformers.js ONNX layout and says precisely what
// is missing or malformed. Nothing here touches onnxruntime: the sessions check the graphs.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LAYOUT_HINT, ModelError } from './errors';
import type { Variant } from './types';

export type JsonObject = Record<string, unknown>;

export interface ModelFolder {
  /** Absolute folder. */
  dir: string;
  config: JsonObject;
  preprocessorConfig: JsonObject;
  tokenizerJson: JsonObject;
  /** {} when the folder has no tokenizer_config.json (it is optional in the layout). */
  tokenizerConfig: JsonObject;
  /** Absolute paths of the graphs actually used. */
  visionModel: string;
  textModel: string;
  /** The variants of those two graphs (a requested variant a folder lacks falls back to another). */
  graphVariants: Variant[];
  /** Every file whose bytes decide the model's outputs (graphs, external weights, json): the fingerprint. */
  definingFiles: string[];
}

const VARIANT_SUFFIX: Record<Variant, string> = { fp32: '', quantized: '_quantized', fp16: '_fp16' };

async function isFile(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

async function readJsonObject(dir: string, name: string): Promise<JsonObject | undefined> {
  const file = path.join(dir, name);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ModelError(`${file} cannot be read: ${(err as Error).message}`, file);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ModelError(`${file} is not valid JSON (${(err as Error).message}).`, file);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ModelError(`${file} must hold a JSON object.`, file);
  }
  return value as JsonObject;
}

async function requireJson(dir: string, name: string): Promise<JsonObject> {
  const value = await readJsonObject(dir, name);
  if (value === undefined) {
    const file = path.join(dir, name);
    throw new ModelError(`The model folder ${dir} has no ${name}. ${LAYOUT_HINT}`, file);
  }
  return value;
}

function variantOf(graph: string): Variant {
  const name = path.basename(graph, '.onnx');
  return (
    (Object.keys(VARIANT_SUFFIX) as Variant[]).find((v) => VARIANT_SUFFIX[v] && name.endsWith(VARIANT_SUFFIX[v])) ??
    'fp32'
  );
}

/** The graph for one tower: the requested variant when present, else fp32, else any variant. */
async function pickGraph(
  dir: string,
  tower: 'vision_model' | 'text_model',
  variant: Variant,
  log: (message: string) => void,
): Promise<string> {
  const order: Variant[] = [variant, 'fp32', 'quantized', 'fp16'].filter(
    (v, i, all) => all.indexOf(v) === i,
  ) as Variant[];
  for (const candidate of order) {
    const file = path.join(dir, 'onnx', `${tower}${VARIANT_SUFFIX[candidate]}.onnx`);
    if (await isFile(file)) {
      if (candidate !== variant) {
        log(`onnx/${tower}${VARIANT_SUFFIX[variant]}.onnx not found; using onnx/${path.basename(file)}.`);
      }
      return file;
    }
  }
  const expected = path.join(dir, 'onnx', `${tower}.onnx`);
  const combined = (await isFile(path.join(dir, 'onnx', 'model.onnx')))
    ? ' The folder has onnx/model.onnx, a combined CLIP graph: export the two towers separately ' +
      '(e.g. optimum-cli export onnx, as transformers.js models ship them).'
    : '';
  throw new ModelError(`The model folder ${dir} has no onnx/${tower}.onnx.${combined} ${LAYOUT_HINT}`, expected);
}

/** External-data files (`vision_model.onnx_data`, …) carry the weights of large graphs. */
async function externalDataFiles(graph: string): Promise<string[]> {
  const base = path.basename(graph);
  const names = await fs.readdir(path.dirname(graph));
  return names
    .filter((n) => n.startsWith(`${base}_data`) || n.startsWith(`${base}.data`))
    .sort()
    .map((n) => path.join(path.dirname(graph), n));
}

export async function readModelFolder(
  folder: string,
  variant: Variant = 'fp32',
  log: (message: string) => void = () => {},
): Promise<ModelFolder> {
  const dir = path.resolve(folder);
  let stat;
  try {
    stat = await fs.stat(dir);
  } catch {
    throw new ModelError(`Model folder not found: ${dir}. ${LAYOUT_HINT}`, dir);
  }
  if (!stat.isDirectory()) {
    throw new ModelError(`${dir} is a file, not a model folder. ${LAYOUT_HINT}`, dir);
  }
  const config = await requireJson(dir, 'config.json');
  const preprocessorConfig = await requireJson(dir, 'preprocessor_config.json');
  const tokenizerJson = await requireJson(dir, 'tokenizer.json');
  if (typeof tokenizerJson.model !== 'object' || tokenizerJson.model === null) {
    const file = path.join(dir, 'tokenizer.json');
    throw new ModelError(
      `${file} has no "model" section: it is not a tokenizers-library tokenizer.json (a slow ` +
        'tokenizer folder with only vocab.json/merges.txt must be converted, e.g. by saving ' +
        'AutoTokenizer.from_pretrained(...) with transformers).',
      file,
    );
  }
  const tokenizerConfig = (await readJsonObject(dir, 'tokenizer_config.json')) ?? {};
  const visionModel = await pickGraph(dir, 'vision_model', variant, log);
  const textModel = await pickGraph(dir, 'text_model', variant, log);

  const jsonFiles = ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'];
  const definingFiles = [
    visionModel,
    ...(await externalDataFiles(visionModel)),
    textModel,
    ...(await externalDataFiles(textModel)),
  ];
  for (const name of jsonFiles) {
    if (await isFile(path.join(dir, name))) definingFiles.push(path.join(dir, name));
  }
  return {
    dir,
    config,
    preprocessorConfig,
    tokenizerJson,
    tokenizerConfig,
    visionModel,
    textModel,
    graphVariants: [...new Set([variantOf(visionModel), variantOf(textModel)])],
    definingFiles,
  };
}
