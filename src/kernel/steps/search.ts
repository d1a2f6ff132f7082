// `search: NAME` — ELIXR's semantic search: text (or an image, `like:`) → the most similar images
// of a set, over cached image embeddings. A query that names a relevant label is judged by
// precision@k and NDCG@k, with bootstrap CIs over the queries (docs/methods.md, "Metrics").
import * as path from 'node:path';
import { hashFile } from '../../images/decode';
import { meanCI } from '../../metrics/bootstrap';
import { ndcgAtK, precisionAtK } from '../../metrics/ranking';
import { PackedIndex } from '../../scoring/packedSearch';
import { EmbeddingIndex } from '../../scoring/search';
import { MIME } from '../../protocol/mime';
import type { ImageEntry, ImageSet } from '../../protocol/dataset';
import type { SearchOutput, SearchQueryResult, SearchResult } from '../../protocol/search';
import { fieldError, lookup, md, num, sessionKey } from './common';
import { embedImages, embedImageSet, embedTexts } from './embed';
import { checkImportedModel } from './importedEmbeddings';
import { cachedThumbnail } from './thumbnails';
import { defineStep, type StepContext } from './step';

const DEFAULT_K = 20;
/** Hit thumbnails saved in the output; the renderer asks for the others when they scroll into view. */
const MAX_INLINE_THUMBNAILS = 60;
const THUMBNAIL_PX = 64;
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
/**
 * From this many images, hits come from the packed int8 index with exact re-ranking (docs/scale.md,
 * "Search at a million"): below it, the exact scan is already fast, and exact by construction.
 */
const PACKED_FROM = 20_000;
const EXACT_METHOD = 'exact cosine over every image';
const PACKED_METHOD = 'int8 codes per image scanned, top 256 (or 8·k) re-ranked by exact cosine';

/** A query as the cell gives it, before embedding. */
interface QuerySpec {
  kind: 'text' | 'image';
  /** The text, or the image's path as written. */
  value: string;
  relevant?: string;
  /** Where it sits in the cell, for errors. */
  field: string;
}

