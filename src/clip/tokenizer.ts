// Text -> fixed-length token ids with the folder's own tokenizer.json, through
// @huggingface/tokenizers (the tokenizer transformers.js uses), never a hand-written BPE.

import { Tokenizer } from '@huggingface/tokenizers';
import path from 'node:path';
import { ModelError } from './errors';
import type { JsonObject, ModelFolder } from './modelFolder';

export interface TokenizedText {
  inputIds: number[];
  attentionMask: number[];
}

export interface ClipTokenizer {
  /** Every encoding has exactly this many ids. */
  readonly contextLength: number;
  readonly padId: number;
  encode(text: string): TokenizedText;
}

const DEFAULT_CONTEXT_LENGTH = 77;

/**
 * tokenizer_config.json writes token fields either as strings or as AddedToken objects
 * ({"__type": "AddedToken", "content": …}); the tokenizers library expects strings.
 */
export function normaliseTokenizerConfig(config: JsonObject): JsonObject {
  const asContent = (value: unknown): unknown =>
    value !== null && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string'
      ? (value as { content: string }).content
      : value;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(config)) {
    if (key.endsWith('_token')) out[key] = asContent(value);
    else if (key === 'additional_special_tokens' && Array.isArray(value)) out[key] = value.map(asContent);
    else out[key] = value;
  }
  return out;
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * config.json text_config.max_position_embeddings (77 for CLIP, 64 for SigLIP); else
 * tokenizer_config.json model_max_length unless it is the "no limit" sentinel (1e30); else 77.
 */
export function contextLengthOf(config: JsonObject, tokenizerConfig: JsonObject = {}): number {
  const textConfig = config.text_config as JsonObject | undefined;
  const modelMax = positiveInteger(tokenizerConfig.model_max_length);
  return (
    positiveInteger(textConfig?.max_position_embeddings) ??
    positiveInteger(config.max_position_embeddings) ??
    (modelMax !== undefined && modelMax <= 8192 ? modelMax : undefined) ??
    DEFAULT_CONTEXT_LENGTH
  );
}

/**
 * Where the special tokens sit around the content, learnt from the tokenizer itself so that any
 * post-processor (CLIP's RobertaProcessing, SigLIP's appended EOS, BERT's [CLS]…[SEP]) truncates
 * like Hugging Face's Python tokenizers: content is cut, the special tokens stay.
 */
function specialTokenLayout(tokenizer: Tokenizer): { prefix: number; suffix: number } {
  const probe = 'a';
  const full = tokenizer.encode(probe).ids;
  const bare = tokenizer.encode(probe, { add_special_tokens: false }).ids;
  for (let prefix = 0; prefix + bare.length <= full.length; prefix++) {
    if (bare.every((id, i) => full[prefix + i] === id)) {
      return { prefix, suffix: full.length - prefix - bare.length };
    }
  }
  return { prefix: 0, suffix: 0 };
}

export type TokenizerFiles = Pick<ModelFolder, 'dir' | 'config' | 'tokenizerJson' | 'tokenizerConfig'>;

export function loadTokenizer(
  folder: TokenizerFiles,
  contextLength = contextLengthOf(folder.config, folder.tokenizerConfig),
): ClipTokenizer {
  const tokenizerFile = path.join(folder.dir, 'tokenizer.json');
  const config = normaliseTokenizerConfig(folder.tokenizerConfig);
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(folder.tokenizerJson, config);
    tokenizer.encode('a photo');
  } catch (err) {
    throw new ModelError(`${tokenizerFile} cannot be used: ${(err as Error).message}`, tokenizerFile);
  }
  const idOf = (token: unknown) => (typeof token === 'string' ? tokenizer.token_to_id(token) : undefined);
  // Hugging Face's CLIP pads with <|endoftext|>; openai's clip.tokenize pads with 0. Neither changes
  // CLIP's embedding (causal mask, pooled at the EOS), but SigLIP was trained padded to max length.
  const padId = idOf(config.pad_token) ?? idOf(config.eos_token) ?? 0;
  const { prefix, suffix } = specialTokenLayout(tokenizer);
  const room = contextLength - prefix - suffix;
  if (room < 1) {
    throw new ModelError(
      `${tokenizerFile}: a context of ${contextLength} tokens leaves no room for text.`,
      tokenizerFile,
    );
  }

  return {
    contextLength,
    padId,
    encode(text: string): TokenizedText {
      let ids = tokenizer.encode(text).ids;
      if (ids.length > contextLength) {
        ids = [...ids.slice(0, prefix + room), ...ids.slice(ids.length - suffix)];
      }
      const length = ids.length;
      const inputIds = ids.concat(new Array<number>(contextLength - length).fill(padId));
      const attentionMask = new Array<number>(contextLength).fill(0).fill(1, 0, length);
      return { inputIds, attentionMask };
    },
  };
}
