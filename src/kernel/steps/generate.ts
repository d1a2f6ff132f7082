// `generate: NAME` — ask an OpenAI-compatible LLM for visual-symptom descriptors per class
// (docs/methods.md, "Descriptors from an LLM"). The result is an ordinary descriptor set: a score
// cell uses it exactly like a hand-written descriptors cell. Every completion is cached on disk,
// so a re-run, or a run on another day, gives the same descriptors without the service.
import { runAll } from '../../common/async';
import { Document } from 'yaml';
import { CompletionCache } from '../../llm/cache';
import { LlmError, type ChatParameters, type LlmField } from '../../llm/client';
import { CompletionService } from '../../llm/completions';
import { EndpointError, OPENAI_BASE_URL, parseEndpoint, type Endpoint } from '../../llm/endpoint';
import type { GenerateResult } from '../../protocol/results';
import { mergeDescriptors, parseDescriptors } from '../../llm/parse';
import { RECIPES, recipeFor, type ClassPrompt, type Recipe } from '../../llm/prompts';
import { makeDescriptorSet } from '../../scoring/descriptorSet';
import { CellError } from '../../common/errors';
import { MIME } from '../../protocol/mime';
import { fieldError, md, sessionKey, templateOption } from './common';
import type { StepContext, StepDefinition } from './step';

const DEFAULT_MAX_TOKENS = 500;
const MAX_SAMPLES = 20;
/** Parallel requests to a remote service; local servers mostly answer one at a time, and
 * queued requests there would run into the timeout. */
const REMOTE_CONCURRENCY = 4;

interface ClassToAsk {
  /** The label images carry: the key of the descriptor set. */
  label: string;
  /** The name put into the prompt. */
  asked: string;
  /** Where the class sits in the cell, for errors. */
  at: string;
}

interface Job {
  cls: ClassToAsk;
  prompt: ClassPrompt;
  sample: number;
}

interface LlmOptions {
  model: string;
  parameters: ChatParameters;
  n: number;
}

export const generateStep: StepDefinition = {
  schema: {
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
          'sentence for each descriptor with {class} and {descriptor}; default: "{class}, which has {descriptor}" (cupl: "{descriptor}")',
      },
      template_class: { type: 'string', description: 'text for a class without descriptors, with {class}' },
    },
  },
  async run(ctx) {
    const name = ctx.cell.name;
    const classes = readClasses(ctx);
    const recipe = readRecipe(ctx);
    const modality = readModality(ctx, recipe);
    const llm = readLlm(ctx);
    const endpoint = readEndpoint(ctx);
    const template = templateOption(ctx, 'template', ['class', 'descriptor']) ?? recipe.template;
    const templateClass = templateOption(ctx, 'template_class', ['class']);
    const cacheOption = ctx.cell.options.cache;
    const cacheDir = typeof cacheOption === 'string' ? ctx.resolvePath(cacheOption) : ctx.cacheDir;
    const service = new CompletionService({
      endpoint,
      model: llm.model,
      timeoutMs: ctx.settings.llmTimeoutMs ?? 60_000,
      getApiKey: () => ctx.secrets.getApiKey(),
      cache: new CompletionCache(cacheDir, ctx.log),
      refresh: ctx.cell.options.refresh === true,
      log: ctx.log,
    });

    const jobs: Job[] = classes.flatMap((cls) =>
      recipe
        .prompts(cls.asked, modality)
        .flatMap((prompt) => Array.from({ length: llm.n }, (_, sample) => ({ cls, prompt, sample }))),
    );
    if (llm.n > 1 && llm.parameters.temperature === 0) {
      service.log(
        `generate ${name}: ${llm.n} samples at temperature 0 are usually identical; raise llm.temperature for varied samples.`,
      );
    }
    let done = 0;
    ctx.progress(`Asking ${llm.model} for descriptors of ${classes.length} classes`, 0);
    const replies = await runAll(
      jobs.length,
      endpoint.local ? 1 : REMOTE_CONCURRENCY,
      ctx.signal,
      async (i, signal) => {
        const job = jobs[i];
        const reply = await service
          .complete([{ role: 'user', content: job.prompt.text }], llm.parameters, job.sample, signal)
          .catch((err: unknown) => {
            throw toCellError(ctx, err);
          });
        done++;
        ctx.progress(
          `Asking ${llm.model}: ${done} of ${jobs.length} replies (${service.cached} from the cache)`,
          done / jobs.length,
        );
        return reply;
      },
    );

    const descriptors: Record<string, string[]> = {};
    const prompts: Record<string, string[]> = {};
    for (const cls of classes) {
      const mine = jobs.map((job, i) => ({ job, reply: replies[i] })).filter((x) => x.job.cls === cls);
      const parsed = mine.map(({ job, reply }) => parseDescriptors(reply.text, job.prompt.echoes).descriptors);
      const merged = mergeDescriptors(parsed);
      if (merged.length === 0)
        throw noDescriptors(
          ctx,
          cls,
          mine.map((x) => x.reply),
          llm,
        );
      descriptors[cls.label] = merged;
      prompts[cls.label] = [...new Set(mine.map((x) => x.job.prompt.text))];
    }

    const set = makeDescriptorSet({ name, classes: descriptors, template, templateClass, source: 'generate' });
    ctx.session.descriptorSets.set(name, set);
    const servedBy = [...new Set(replies.map((r) => r.servedBy).filter((m): m is string => !!m))];
    service.log(
      `generate ${name}: ${jobs.length} completions from ${llm.model} at ${endpoint.url}, ${service.cached} from the cache, ${service.sent} asked`,
    );
    const descriptorsName = `${name}-edited`;
    const result: GenerateResult = {
      name,
      classes: descriptors,
      prompts,
      prompt: recipe.name,
      ...(modality !== undefined ? { modality } : {}),
      model: llm.model,
      servedBy,
      endpoint: endpoint.url,
      parameters: { ...llm.parameters, n: llm.n },
      requests: { total: jobs.length, sent: service.sent, fromCache: service.cached },
      fromCache: service.sent === 0,
      ...(template !== undefined ? { template } : {}),
      ...(templateClass !== undefined ? { templateClass } : {}),
      hash: set.hash,
      descriptorsName,
      yaml: descriptorsCellYaml(
        name,
        descriptorsName,
        `${llm.model}, prompt ${recipe.name}`,
        descriptors,
        template,
        templateClass,
      ),
    };
    return {
      result,
      outputs: [{ mime: MIME.generate, data: result, markdown: markdownOf(result) }],
      dependsOn: [],
      defines: sessionKey('descriptors', name),
    };
  },
};