export const searchStep = defineStep({
  schema: {
    step: 'search',
    summary: 'Semantic search: text (or an image) → the most similar images, with precision@k and NDCG@k',
    nameDescription: 'a name for this search',
    options: {
      images: { type: 'string', required: true, refersTo: 'images', description: 'the image set to search' },
      model: {
        type: 'string',
        required: true,
        refersTo: 'model',
        description: 'the model that embeds images and queries',
      },
      queries: {
        type: 'any',
        description:
          'texts to search for; an item {text: …, relevant: LABEL} is also scored against that label, {like: IMAGE} searches by an image',
      },
      like: {
        type: 'any',
        description:
          'an image to search by (a path relative to the notebook, or an index into the set): its nearest images; relevant by default: its own label',
      },
      k: {
        type: 'integer',
        default: DEFAULT_K,
        description: 'how many images each query returns (and the k of precision@k, NDCG@k)',
      },
      seed: { type: 'integer', default: 0, description: 'seed of the bootstrap resamples over queries' },
    },
  },
  async run(ctx) {
    const started = Date.now();
    const o = ctx.cell.options;
    let imageSet = lookup(ctx, 'images', String(o.images), 'images');
    const loaded = lookup(ctx, 'model', String(o.model), 'model');
    const model = loaded.model;
    const k = (o.k as number | undefined) ?? DEFAULT_K;
    if (k < 1) throw fieldError(ctx, 'k', `k must be at least 1, not ${k}.`, `e.g. k: ${DEFAULT_K}`);
    const seed = (o.seed as number | undefined) ?? 0;
    const specs = readQueries(ctx, imageSet);

    for (const flag of checkImportedModel(ctx, [imageSet], model).flags) ctx.log(flag.message);
    const embedded = await embedImageSet(ctx, model, imageSet);
    imageSet = embedded.set;
    const images = embedded.images;
    const packed = images.vectors.length >= PACKED_FROM ? new PackedIndex(images.vectors) : undefined;
    let exact: EmbeddingIndex | undefined;
    // Every image's cosine is needed only to judge a query with a relevance label.
    const exactIndex = () => (exact ??= new EmbeddingIndex(images.vectors));
    const textSpecs = specs.filter((q) => q.kind === 'text');
    const texts = await embedTexts(
      ctx,
      model,
      textSpecs.map((q) => q.value),
    );
    const textVector = new Map(textSpecs.map((q, i) => [q.value, texts.vectors[i]] as const));
    const outside = await queryImagesOutsideSet(ctx, imageSet, specs);
    const extra = await embedImages(
      ctx,
      model,
      outside.map((x) => x.file),
    );
    if (extra.unreadable.length)
      throw fieldError(ctx, 'like', extra.unreadable[0].reason, 'Query with an image that can be decoded.');

    ctx.progress(`Ranking ${imageSet.entries.length} images for ${specs.length} queries`);
    let searchMs = 0;
    const queries: SearchQueryResult[] = specs.map((spec) => {
      let vector: Float32Array;
      let self: number | undefined;
      let shown = spec.value;
      if (spec.kind === 'text') vector = textVector.get(spec.value)!;
      else {
        const inSet = findInSet(ctx, imageSet, spec.value);
        if (inSet >= 0) {
          self = inSet;
          vector = images.vectors[inSet];
          shown = imageSet.entries[inSet].id;
        } else vector = extra.vectors[outside.findIndex((x) => x.written === spec.value)];
      }
      const t0 = performance.now();
      const count = Math.min(k, imageSet.entries.length - (self === undefined ? 0 : 1));
      const hits = (packed ?? exactIndex()).search(vector, count, self);
      searchMs += performance.now() - t0;
      const cosines = spec.relevant === undefined ? undefined : exactIndex().cosines(vector);
      return queryResult(spec, shown, imageSet, cosines, hits, k, self);
    });

    const judged = queries.filter((q) => q.relevant !== undefined);
    const ndcgs = judged.map((q) => q.ndcgAtK).filter((v): v is number => v !== null && v !== undefined);
    const result: SearchResult = {
      name: ctx.cell.name,
      images: imageSet.name,
      model: loaded.name,
      k,
      queries,
      metrics: {
        queries: judged.length,
        precisionAtK: meanCI(
          judged.map((q) => q.precisionAtK!),
          { seed },
        ),
        ndcgAtK: meanCI(ndcgs, { seed }),
        method: 'mean over queries; 95 % percentile bootstrap CI resampling queries (1,000 resamples)',
      },
      run: {
        modelFingerprint: model.fingerprint,
        provider: model.provider,
        imageSetHash: imageSet.hash,
        encoded: { images: images.encoded + extra.encoded, texts: texts.encoded },
        seed,
        searchMs: Math.round(searchMs * 10) / 10,
        searchMethod: packed ? PACKED_METHOD : EXACT_METHOD,
        startedAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
      },
    };
    const output: SearchOutput = { ...result, thumbnails: await hitThumbnails(ctx, imageSet, queries) };
    return {
      result,
      outputs: [{ mime: MIME.search, data: output, markdown: searchMarkdown(result) }],
      dependsOn: [sessionKey('images', imageSet.name), sessionKey('model', loaded.name)],
    };
  },
});

function queryResult(
  spec: QuerySpec,
  shown: string,
  set: ImageSet,
  cosines: Float32Array | undefined,
  hits: { index: number; cosine: number }[],
  k: number,
  self: number | undefined,
): SearchQueryResult {
  const relevance = spec.relevant === undefined ? undefined : set.entries.map((e) => carries(e, spec.relevant!));
  const base: SearchQueryResult = {
    kind: spec.kind,
    query: shown,
    hits: hits.map((h) => ({
      image: set.entries[h.index].id,
      label: labelOf(set.entries[h.index]),
      cosine: round4(h.cosine),
      ...(relevance ? { relevant: relevance[h.index] } : {}),
    })),
  };
  if (!relevance || !cosines) return base;
  // The query image itself is neither a hit nor a relevant image to find.
  const keep = (_: unknown, i: number) => i !== self;
  const scores = Array.from(cosines).filter(keep);
  const rel = relevance.filter(keep);
  return {
    ...base,
    relevant: spec.relevant,
    relevantCount: rel.filter(Boolean).length,
    precisionAtK: round4(precisionAtK(scores, rel, k)),
    ndcgAtK: nullable(ndcgAtK(scores, rel, k)),
  };
}

