// The generate step's options: its schema, and reading a cell's options into what the step
// needs (the classes to ask about, the prompt recipe, the LLM and its endpoint, the templates),
// with every error placed at the option it is about.
import { CellError } from '../../common/errors';
import { LlmError, type ChatParameters, type LlmField } from '../../llm/client';
import { EndpointError, OPENAI_BASE_URL, parseEndpoint, type Endpoint } from '../../llm/endpoint';
import { RECIPES, recipeFor, type Recipe } from '../../llm/prompts';
import type { OptionsOf, StepSchema } from '../schema';
import { checkTemplate, fieldError } from './common';
import type { StepContext } from './step';

const DEFAULT_MAX_TOKENS = 500;
const MAX_SAMPLES = 20;

export interface ClassToAsk {
  /** The label images carry: the key of the descriptor set. */
  label: string;
  /** The name put into the prompt. */
  asked: string;
  /** Where the class sits in the cell, for errors. */
  at: string;
}

export interface LlmOptions {
  model: string;
  parameters: ChatParameters;
  n: number;
}

export const GENERATE_SCHEMA = {
  step: 'generate',
  summary: 'Ask an LLM (any OpenAI-compatible endpoint) for descriptors per class',
  nameDescription: 'the name score cells use for the generated descriptor set',
  options: {
    classes: {
      type: 'any',
      required: true,
      description:
        'the classes to ask about: a list such as [normal, effusion], or label → name to ask with, e.g. {ptx: pneumothorax}',
    },
    modality: {
      type: 'string',
      description: 'the imaging modality the prompt names, e.g. "chest X-ray" (needed by medical and cupl)',
    },
    prompt: {
      type: 'string',
      default: 'medical',
      description: `a prompt recipe of docs/methods.md (${RECIPES.join(', ')}; default medical) or your own text with {class} and {modality}`,
    },
    llm: {
      type: 'map',
      description: 'model, temperature (default 0), max_tokens (default 500), n samples merged (default 1)',
    },
    endpoint: {
      type: 'string',
      description: `base URL of an OpenAI-compatible server, e.g. http://localhost:11434/v1 (Ollama); default: setting symptomLens.llm.baseUrl, else ${OPENAI_BASE_URL}`,
    },
    refresh: {
      type: 'boolean',
      default: false,
      description: 'true asks the LLM again even where completions are cached, and overwrites them',
    },
    cache: {
      type: 'string',
      description:
        'folder for the completion cache, relative to the notebook (default: the kernel cache); commit it to make the notebook reproducible offline',
    },
    template: {
      type: 'string',
      description:
        'sentence for each descriptor with {descriptor} and, if wanted, {class}; default: "{class}, which has {descriptor}" (cupl: "{descriptor}")',
    },
    template_class: { type: 'string', description: 'text for a class without descriptors, with {class}' },
  },
} as const satisfies StepSchema;

export type GenerateOptions = OptionsOf<typeof GENERATE_SCHEMA>;

/** What a generate cell asks for, read and checked. */
export interface GenerateInputs {
  classes: ClassToAsk[];
  recipe: Recipe;
  modality: string | undefined;
  llm: LlmOptions;
  endpoint: Endpoint;
  template: string | undefined;
  templateClass: string | undefined;
  /** The completion cache's folder. */
  cacheDir: string;
}

export function readGenerateOptions(ctx: StepContext<unknown>, o: GenerateOptions): GenerateInputs {
  const recipe = readRecipe(ctx, o.prompt);
  return {
    classes: readClasses(ctx, o.classes),
    recipe,
    modality: readModality(ctx, recipe, o.modality),
    llm: readLlm(ctx, o.llm),
    endpoint: readEndpoint(ctx, o.endpoint),
    template: checkTemplate(ctx, 'template', o.template, ['descriptor'], ['class', 'descriptor']) ?? recipe.template,
    templateClass: checkTemplate(ctx, 'template_class', o.template_class, ['class'], ['class']),
    cacheDir: o.cache !== undefined ? ctx.resolvePath(o.cache) : ctx.cacheDir,
  };
}

