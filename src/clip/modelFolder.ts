// Reads a model folder in the Hugging Face / transformers.js ONNX layout and says precisely what
// is missing or malformed. Nothing here touches onnxruntime: the sessions check the graphs.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
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
  /** Every file whose bytes decide the model's outputs (graphs, external weights, json): the fingerprint. */
  definingFiles: string[];
  /** The variants of those two graphs (a requested variant a folder lacks falls back to another). */
  graphVariants: Variant[];
  /** The licence the README's front matter states (`license:`, with `license_name` for "other"). */
  licence?: string;
}

/** `license` (and `license_name`) from a model card's YAML front matter, as the hub writes them. */
export function licenceOf(readme: string): string | undefined {
  const match = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readme);
  if (!match) return undefined;
  let card: unknown;
  try {
    card = parseYaml(match[1]);
  } catch {
    return undefined;
  }
  if (card === null || typeof card !== 'object') return undefined;
  const { license, license_name: name } = card as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  if (license === 'other' && text(name)) return `other (${text(name)})`;
  return Array.isArray(license) ? license.map(String).join(', ') || undefined : text(license);
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

export type Tower = 'vision_model' | 'text_model';
export const TOWERS: Tower[] = ['vision_model', 'text_model'];

/** The JSON files a model needs, and the small files read when present (README: the licence). */
export const REQUIRED_FILES = ['config.json', 'preprocessor_config.json', 'tokenizer.json'];
export const OPTIONAL_FILES = ['tokenizer_config.json', 'special_tokens_map.json', 'README.md'];

/**
 * The graph for one tower among a folder's files ('/'-separated, relative): the requested variant
 * when present, else fp32, else any variant. The hub download picks its files with this too.
 */
export function chooseGraph(files: ReadonlySet<string>, tower: Tower, variant: Variant): string | undefined {
  const order = [variant, 'fp32', 'quantized', 'fp16'].filter((v, i, all) => all.indexOf(v) === i) as Variant[];
  return order.map((v) => `onnx/${tower}${VARIANT_SUFFIX[v]}.onnx`).find((name) => files.has(name));
}

/** The variant a graph file is (`onnx/vision_model_fp16.onnx` is fp16). */
export function variantOf(graph: string): Variant {
  if (graph.endsWith('_quantized.onnx')) return 'quantized';
  if (graph.endsWith('_fp16.onnx')) return 'fp16';
  return 'fp32';
}

/** External-data files (`vision_model.onnx_data`, …) carry the weights of large graphs. */
export function externalDataFiles(files: Iterable<string>, graph: string): string[] {
  return [...files].filter((n) => n.startsWith(`${graph}_data`) || n.startsWith(`${graph}.data`)).sort();
}

/** What a folder with these files lacks for the supported layout, in words; empty when complete. */
export function layoutGaps(files: ReadonlySet<string>): string[] {
  const gaps = REQUIRED_FILES.filter((f) => !files.has(f));
  for (const tower of TOWERS) {
    if (!chooseGraph(files, tower, 'fp32')) gaps.push(`onnx/${tower}.onnx (or a _quantized / _fp16 variant)`);
  }
  return gaps;
}

/** Advice for a folder whose towers are missing, from what it holds instead. */
export function towerAdvice(files: ReadonlySet<string>): string {
  if (files.has('onnx/model.onnx')) {
    return 'The folder has onnx/model.onnx, a combined CLIP graph: export the two towers separately (e.g. optimum-cli export onnx, as transformers.js models ship them).';
  }
  if ([...files].some((f) => /\.(safetensors|bin|pt|pth)$/.test(f))) {
    return 'It holds PyTorch weights only: export them to ONNX first (docs/models.md; an OpenAI CLIP state dict converts with scripts/convert/openai-clip.py).';
  }
  return '';
}

async function pickGraph(
  dir: string,
  files: ReadonlySet<string>,
  tower: Tower,
  variant: Variant,
  log: (message: string) => void,
): Promise<string> {
  const chosen = chooseGraph(files, tower, variant);
  if (chosen) {
    if (variantOf(chosen) !== variant) {
      log(`onnx/${tower}${VARIANT_SUFFIX[variant]}.onnx not found; using ${chosen}.`);
    }
    return path.join(dir, chosen);
  }
  const expected = path.join(dir, 'onnx', `${tower}.onnx`);
  throw new ModelError(
    `The model folder ${dir} has no onnx/${tower}.onnx. ${towerAdvice(files)} ${LAYOUT_HINT}`.replace('  ', ' '),
    expected,
  );
}

/** The folder's files as relative '/' paths: the top level and onnx/ (all the layout uses). */
async function listLayoutFiles(dir: string): Promise<Set<string>> {
  const files = new Set<string>();
  const add = async (sub: string) => {
    const entries = await fs.readdir(path.join(dir, sub), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      // Hub snapshots hold symbolic links to blobs: stat follows them.
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isFile() || (e.isSymbolicLink() && (await isFile(path.join(dir, rel))))) files.add(rel);
    }
  };
  await add('');
  await add('onnx');
  return files;
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
  const files = await listLayoutFiles(dir);
  const visionModel = await pickGraph(dir, files, 'vision_model', variant, log);
  const textModel = await pickGraph(dir, files, 'text_model', variant, log);

  const jsonFiles = ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'];
  const graphFiles = [visionModel, textModel].flatMap((graph) => {
    const rel = path.relative(dir, graph).split(path.sep).join('/');
    return [rel, ...externalDataFiles(files, rel)];
  });
  const definingFiles = [...graphFiles, ...jsonFiles.filter((name) => files.has(name))].map((rel) =>
    path.join(dir, rel),
  );
  return {
    dir,
    config,
    preprocessorConfig,
    tokenizerJson,
    tokenizerConfig,
    visionModel,
    textModel,
    definingFiles,
    graphVariants: [...new Set([variantOf(visionModel), variantOf(textModel)])],
    licence: licenceOf(await fs.readFile(path.join(dir, 'README.md'), 'utf8').catch(() => '')),
  };
}