const nullable = (x: number | null) => (x === null ? null : round4(x));

function carries(e: ImageEntry, label: string): boolean {
  return e.label !== undefined ? e.label === label : e.labels?.[label] === 1;
}

function labelOf(e: ImageEntry): string {
  if (e.label !== undefined) return e.label;
  return (
    Object.entries(e.labels ?? {})
      .filter(([, v]) => v === 1)
      .map(([c]) => c)
      .join(', ') || '(none)'
  );
}

// ---------------------------------------------------------------------------------------------
// Options

function readQueries(ctx: StepContext, set: ImageSet): QuerySpec[] {
  const o = ctx.cell.options;
  const specs: QuerySpec[] = [];
  if (o.queries !== undefined && o.queries !== null) {
    const list = Array.isArray(o.queries) ? o.queries : [o.queries];
    const at = (i: number) => (Array.isArray(o.queries) ? `queries.${i}` : 'queries');
    list.forEach((item, i) => specs.push(readQuery(ctx, set, item, at(i))));
  }
  if (o.like !== undefined && o.like !== null) {
    const likes = Array.isArray(o.like) ? o.like : [o.like];
    likes.forEach((item, i) =>
      specs.push(readQuery(ctx, set, { like: item }, Array.isArray(o.like) ? `like.${i}` : 'like')),
    );
  }
  if (specs.length === 0) {
    throw fieldError(
      ctx,
      'search',
      'A search needs something to search for.',
      'Add "queries:" with a list of texts, e.g. "queries: [a small round opacity in the lung]", or "like: IMAGE".',
    );
  }
  return specs;
}

function readQuery(ctx: StepContext, set: ImageSet, item: unknown, field: string): QuerySpec {
  if (typeof item === 'string' || typeof item === 'number') {
    const text = String(item).trim();
    if (!text) throw fieldError(ctx, field, 'An empty query.', 'Write the text to search for.');
    return { kind: 'text', value: text, field };
  }
  const example = 'e.g. {text: blunted costophrenic angle, relevant: effusion} or {like: data/x.png}';
  if (typeof item !== 'object' || item === null || Array.isArray(item))
    throw fieldError(ctx, field, 'A query is a text or a mapping with "text" or "like".', example);
  const map = item as Record<string, unknown>;
  const unknown = Object.keys(map).filter((key) => !['text', 'like', 'relevant'].includes(key));
  if (unknown.length > 0)
    throw fieldError(ctx, `${field}.${unknown[0]}`, `"${unknown[0]}" is not a field of a query.`, example);
  if ((map.text === undefined) === (map.like === undefined))
    throw fieldError(ctx, field, 'A query has either "text" or "like", not both or neither.', example);
  const kind = map.text !== undefined ? 'text' : 'image';
  const value = String(kind === 'text' ? map.text : map.like).trim();
  if (!value) throw fieldError(ctx, field, `An empty "${kind === 'text' ? 'text' : 'like'}".`, example);
  let relevant = map.relevant === undefined || map.relevant === null ? undefined : String(map.relevant);
  if (relevant !== undefined && !set.classes.includes(relevant)) {
    throw fieldError(
      ctx,
      `${field}.relevant`,
      `"${relevant}" is not a label of image set "${set.name}".`,
      `Its labels: ${set.classes.join(', ')}.`,
    );
  }
  if (kind === 'image' && relevant === undefined) {
    // By an image, "relevant" means "of the same class", when the set says which that is.
    const i = findInSet(ctx, set, value);
    relevant = i >= 0 ? set.entries[i].label : undefined;
  }
  return { kind, value, relevant, field };
}