function readClasses(ctx: StepContext<unknown>, raw: unknown): ClassToAsk[] {
  const entries: ClassToAsk[] = [];
  const text = (v: unknown): string | undefined =>
    typeof v === 'string' || typeof v === 'number' ? String(v).trim() : undefined;
  if (Array.isArray(raw)) {
    raw.forEach((v, i) => {
      const label = text(v);
      if (!label)
        throw fieldError(
          ctx,
          `classes.${i}`,
          `Class ${i + 1} is not a name.`,
          'Write the classes as a list of names, e.g. [normal, effusion].',
        );
      entries.push({ label, asked: label, at: `classes.${i}` });
    });
  } else if (raw && typeof raw === 'object') {
    for (const [label, v] of Object.entries(raw as Record<string, unknown>)) {
      const asked = v === null ? label : text(v);
      if (!asked)
        throw fieldError(
          ctx,
          `classes.${label}`,
          `"${label}" should map to the name to ask about, e.g. "${label}: ${label}".`,
        );
      entries.push({ label, asked, at: `classes.${label}` });
    }
  } else if (typeof raw === 'string' && raw.trim()) {
    entries.push({ label: raw.trim(), asked: raw.trim(), at: 'classes' });
  }
  if (entries.length === 0) {
    throw fieldError(
      ctx,
      'classes',
      '"classes" lists no class.',
      'Write e.g. "classes: [normal, effusion, cardiomegaly]".',
    );
  }
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.label))
      throw fieldError(ctx, e.at, `The class "${e.label}" is listed twice.`, 'Remove one of them.');
    seen.add(e.label);
  }
  return entries;
}

function readRecipe(ctx: StepContext<unknown>, prompt: string): Recipe {
  const recipe = recipeFor(prompt);
  if (recipe.name === 'custom' && !prompt.includes('{class}')) {
    throw fieldError(
      ctx,
      'prompt',
      `"prompt" is neither a recipe (${RECIPES.join(', ')}) nor a text with {class} in it.`,
      'Use a recipe name, or write your own question with {class} (and {modality}) where the class goes.',
    );
  }
  return recipe;
}

function readModality(ctx: StepContext<unknown>, recipe: Recipe, written: string | undefined): string | undefined {
  const modality = written?.trim() || undefined;
  if (recipe.needsModality && modality === undefined) {
    throw fieldError(
      ctx,
      'prompt' in ctx.cell.positions ? 'prompt' : ctx.cell.step,
      `The ${recipe.name} prompt names the imaging modality, and this cell sets none.`,
      'Add e.g. "modality: chest X-ray".',
    );
  }
  return modality;
}

const LLM_KEYS = ['model', 'temperature', 'max_tokens', 'n'];

function readLlm(ctx: StepContext<unknown>, llm: Record<string, unknown> | undefined): LlmOptions {
  const raw = llm ?? {};
  for (const key of Object.keys(raw)) {
    if (!LLM_KEYS.includes(key)) {
      throw fieldError(
        ctx,
        `llm.${key}`,
        `"${key}" is not an option of llm.`,
        `Options of llm: ${LLM_KEYS.join(', ')}.`,
      );
    }
  }
  const modelRaw = raw.model ?? ctx.settings.llmModel;
  const model = typeof modelRaw === 'string' || typeof modelRaw === 'number' ? String(modelRaw).trim() : '';
  if (!model) {
    throw fieldError(
      ctx,
      raw.model !== undefined ? 'llm.model' : llm !== undefined ? 'llm' : ctx.cell.step,
      'No model is named.',
      'Add "llm: {model: NAME}" to this cell (e.g. gpt-4o-mini, or llama3.1 on Ollama), or set symptomLens.llm.model.',
    );
  }
  const temperature = raw.temperature ?? 0;
  if (typeof temperature !== 'number' || temperature < 0 || temperature > 2) {
    throw fieldError(
      ctx,
      'llm.temperature',
      '"temperature" must be a number from 0 to 2.',
      '0 (the default) gives the most repeatable replies.',
    );
  }
  const maxTokens = raw.max_tokens ?? DEFAULT_MAX_TOKENS;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
    throw fieldError(
      ctx,
      'llm.max_tokens',
      '"max_tokens" must be a whole number of at least 1.',
      `The default, ${DEFAULT_MAX_TOKENS}, fits a list of findings.`,
    );
  }
  const n = raw.n ?? 1;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_SAMPLES) {
    throw fieldError(
      ctx,
      'llm.n',
      `"n" must be a whole number from 1 to ${MAX_SAMPLES}.`,
      'n samples per prompt are merged and de-duplicated.',
    );
  }
  return { model, parameters: { temperature, max_tokens: maxTokens }, n };
}

