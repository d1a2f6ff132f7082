// `model: NAME` — load a CLIP-family model folder (Hugging Face / transformers.js ONNX layout).
import { promises as fs } from 'node:fs';
import { loadClipModel } from '../../clip/model';
import { ModelError, ProviderError } from '../../clip/errors';
import { SUPPORTED_VARIANTS } from '../../clip/providers';
import { DEVICE_PREFERENCES, PROVIDER_LABEL, PROVIDERS, VARIANTS, type DevicePreference } from '../../clip/types';
import { acquireModel, releaseModel } from '../modelPool';
import { MIME } from '../../protocol/mime';
import { fieldError, md, sessionKey } from './common';
import { defineStep, type StepContext } from './step';
import type { ClipModel } from '../../clip/types';

export const modelStep = defineStep({
  schema: {
    step: 'model',
    summary: 'Pick a CLIP-family model',
    nameDescription: 'the name later cells use for this model',
    options: {
      path: {
        type: 'string',
        description:
          'a model folder in the Hugging Face / transformers.js ONNX layout (relative to the notebook); default: the symptomLens.modelPath setting',
      },
      hub: {
        type: 'string',
        description: 'a Hugging Face repo id (downloading is not available in this version: use path)',
      },
      device: {
        type: 'string',
        enum: [...DEVICE_PREFERENCES],
        description:
          'execution provider; auto tries CUDA (when its libraries are installed), then WebGPU (when the GPU driver gives an adapter), then CPU; default: the symptomLens.device setting (auto)',
      },
      variant: {
        type: 'string',
        enum: [...VARIANTS],
        description: `which ONNX files to use when the folder has several (${PROVIDERS.map((p) => `${PROVIDER_LABEL[p]}: ${SUPPORTED_VARIANTS[p].join('/')}`).join('; ')})`,
        default: 'fp32',
      },
    },
  },
  async run(ctx) {
    const o = ctx.cell.options;
    if (o.hub !== undefined) {
      throw fieldError(
        ctx,
        'hub',
        'Downloading models from a hub is not available in this version of Symptom Lens.',
        'Download the model folder (config.json, tokenizer.json, onnx/…) yourself and point `path:` at it.',
      );
    }
    const written = o.path ?? ctx.settings.defaultModelPath;
    if (!written) {
      throw fieldError(
        ctx,
        'model',
        'No model folder given.',
        'Add "path: <folder>" to this cell, or set symptomLens.modelPath in the settings.',
      );
    }
    const dir = ctx.resolvePath(written);
    const stat = await fs.stat(dir).catch(() => undefined);
    if (!stat?.isDirectory()) {
      throw fieldError(
        ctx,
        o.path !== undefined ? 'path' : 'model',
        `The model folder "${written}" does not exist (looked for ${dir}).`,
        'Paths are relative to the notebook file.',
      );
    }
    const device = o.device ?? ctx.settings.device;
    const variant = o.variant;
    const loadKey = JSON.stringify([dir, device, variant, ctx.settings.batchSize]);
    const name = ctx.cell.name;
    const previous = ctx.session.models.get(name);
    let model = previous?.loadKey === loadKey ? previous.model : undefined;
    if (!model) {
      ctx.progress(`Loading model ${written}`);
      try {
        model = await acquireModel(loadKey, () =>
          loadClipModel(dir, { device, variant, batchSize: ctx.settings.batchSize, log: ctx.log }),
        );
      } catch (e) {
        if (e instanceof ProviderError) throw providerFieldError(ctx, e);
        if (e instanceof ModelError) throw fieldError(ctx, o.path !== undefined ? 'path' : 'model', e.message);
        throw e;
      }
      if (previous) releaseModel(previous.loadKey);
    }
    ctx.session.models.set(name, { name, path: dir, model, loadKey });
    const result = {
      name,
      path: written,
      fingerprint: model.fingerprint,
      provider: model.provider,
      providerReason: model.providerReason,
      providersSkipped: model.providersSkipped,
      batchSize: model.batchSize,
      embedDim: model.embedDim,
      imageSize: model.imageSize,
    };
    return {
      result,
      outputs: [
        {
          mime: MIME.model,
          data: result,
          markdown: `**model: ${md(name)}** — ${md(written)}; ${model.embedDim}-d embeddings, ${model.imageSize}px input, fingerprint \`${model.fingerprint.slice(0, 12)}\`\n\n${providerMarkdown(model, device)}`,
        },
      ],
      dependsOn: [],
      defines: sessionKey('model', name),
    };
  },
});

/** The provider section of the model output: the provider used, its batch size, each one skipped and why. */
function providerMarkdown(model: ClipModel, device: DevicePreference): string {
  const how = device === 'auto' ? 'picked by device: auto' : 'requested';
  const lines = [`**Execution provider: ${PROVIDER_LABEL[model.provider]}** (${how}; batches of ${model.batchSize})`];
  for (const s of model.providersSkipped) lines.push(`- ${PROVIDER_LABEL[s.provider]} skipped: ${md(s.reason)}`);
  return lines.join('\n');
}

/** A forced provider that cannot run: at the cell's `device:` or `variant:` when it has one. */
function providerFieldError(ctx: StepContext<unknown>, e: ProviderError): Error {
  // Written in the cell, not filled in from the schema's default.
  if (e.option in ctx.cell.positions) return fieldError(ctx, e.option, e.message);
  if (e.option === 'device') {
    return fieldError(ctx, 'model', `${e.message} (device from the symptomLens.device setting or --device)`);
  }
  return fieldError(ctx, 'model', e.message);
}
