// A variant's per-image rows as the renderer holds them. An inline output holds every row; a
// paged one (ScoreResult.perImage) starts with the rows it kept and asks the extension for pages
// of the others through renderer messaging (protocol/messages.ts, scoreRows). Rows that arrive
// are appended to the variant's arrays, so every view indexes predictions, similarity and
// margins the same way whatever was loaded when.
import type { RendererContext } from 'vscode-notebook-renderer';
import { isScoreRowsReply, type ScoreRow, type ScoreRowsReply, type ScoreRowsRequest } from '../../protocol/messages';
import { listRows, orderAll, type OrderedRow } from '../../protocol/rowOrder';
import { AwaitedReplies, channelOf } from '../_shared/messaging';
import type { Score, Variant } from './data';
import { labelMargin } from './predictions';

/** A reply that never comes (an extension without a handler) gives up after this long. */
const REPLY_TIMEOUT_MS = 30_000;

type Ask = Omit<ScoreRowsRequest, 'type' | 'id' | 'score' | 'run' | 'variant'>;
export type Fetched = { rows: number[]; total: number } | { gone: true } | { error: string };

/** One per renderer activation: replies arrive on one event shared by every output. */
class RowsChannel {
  private next = 1;
  private readonly replies = new AwaitedReplies<number, ScoreRowsReply>(REPLY_TIMEOUT_MS);

  constructor(
    private readonly post: (message: ScoreRowsRequest) => void,
    ctx: RendererContext<unknown>,
  ) {
    ctx.onDidReceiveMessage?.((message: unknown) => {
      if (!isScoreRowsReply(message)) return;
      this.replies.settle(message.id, message);
    });
  }

  request(message: Omit<ScoreRowsRequest, 'id'>): Promise<ScoreRowsReply | undefined> {
    const id = this.next++;
    return this.replies.wait(id, () => this.post({ ...message, id }));
  }
}

export function rowsChannel(ctx: RendererContext<unknown>): RowsChannel | undefined {
  return channelOf(ctx, RowsChannel);
}

export type { RowsChannel };

export class VariantRows {
  /** A copy of the variant whose `predictions` and `similarity` grow as pages arrive. */
  readonly v: Variant;
  readonly margin: number[];
  /** Each row's position among all images. */
  readonly index: number[];
  /** The rows' file is gone (reopened without the cache): the per-image views need a re-run. */
  gone = false;
  private readonly local = new Map<number, number>();
  private readonly multiLabel: boolean;

  constructor(
    private readonly s: Score,
    private readonly vi: number,
    private readonly channel: RowsChannel | undefined,
  ) {
    const v = s.variants[vi];
    this.v = {
      ...v,
      predictions: [...v.predictions],
      similarity: Array.isArray(v.similarity) ? [...v.similarity] : v.similarity,
    };
    this.multiLabel = s.multiLabel === true;
    this.margin = this.v.predictions.map((p) => labelMargin(p, s.classes));
    this.index = this.v.predictions.map((_, i) => s.perImage?.indices?.[i] ?? i);
    this.index.forEach((at, i) => this.local.set(at, i));
  }

  get paged(): boolean {
    return !!this.s.perImage;
  }

  /** Images scored, whether or not their rows are here. */
  get images(): number {
    return this.s.perImage?.images ?? this.v.predictions.length;
  }

  /** A paged output's failures kept from the first on, in the gallery's order. */
  get failuresKept(): number {
    return this.s.perImage?.failuresKept?.[this.vi] ?? 0;
  }

  /** A paged output's count of a list among all images, from its aggregates (undefined inline). */
  listTotal(filter: { label: string; predicted: string } | undefined): number | undefined {
    const perImage = this.s.perImage;
    if (!perImage) return undefined;
    if (!filter) return perImage.failures?.[this.vi];
    const row = this.s.classes.indexOf(filter.label);
    return this.v.metrics.confusion?.[row]?.[this.s.classes.indexOf(filter.predicted)];
  }

  /** Whether pages can be asked for (a paged output in a host with messaging, its file not gone). */
  get canFetch(): boolean {
    return this.paged && !!this.channel && !this.gone;
  }

  private rows(): (OrderedRow & { at: number })[] {
    return this.v.predictions.map((prediction, at) => ({
      prediction,
      margin: this.margin[at],
      index: this.index[at],
      at,
    }));
  }

  /** The rows held of a confusion cell, or the failures (protocol/rowOrder.ts), as local row numbers. */
  list(filter: { label: string; predicted: string } | undefined): number[] {
    return listRows(this.rows(), filter, this.multiLabel).map((r) => r.at);
  }

  /** The first `count` rows held, by class or margin. */
  ordered(order: 'class' | 'margin', count = Infinity): number[] {
    return orderAll(this.rows().slice(0, count), order, this.s.classes).map((r) => r.at);
  }

  /** Asks the extension for a page; the rows it sends are added and returned as local row numbers. */
  async fetch(ask: Ask): Promise<Fetched> {
    if (!this.channel || !this.s.perImage) return { error: 'no renderer messaging here' };
    if (this.gone) return { gone: true };
    const reply = await this.channel.request({
      type: 'scoreRows',
      score: this.s.name,
      run: this.s.perImage.run,
      variant: this.v.name,
      ...ask,
    });
    if (!reply) return { error: 'the extension did not answer' };
    if (reply.gone) {
      this.gone = true;
      return { gone: true };
    }
    if (reply.error || !Array.isArray(reply.rows)) return { error: reply.error ?? 'no rows in the reply' };
    const rows = reply.rows.filter(
      (r) => Number.isSafeInteger(r?.index) && typeof r.prediction?.image === 'string' && Array.isArray(r.similarity),
    );
    return { rows: rows.map((r) => this.add(r)), total: Number(reply.total) || 0 };
  }

  private add(row: ScoreRow): number {
    const known = this.local.get(row.index);
    if (known !== undefined) return known;
    const at = this.v.predictions.length;
    this.v.predictions.push(row.prediction);
    this.v.similarity.push(row.similarity);
    this.margin.push(labelMargin(row.prediction, this.s.classes));
    this.index.push(row.index);
    this.local.set(row.index, at);
    return at;
  }
}

/** What the per-image views say when the rows' file is gone. */
export const NEEDS_RERUN =
  'Per-image views need a re-run of this cell: this run’s per-image file is not in the cache (the notebook was reopened without it, on another machine or after the cache was cleared). Every aggregate shown is complete.';
