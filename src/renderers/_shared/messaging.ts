// One channel object per renderer context and kind (thumbnails, score rows): replies arrive on
// one event shared by every output of the renderer, so each kind listens once.
import type { RendererContext } from 'vscode-notebook-renderer';

type Channel<T, M> = new (post: (message: M) => void, ctx: RendererContext<unknown>) => T;

const made = new WeakMap<RendererContext<unknown>, Map<unknown, unknown>>();

/** The context's channel of this kind, made on first use; undefined where the host offers no messaging. */
export function channelOf<T, M>(ctx: RendererContext<unknown>, kind: Channel<T, M>): T | undefined {
  const post = ctx.postMessage;
  if (!post) return undefined;
  let kinds = made.get(ctx);
  if (!kinds) made.set(ctx, (kinds = new Map()));
  let channel = kinds.get(kind) as T | undefined;
  if (!channel) {
    channel = new kind((m) => post.call(ctx, m), ctx);
    kinds.set(kind, channel);
  }
  return channel;
}
