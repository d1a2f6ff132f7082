// `export: NAME` — a score cell's scores, predictions and metrics as CSV and Parquet, and its
// image embeddings in clip-retrieval's layout, into one folder (report/export.ts). An images
// cell with `embeddings: FOLDER` reads that folder back.
import * as path from 'node:path';
import { version as packageVersion } from '../../../package.json';
import { AtomicWriteError } from '../../common/atomicWrite';
import { MIME } from '../../protocol/mime';
import { EXPORT_FILES, writeExport } from '../../report/export';
import { fieldError, lookup, md, mdCode, sessionKey } from './common';
import { embedImages } from './embed';
import { defineStep } from './step';

export const exportStep = defineStep({
  schema: {
    step: 'export',
    summary:
      'Write a score cell’s scores and predictions (CSV, Parquet) and its image embeddings (.npy, clip-retrieval layout)',
    nameDescription: 'the name of this export (the folder is exports/NAME unless `to:` says otherwise)',
    options: {
      score: {
        type: 'string',
        required: true,
        refersTo: 'score',
        description: 'the score cell whose results to export',
      },
      to: {
        type: 'string',
        description:
          'the folder to write, relative to the notebook (default exports/NAME); it is replaced whole, atomically',
      },
    },
  },
  async run(ctx) {
    const o = ctx.cell.options;
    const score = lookup(ctx, 'score', o.score, 'score');
    const imageSet = lookup(ctx, 'images', score.images, 'score');
    const loaded = lookup(ctx, 'model', score.run.model, 'score');
    if (loaded.model.fingerprint !== score.run.modelFingerprint || imageSet.hash !== score.run.imageSetHash)
      throw fieldError(
        ctx,
        'score',
        `The ${loaded.model.fingerprint !== score.run.modelFingerprint ? `model "${loaded.name}"` : `image set "${imageSet.name}"`} changed since score "${score.name}" ran.`,
        `Re-run the score cell "${score.name}" first.`,
      );
    const written = o.to ?? `exports/${ctx.cell.name}`;
    const folder = ctx.resolvePath(written);
    const ids = score.variants[0]?.predictions.map((p) => p.image) ?? [];
    const byId = new Map(imageSet.entries.map((e) => [e.id, e]));
    const entries = ids.map((id) => byId.get(id)!);
    ctx.progress(`Reading ${entries.length} image embeddings`);
    const vectors = await embedImages(ctx, loaded.model, entries);
    ctx.progress(`Writing ${written}`);
    let files;
    try {
      files = await writeExport(folder, {
        score,
        images: entries.map((e, i) => ({ id: e.id, label: e.label, vector: vectors.vectors[i] })),
        model: { name: loaded.name, fingerprint: loaded.model.fingerprint, preprocessKey: loaded.model.preprocessKey },
        packageVersion,
      });
    } catch (e) {
      if (e instanceof AtomicWriteError) throw fieldError(ctx, o.to === undefined ? 'export' : 'to', e.message);
      throw e;
    }
    const result = {
      name: ctx.cell.name,
      score: score.name,
      folder: written.split(path.sep).join('/'),
      images: entries.length,
      dim: vectors.vectors[0]?.length ?? 0,
      encoded: vectors.encoded,
      files,
    };
    const markdown = [
      `**export: ${md(result.name)}** — score "${md(score.name)}": ${entries.length} images × ${score.variants.length} variants, ${result.dim}-dimensional embeddings, into ${mdCode(result.folder)}`,
      '',
      '| file | bytes |',
      '| --- | ---: |',
      ...files.map((f) => `| ${md(f.path)} | ${f.bytes} |`),
      '',
      `Read the embeddings back with ${mdCode(`embeddings: ${result.folder}`)} in an images cell (${md(EXPORT_FILES.embeddings)} + ${md(EXPORT_FILES.metadata)}).`,
    ].join('\n');
    return {
      result,
      outputs: [{ mime: MIME.export, data: result, markdown }],
      dependsOn: [
        sessionKey('score', score.name),
        sessionKey('images', imageSet.name),
        sessionKey('model', loaded.name),
      ],
    };
  },
});
