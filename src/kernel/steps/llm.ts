// What every LLM step (generate, ask) reads the same way: the `llm:` map, the endpoint, the
// completion service with its cache (the cell's `cache:` folder, `refresh:`), and an LLM failure
// placed at the part of the cell (or the setting) it is about.
import { CompletionCache } from '../../llm/cache';
import { LlmError, type ChatParameters, type LlmField } from '../../llm/client';
import { CompletionService } from '../../llm/completions';
import { EndpointError, OPENAI_BASE_URL, parseEndpoint, type Endpoint } from '../../llm/endpoint';
import { CellError } from '../../common/errors';
import { fieldError } from './common';
import type { StepContext } from './step';

/** The options every LLM step shares (llm, endpoint, cache, refresh), whatever the rest of its schema. */
function llmCellOptions(ctx: StepContext<unknown>): Record<string, unknown> {
  return ctx.cell.options as Record<string, unknown>;
}

/** Completions for this cell: its endpoint and model, the cache folder it names (else the kernel's). */
export function completionService(ctx: StepContext<unknown>, endpoint: Endpoint, model: string): CompletionService {
  const options = llmCellOptions(ctx);
  const cacheOption = options.cache;
  const cacheDir = typeof cacheOption === 'string' ? ctx.resolvePath(cacheOption) : ctx.cacheDir;
  return new CompletionService({
    endpoint,
    model,
    timeoutMs: ctx.settings.llmTimeoutMs ?? 60_000,
    getApiKey: () => ctx.secrets.getApiKey(),
    cache: new CompletionCache(cacheDir, ctx.log),
    refresh: options.refresh === true,
    log: ctx.log,
  });
}

export interface LlmOptions {
  model: string;
  parameters: ChatParameters;
  /** Samples per prompt (generate); 1 where a step takes no `n`. */
  n: number;
}

/**
 * The cell's `llm:` map: model (else the setting symptomLens.llm.model), temperature (default 0),
 * max_tokens, and `n` where the step merges several samples (`maxSamples` set).
 */
export function readLlm(
  ctx: StepContext<unknown>,
  limits: { defaultMaxTokens: number; maxSamples?: number },
): LlmOptions {
  const options = llmCellOptions(ctx);
  const maxSamples = limits.maxSamples ?? 1;
  const keys = ['model', 'temperature', 'max_tokens', ...(limits.maxSamples !== undefined ? ['n'] : [])];
  const raw = (options.llm ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!keys.includes(key)) {
      throw fieldError(ctx, `llm.${key}`, `"${key}" is not an option of llm.`, `Options of llm: ${keys.join(', ')}.`);
    }
  }
  const modelRaw = raw.model ?? ctx.settings.llmModel;
  const model = typeof modelRaw === 'string' || typeof modelRaw === 'number' ? String(modelRaw).trim() : '';
  if (!model) {
    throw fieldError(
      ctx,
      raw.model !== undefined ? 'llm.model' : options.llm !== undefined ? 'llm' : ctx.cell.step,
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
  const maxTokens = raw.max_tokens ?? limits.defaultMaxTokens;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
    throw fieldError(
      ctx,
      'llm.max_tokens',
      '"max_tokens" must be a whole number of at least 1.',
      `The default is ${limits.defaultMaxTokens}.`,
    );
  }
  const n = raw.n ?? 1;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > maxSamples) {
    throw fieldError(
      ctx,
      'llm.n',
      `"n" must be a whole number from 1 to ${maxSamples}.`,
      'n samples per prompt are merged and de-duplicated.',
    );
  }
  return { model, parameters: { temperature, max_tokens: maxTokens }, n };
}

/** The cell's `endpoint:`, else the setting symptomLens.llm.baseUrl, else OpenAI. */
export function readEndpoint(ctx: StepContext<unknown>): Endpoint {
  const fromCell = llmCellOptions(ctx).endpoint;
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

/** Place an LLM failure at the part of the cell it is about (or say which setting it came from). */
export function toCellError(ctx: StepContext<unknown>, err: unknown): unknown {
  if (!(err instanceof LlmError)) return err;
  const options = llmCellOptions(ctx);
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