/** The descriptors cell a user can insert, edit and score; its first line names its origin. */
function descriptorsCellYaml(
  generateName: string,
  descriptorsName: string,
  origin: string,
  classes: Record<string, string[]>,
  template: string | undefined,
  templateClass: string | undefined,
): string {
  const doc = new Document({
    descriptors: descriptorsName,
    classes,
    ...(template !== undefined ? { template } : {}),
    ...(templateClass !== undefined ? { template_class: templateClass } : {}),
  });
  doc.commentBefore = ` from the cell "generate: ${oneLine(generateName)}" (${oneLine(origin)}); edit freely and score it`;
  return doc.toString({ lineWidth: 0 });
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ');
}

function markdownOf(r: GenerateResult): string {
  const total = Object.values(r.classes).reduce((n, l) => n + l.length, 0);
  return [
    `**generate: ${md(r.name)}** — ${total} descriptors for ${Object.keys(r.classes).length} classes from ${md(r.model)} (prompt ${md(r.prompt)}, temperature ${r.parameters.temperature}, n ${r.parameters.n}); ` +
      `${r.requests.total} completions, ${r.requests.fromCache} from the cache`,
    '',
    ...Object.entries(r.classes).flatMap(([c, list]) => [`**${md(c)}**`, '', ...list.map((d) => `- ${md(d)}`), '']),
    'As a descriptors cell:',
    '',
    '```yaml',
    r.yaml.replace(/`{3,}/g, '` ` `').trimEnd(),
    '```',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Options

function readClasses(ctx: StepContext): ClassToAsk[] {
  const raw = ctx.cell.options.classes;
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

function readRecipe(ctx: StepContext): Recipe {
  const raw = ctx.cell.options.prompt;
  const prompt = raw === undefined || raw === null ? undefined : String(raw);
  const recipe = recipeFor(prompt);
  if (recipe.name === 'custom' && !prompt!.includes('{class}')) {
    throw fieldError(
      ctx,
      'prompt',
      `"prompt" is neither a recipe (${RECIPES.join(', ')}) nor a text with {class} in it.`,
      'Use a recipe name, or write your own question with {class} (and {modality}) where the class goes.',
    );
  }
  return recipe;
}

function readModality(ctx: StepContext, recipe: Recipe): string | undefined {
  const raw = ctx.cell.options.modality;
  const modality = raw === undefined || raw === null ? undefined : String(raw).trim() || undefined;
  if (recipe.needsModality && modality === undefined) {
    throw fieldError(
      ctx,
      ctx.cell.options.prompt !== undefined ? 'prompt' : ctx.cell.step,
      `The ${recipe.name} prompt names the imaging modality, and this cell sets none.`,
      'Add e.g. "modality: chest X-ray".',
    );
  }
  return modality;
}

const LLM_KEYS = ['model', 'temperature', 'max_tokens', 'n'];

function readLlm(ctx: StepContext): LlmOptions {
  const raw = (ctx.cell.options.llm ?? {}) as Record<string, unknown>;
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
      raw.model !== undefined ? 'llm.model' : ctx.cell.options.llm !== undefined ? 'llm' : ctx.cell.step,
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

function readEndpoint(ctx: StepContext): Endpoint {
  const fromCell = ctx.cell.options.endpoint;
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
function toCellError(ctx: StepContext, err: unknown): unknown {
  if (!(err instanceof LlmError)) return err;
  const options = ctx.cell.options;
  const llm = (options.llm ?? {}) as Record<string, unknown>;
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

function noDescriptors(
  ctx: StepContext,
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
