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

/**
 * Replies awaited by key (an image, a request id). A reply settles its waiter; a reply that never
 * comes (an extension without a handler) settles it with undefined after `timeoutMs`.
 */
export class AwaitedReplies<K, V> {
  private readonly waiting = new Map<K, (value: V | undefined) => void>();

  constructor(private readonly timeoutMs: number) {}

  /** Waits for `key`'s reply; `send` posts the request once the waiter is in place. */
  wait(key: K, send: () => void): Promise<V | undefined> {
    return new Promise((resolve) => {
      this.waiting.set(key, resolve);
      send();
      setTimeout(() => {
        if (this.waiting.get(key) !== resolve) return;
        this.waiting.delete(key);
        resolve(undefined);
      }, this.timeoutMs);
    });
  }

  settle(key: K, value: V | undefined): void {
    const resolve = this.waiting.get(key);
    this.waiting.delete(key);
    resolve?.(value);
  }
}
