// The generate step's options: its schema, and reading a cell's options into what the step
// needs (the classes to ask about, the prompt recipe, the LLM and its endpoint, the templates),
// with every error placed at the option it is about.
import type { CellError } from '../../common/errors';
import { OPENAI_BASE_URL, type Endpoint } from '../../llm/endpoint';
import { RECIPES, recipeFor, type Recipe } from '../../llm/prompts';
import type { OptionsOf, StepSchema } from '../schema';
import { checkTemplate, fieldError } from './common';
import { readEndpoint, readLlm, type LlmOptions } from './llm';
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
}

export function readGenerateOptions(ctx: StepContext<unknown>, o: GenerateOptions): GenerateInputs {
  const recipe = readRecipe(ctx, o.prompt);
  return {
    classes: readClasses(ctx, o.classes),
    recipe,
    modality: readModality(ctx, recipe, o.modality),
    llm: readLlm(ctx, { defaultMaxTokens: DEFAULT_MAX_TOKENS, maxSamples: MAX_SAMPLES }),
    endpoint: readEndpoint(ctx),
    template: checkTemplate(ctx, 'template', o.template, ['descriptor'], ['class', 'descriptor']) ?? recipe.template,
    templateClass: checkTemplate(ctx, 'template_class', o.template_class, ['class'], ['class']),
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
