// Errors of the CLIP engine that the user can act on: the message is shown as is.

import { UserError } from '../common/errors';

/** The model folder or one of its files is unusable. `file` is the offending file, when there is one. */
export class ModelError extends UserError {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message, file);
    this.name = 'ModelError';
  }
}

/**
 * A forced execution provider cannot run here, or cannot run the chosen variant. `option` is
 * the cell option to change (`device` or `variant`); the message ends with what to install or choose.
 */
export class ProviderError extends ModelError {
  constructor(
    message: string,
    readonly option: 'device' | 'variant',
    readonly remedy: string,
  ) {
    super(`${message} ${remedy}`);
    this.name = 'ProviderError';
  }
}

/** The layout every message about a missing or malformed file points the user to. */
export const LAYOUT_HINT =
  'A model folder must be in the Hugging Face / transformers.js ONNX layout: config.json, ' +
  'preprocessor_config.json, tokenizer.json (+ tokenizer_config.json), onnx/vision_model.onnx ' +
  '(pixel_values -> image_embeds) and onnx/text_model.onnx (input_ids[, attention_mask] -> text_embeds).';
