// The data of a generate cell's output (MIME.generate) and its `result` in results.json.
// The renderer reads it; keep the field names stable.

export interface GenerateResult {
  name: string;
  /** Class → parsed, merged, de-duplicated descriptors. Order of keys = class order. */
  classes: Record<string, string[]>;
  /** Class → the exact user messages sent (several for `cupl`). */
  prompts: Record<string, string[]>;
  /** `medical`, `dclip`, `cupl` or `custom`. */
  prompt: string;
  modality?: string;
  model: string;
  /** Model names the server reported in its replies (e.g. a dated snapshot of `model`). */
  servedBy: string[];
  /** Base URL as the cache key has it (never a key). */
  endpoint: string;
  parameters: { temperature: number; max_tokens?: number; n: number };
  requests: { total: number; sent: number; fromCache: number };
  /** True when no request reached the server. */
  fromCache: boolean;
  template?: string;
  templateClass?: string;
  /** Hash of the descriptor set, as score run records cite it. */
  hash: string;
  /** Name the inserted descriptors cell defines. */
  descriptorsName: string;
  /** A descriptors cell with these descriptors; its first line names this generate cell. */
  yaml: string;
}

/** Renderer → extension: insert `yaml` as a new cell below the generate cell that produced it. */
export interface InsertDescriptorsCellMessage {
  type: 'insertDescriptorsCell';
  yaml: string;
  /** The generate cell's name, to find the cell when its output cannot be matched. */
  name: string;
}

export function isInsertDescriptorsCellMessage(m: unknown): m is InsertDescriptorsCellMessage {
  const r = m as Partial<InsertDescriptorsCellMessage> | null;
  return !!r && r.type === 'insertDescriptorsCell' && typeof r.yaml === 'string' && typeof r.name === 'string';
}
