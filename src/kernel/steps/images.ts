// `images: NAME` — load a labelled image set.
import { ImageSetError, loadImageSet } from '../../images/imageSet';
import { ListingCache } from '../../images/listingCache';
import { readDecodeOptions } from './imagesDicom';
import { describeDicomSummary, describeImportedEmbeddings } from '../../protocol/dataset';
import { loadImportedImageSet } from '../../images/importedSet';
import { MIME } from '../../protocol/mime';
import { type ImagesResult } from '../../protocol/results';
import { fieldError, md, sessionKey } from './common';
import { defineStep } from './step';
import { cachedThumbnail } from './thumbnails';

const SAMPLES_PER_CLASS = 4;
const THUMBNAIL_SIZE = 64;

export const imagesStep = defineStep({
  schema: {
    step: 'images',
    summary: 'Load a labelled image set',
    nameDescription: 'the name later cells use for this image set',
    options: {
      from: {
        type: 'string',
        required: true,
        description:
          'a folder with one sub-folder per class, a glob, or a CSV/TSV with path,label columns (relative to the notebook)',
      },
      labels: { type: 'string', description: 'a CSV/TSV with path,label columns for a folder or glob' },
      limit: { type: 'integer', description: 'use at most this many images (a seeded, class-stratified sample)' },
      seed: { type: 'integer', description: 'seed for `limit` sampling', default: 0 },
      window: {
        type: 'any',
        description:
          'DICOM grey levels: auto (VOI LUT, else the first window, else min–max), minmax, or {center, width} in modality units',
        default: 'auto',
      },
      frame: {
        type: 'string',
        enum: ['first', 'middle'],
        description: 'which frame of a multi-frame DICOM file to use',
        default: 'middle',
      },
      embeddings: {
        type: 'string',
        description:
          'image embeddings computed elsewhere (relative to the notebook): a clip-retrieval output folder (img_emb/img_emb_N.npy + metadata/metadata_N.parquet) or a Parquet file with a path and a vector column; images are matched by path, none is encoded (docs/scale.md)',
      },
      embeddings_path_column: {
        type: 'string',
        description: 'the path column of the embeddings Parquet file (default: image_path, else path)',
      },
      embeddings_vector_column: {
        type: 'string',
        description:
          'the vector column of an embeddings Parquet file (default: embedding, else image_embedding, else vector)',
      },
    },
  },
  async run(ctx) {
    const o = ctx.cell.options;
    const decode = readDecodeOptions(ctx);
    const listing = await ListingCache.open(ctx.cacheDir, (note) => ctx.log(note));
    let set;
    try {
      const spec = {
        name: ctx.cell.name,
        from: o.from,
        labels: o.labels,
        limit: o.limit,
        seed: o.seed,
        baseDir: ctx.resolvePath('.'),
        decode,
        listing,
        signal: ctx.signal,
        onProgress: (done: number, total: number) => ctx.progress(`Reading images ${done}/${total}`, done / total),
      };
      set =
        o.embeddings === undefined
          ? await loadImageSet(spec)
          : await loadImportedImageSet({
              ...spec,
              embeddings: o.embeddings,
              columns: { path: o.embeddings_path_column, vector: o.embeddings_vector_column },
            });
    } catch (e) {
      if (e instanceof ImageSetError) throw fieldError(ctx, e.field, e.message, e.hint);
      throw e;
    }
    for (const s of set.skipped) ctx.log(`images ${set.name}: skipped ${s.id}: ${s.reason}`);
    ctx.session.imageSets.set(set.name, set);

    const counts: Record<string, number> = Object.fromEntries(set.classes.map((c) => [c, 0]));
    for (const e of set.entries) {
      if (e.label !== undefined) counts[e.label]++;
      else for (const [c, v] of Object.entries(e.labels ?? {})) counts[c] += v;
    }
    const sampleEntries = set.classes.flatMap((c) =>
      set.entries
        .filter((e) => (e.label ?? (e.labels?.[c] ? c : undefined)) === c)
        .slice(0, SAMPLES_PER_CLASS)
        .map((e) => ({ e, c })),
    );
    // A DICOM file whose codestream turns out corrupt has no thumbnail; the embedding skips it by name.
    const samples = (
      await Promise.all(
        sampleEntries.map(async ({ e, c }) => ({
          image: e.id,
          label: c,
          thumbnail: await cachedThumbnail(ctx, e, THUMBNAIL_SIZE).catch(() => undefined),
        })),
      )
    ).filter((s): s is { image: string; label: string; thumbnail: string } => s.thumbnail !== undefined);
    const result: ImagesResult = {
      name: set.name,
      count: set.entries.length,
      classes: set.classes,
      counts,
      multiLabel: set.multiLabel,
      skipped: set.skipped,
      samples,
      hash: set.hash,
      ...(set.dicom ? { dicom: set.dicom } : {}),
      ...(set.imported ? { embeddings: set.imported } : {}),
    };
    const markdown = [
      `**images: ${md(set.name)}** — ${set.entries.length} images, ${set.classes.length} classes${set.multiLabel ? ' (multi-label)' : ''}`,
      '',
      '| class | images |',
      '| --- | ---: |',
      ...set.classes.map((c) => `| ${md(c)} | ${counts[c]} |`),
      ...(set.dicom ? ['', md(describeDicomSummary(set.dicom))] : []),
      ...(set.imported ? ['', ...describeImportedEmbeddings(set.imported).map(md)] : []),
      ...(set.skipped.length
        ? [
            '',
            `Skipped ${set.skipped.length}: ${set.skipped
              .slice(0, 5)
              .map((s) => `${md(s.id)} (${md(s.reason)})`)
              .join('; ')}${set.skipped.length > 5 ? '; …' : ''}`,
          ]
        : []),
    ].join('\n');
    // The thumbnails stay in the custom output only; results.json gets the numbers.
    const { samples: _omit, ...summary } = result;
    void _omit;
    return {
      result: summary,
      outputs: [{ mime: MIME.images, data: result, markdown }],
      dependsOn: [],
      defines: sessionKey('images', set.name),
    };
  },
});