/** The entry of `written` (an index or a path relative to the notebook), or -1. */
function findInSet(ctx: StepContext, set: ImageSet, written: string): number {
  if (/^\d+$/.test(written)) return Number(written) < set.entries.length ? Number(written) : -1;
  const absolute = ctx.resolvePath(written);
  return set.entries.findIndex((e) => e.id === written || e.path === absolute);
}

/** Query images that are not in the searched set: any image file, hashed for the cache. */
async function queryImagesOutsideSet(
  ctx: StepContext,
  set: ImageSet,
  specs: QuerySpec[],
): Promise<{ written: string; file: { path: string; contentHash: string } }[]> {
  const out: { written: string; file: { path: string; contentHash: string } }[] = [];
  for (const spec of specs) {
    if (spec.kind !== 'image' || findInSet(ctx, set, spec.value) >= 0) continue;
    if (/^\d+$/.test(spec.value)) {
      throw fieldError(
        ctx,
        spec.field,
        `There is no image ${spec.value} in image set "${set.name}": it has ${set.entries.length} images.`,
        `Use an index from 0 to ${set.entries.length - 1}, or a path.`,
      );
    }
    const file = ctx.resolvePath(spec.value);
    const contentHash = await hashFile(file).catch(() => {
      const sameName = set.entries.find((e) => path.basename(e.path) === path.basename(spec.value));
      throw fieldError(
        ctx,
        spec.field,
        `Cannot read the image "${spec.value}" (looked for ${file}).`,
        sameName ? `Did you mean "${sameName.id}"?` : 'Give a path relative to the notebook, or an index into the set.',
      );
    });
    out.push({ written: spec.value, file: { path: file, contentHash } });
  }
  return out;
}

/** Thumbnails of the hits, best ranks of every query first, up to the inline budget. */
async function hitThumbnails(
  ctx: StepContext,
  set: ImageSet,
  queries: SearchQueryResult[],
): Promise<Record<string, string>> {
  const wanted = new Set<string>();
  const longest = Math.max(0, ...queries.map((q) => q.hits.length));
  for (let rank = 0; rank < longest && wanted.size < MAX_INLINE_THUMBNAILS; rank++)
    for (const q of queries)
      if (rank < q.hits.length && wanted.size < MAX_INLINE_THUMBNAILS) wanted.add(q.hits[rank].image);
  const byId = new Map(set.entries.map((e) => [e.id, e]));
  const out: Record<string, string> = {};
  for (const id of wanted) {
    const entry = byId.get(id)!;
    out[id] = await cachedThumbnail(ctx, entry, THUMBNAIL_PX);
  }
  return out;
}

function searchMarkdown(r: SearchResult): string {
  const m = r.metrics;
  const ci = (x: SearchResult['metrics']['ndcgAtK']) =>
    x ? `${num(x.estimate)} (95 % CI ${num(x.low)} to ${num(x.high)})` : '–';
  return [
    `**search: ${md(r.name)}** — top ${r.k} of "${md(r.images)}" with model "${md(r.model)}", ${r.queries.length} quer${r.queries.length === 1 ? 'y' : 'ies'}`,
    '',
    ...(m.queries > 0
      ? [`Over ${m.queries} judged queries: precision@${r.k} ${ci(m.precisionAtK)}, NDCG@${r.k} ${ci(m.ndcgAtK)}.`, '']
      : []),
    '| query | relevant | P@k | NDCG@k | top hits |',
    '| --- | --- | ---: | ---: | --- |',
    ...r.queries.map(
      (q) =>
        `| ${q.kind === 'image' ? 'like ' : ''}${md(q.query)} | ${md(q.relevant ?? '–')} | ${num(q.precisionAtK)} | ${num(q.ndcgAtK)} | ${q.hits
          .slice(0, 3)
          .map((h) => `${md(h.image)} (${md(h.label)}, ${num(h.cosine)})`)
          .join('; ')} |`,
    ),
  ].join('\n');
}
