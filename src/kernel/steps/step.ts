// What every step file exports: its schema and its run function, which reads the cell's options
// as the schema types them.
import type { Session } from '../session';
import type { ParsedCell } from '../types';
import type { StepOutput } from '../../protocol/mime';
import type { OptionsOf, StepSchema } from '../schema';
import type { DevicePreference } from '../../clip/types';
import type { PhaseSink } from '../phases';

export interface KernelSettings {
  /** Images/texts per ONNX batch; undefined: the provider's default (16 on CPU, 32 on a GPU). */
  batchSize?: number;
  device: DevicePreference;
  /** Model folder for model cells without `path:` (setting symptomLens.modelPath). */
  defaultModelPath?: string;
  /** Default OpenAI-compatible endpoint for generate/ask. */
  llmBaseUrl?: string;
  llmModel?: string;
  /** Request timeout for LLM calls, ms. */
  llmTimeoutMs?: number;
  /** Hub endpoint (setting symptomLens.hub.endpoint); else HF_ENDPOINT, else huggingface.co. */
  hubEndpoint?: string;
  /** Load hub models from the cache only (setting symptomLens.hub.offline, or HF_HUB_OFFLINE). */
  hubOffline?: boolean;
}

export interface SecretProvider {
  /** The LLM API key: SecretStorage in VS Code, OPENAI_API_KEY in the CLI. Never logged. */
  getApiKey(): Promise<string | undefined>;
  /** The Hugging Face token: SecretStorage in VS Code; without it, HF_TOKEN. Never logged. */
  getHubToken?(): Promise<string | undefined>;
}

export interface StepContext<Options = Record<string, unknown>> {
  session: Session;
  cell: ParsedCell<Options>;
  signal: AbortSignal;
  /** User-visible progress; fraction in [0, 1] when known. */
  progress(message: string, fraction?: number): void;
  /** A line for the output channel / CLI stderr. */
  log(message: string): void;
  /** Where a step that times its phases (score) reports them; the benchmark listens. */
  timing?: PhaseSink;
  settings: KernelSettings;
  secrets: SecretProvider;
  /** Resolve a path as written in the cell (relative to the notebook's folder). */
  resolvePath(p: string): string;
  /** Absolute path of the notebook (keys what is kept per cell between runs, e.g. score history). */
  notebookPath: string;
  cacheDir: string;
}

export interface StepRun {
  /** JSON-serialisable: becomes `result` in results.json. */
  result: unknown;
  outputs: StepOutput[];
  /** Session names this cell read, as `kind:name` (for stale marking). */
  dependsOn: string[];
  /** Session name this cell defined, as `kind:name`. */
  defines?: string;
}

export interface StepDefinition<Schema extends StepSchema = StepSchema> {
  schema: Schema;
  run(ctx: StepContext<OptionsOf<Schema>>): Promise<StepRun>;
}

/** A step whose run function sees its options typed by its schema (kept literal for that). */
export function defineStep<const Schema extends StepSchema>(
  definition: StepDefinition<Schema>,
): StepDefinition<Schema> {
  return definition;
}
