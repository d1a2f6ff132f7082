// `model: NAME` — load a CLIP-family model: a folder in the Hugging Face / transformers.js ONNX
// layout (`path:`), or a hub repo downloaded into the standard hub cache (`hub:`).
import { promises as fs } from 'node:fs';
import { loadClipModel } from '../../clip/model';
import { ModelError, ProviderError } from '../../clip/errors';
import { SUPPORTED_VARIANTS } from '../../clip/providers';
import {
  DEVICE_PREFERENCES,
  PROVIDER_LABEL,
  PROVIDERS,
  VARIANTS,
  type DevicePreference,
  type Variant,
} from '../../clip/types';
import { UserError } from '../../common/errors';
import { fetchHubModel, DEFAULT_ENDPOINT, type HubModel } from '../../hub/model';
import { acquireModel, releaseModel } from '../modelPool';
import { MIME } from '../../protocol/mime';
import { fieldError, md, sessionKey } from './common';
import { defineStep, type StepContext } from './step';
import type { ClipModel } from '../../clip/types';

/** huggingface_hub's reading of HF_HUB_OFFLINE and friends. */
function envFlag(value: string | undefined): boolean {
  return ['1', 'on', 'yes', 'true'].includes((value ?? '').trim().toLowerCase());
}

function megabytes(bytes: number): string {
  return bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

async function downloadFromHub(
  ctx: StepContext<unknown>,
  o: { hub?: string; revision?: string; refresh?: boolean },
  variant: Variant,
): Promise<HubModel> {
  const endpoint = ctx.settings.hubEndpoint || process.env.HF_ENDPOINT || DEFAULT_ENDPOINT;
  try {
    return await fetchHubModel({
      repo: String(o.hub),
      revision: o.revision !== undefined ? String(o.revision) : undefined,
      variant,
      endpoint,
      token: (await ctx.secrets.getHubToken?.()) || process.env.HF_TOKEN || undefined,
      offline: ctx.settings.hubOffline || envFlag(process.env.HF_HUB_OFFLINE),
      refresh: o.refresh === true,
      signal: ctx.signal,
      log: ctx.log,
      onProgress: (done, total, file) =>
        ctx.progress(`Downloading ${String(o.hub)}: ${megabytes(done)} of ${megabytes(total)} (${file})`, done / total),
    });
  } catch (e) {
    if (e instanceof UserError && e.field) throw fieldError(ctx, e.field, e.message, e.hint);
    throw e;
  }
}

function describe(name: string, source: string, model: ClipModel): string {
  const d = model.description;
  const total = d.files.reduce((sum, f) => sum + f.bytes, 0);
  const rows = [
    ['source', source],
    ['variant', d.variant],
    ['files', `${d.files.map((f) => `${md(f.path)} (${megabytes(f.bytes)})`).join(', ')}; ${megabytes(total)} in all`],
    ['fingerprint', `\`${model.fingerprint}\``],
    ['embedding', `${model.embedDim} dimensions`],
    ['context length', `${d.contextLength} tokens`],
    ['image input', `${model.imageSize} px; ${md(d.preprocessing)}`],
    ['licence', d.licence ? md(d.licence) : 'not stated in README.md'],
  ];
  return [`**model: ${md(name)}**`, '', '| | |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join(
    '\n',
  );
}

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
        description:
          'a Hugging Face repo id (ORG/NAME) in the same layout, downloaded into the hub cache (HF_HUB_CACHE) on first use',
      },
      revision: {
        type: 'string',
        description: 'with hub: a branch, tag or commit (default main); the resolved commit is recorded',
      },
      refresh: {
        type: 'boolean',
        description: 'with hub: ask the hub again which commit the revision is (else the cached answer is used)',
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
    const variant = o.variant;
    if (o.hub !== undefined && o.path !== undefined) {
      throw fieldError(ctx, 'hub', 'A model cell takes `hub:` or `path:`, not both.', 'Remove one of them.');
    }
    for (const field of ['revision', 'refresh'] as const) {
      if (o[field] !== undefined && o.hub === undefined) {
        throw fieldError(ctx, field, `\`${field}:\` applies to hub models only.`, 'Add `hub: ORG/NAME` or remove it.');
      }
    }
    let dir: string;
    let written: string;
    let hub: HubModel | undefined;
    let field = o.path !== undefined ? 'path' : 'model';
    if (o.hub !== undefined) {
      hub = await downloadFromHub(ctx, o, variant);
      dir = hub.dir;
      written = `${hub.repo}@${hub.commit}`;
      field = 'hub';
    } else {
      written = o.path ?? ctx.settings.defaultModelPath ?? '';
      if (!written) {
        throw fieldError(
          ctx,
          'model',
          'No model folder given.',
          'Add "path: <folder>" (or "hub: ORG/NAME") to this cell, or set symptomLens.modelPath in the settings.',
        );
      }
      dir = ctx.resolvePath(written);
      const stat = await fs.stat(dir).catch(() => undefined);
      if (!stat?.isDirectory()) {
        throw fieldError(
          ctx,
          field,
          `The model folder "${written}" does not exist (looked for ${dir}).`,
          'Paths are relative to the notebook file.',
        );
      }
    }
    const device = o.device ?? ctx.settings.device;
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
        if (e instanceof ModelError) throw fieldError(ctx, field, e.message);
        throw e;
      }
      if (previous) releaseModel(previous.loadKey);
    }
    ctx.session.models.set(name, { name, path: dir, source: written, model, loadKey });
    const source = hub
      ? `${md(hub.repo)} at ${md(hub.revision)} = commit \`${hub.commit}\` from ${md(hub.endpoint)}`
      : md(written);
    const result = {
      name,
      path: hub ? undefined : written,
      hub: hub ? { repo: hub.repo, revision: hub.revision, commit: hub.commit, endpoint: hub.endpoint } : undefined,
      fingerprint: model.fingerprint,
      provider: model.provider,
      providerReason: model.providerReason,
      providersSkipped: model.providersSkipped,
      batchSize: model.batchSize,
      embedDim: model.embedDim,
      imageSize: model.imageSize,
      ...model.description,
    };
    return {
      result,
      outputs: [
        {
          mime: MIME.model,
          data: result,
          markdown: `${describe(name, source, model)}\n\n${providerMarkdown(model, device)}`,
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