function readEndpoint(ctx: StepContext<unknown>, fromCell: string | undefined): Endpoint {
  const raw = typeof fromCell === 'string' ? fromCell : ctx.settings.llmBaseUrl || OPENAI_BASE_URL;
  try {
    return parseEndpoint(raw);
  } catch (err) {
    if (!(err instanceof EndpointError)) throw err;
    if (typeof fromCell === 'string') throw fieldError(ctx, 'endpoint', err.message, err.hint);
    throw new CellError(
      `The setting symptomLens.llm.baseUrl: ${err.message}`,
      ctx.cell.positions[ctx.cell.step],
      undefined,
      err.hint,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Errors

/** Place an LLM failure at the part of the cell it is about (or say which setting it came from). */
export function toCellError(ctx: StepContext<unknown>, options: GenerateOptions, err: unknown): unknown {
  if (!(err instanceof LlmError)) return err;
  const llm = options.llm ?? {};
  const field: Record<LlmField, string | undefined> = {
    endpoint: options.endpoint !== undefined ? 'endpoint' : undefined,
    model: llm.model !== undefined ? 'llm.model' : undefined,
    parameters: options.llm !== undefined ? 'llm' : undefined,
    key: undefined,
  };
  const at = err.field ? field[err.field] : undefined;
  if (at) return fieldError(ctx, at, err.message, err.hint);
  const fromSetting =
    err.field === 'endpoint'
      ? ' (The base URL comes from the setting symptomLens.llm.baseUrl.)'
      : err.field === 'model'
        ? ' (The model comes from the setting symptomLens.llm.model.)'
        : '';
  return new CellError(err.message, ctx.cell.positions[ctx.cell.step], undefined, `${err.hint}${fromSetting}`);
}

export function noDescriptors(
  ctx: StepContext<unknown>,
  cls: ClassToAsk,
  replies: { text: string; finishReason: string | null }[],
  llm: LlmOptions,
): CellError {
  const nonEmpty = replies.find((r) => r.text.trim() !== '');
  const cut = replies.some((r) => r.finishReason === 'length');
  const what = !nonEmpty
    ? `${llm.model} returned an empty reply`
    : `${llm.model}'s reply has no usable descriptor (it said: "${quote(nonEmpty.text)}")`;
  // The reply is cached like any other, so only `refresh` asks again.
  const hint = [
    cut
      ? `The reply was cut off at max_tokens (${llm.parameters.max_tokens}): raise llm.max_tokens and add "refresh: true".`
      : '',
    'Add "refresh: true" to ask again, try another prompt or model, or write this class\'s descriptors by hand in a descriptors cell.',
  ];
  return fieldError(
    ctx,
    cls.at,
    `No descriptors for the class "${cls.label}": ${what}.`,
    hint.filter(Boolean).join(' '),
  );
}

/** A short, single-line, markup-free excerpt of model text for an error message. */
function quote(text: string): string {
  const flat = text
    .replace(/[`*_<>[\]()!#|\\]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > 100 ? `${flat.slice(0, 99)}…` : flat;
}
