// Thumbnails for galleries: the small ones saved in the output are shown at once; the others are
// asked from the extension through renderer messaging when their card scrolls into view, so saved
// notebooks stay small while large image sets still show every picture. Without messaging (the
// standalone report, or a host that does not offer it) a missing thumbnail shows a placeholder.
import type { RendererContext } from 'vscode-notebook-renderer';
import { h, safeImageSrc } from './dom';
import { basename } from './format';
import { AwaitedReplies, channelOf } from './messaging';
import { isThumbnailReply, type ThumbnailRequest } from '../../protocol/messages';

/** A reply that never comes (an extension without a handler) gives up after this long. */
const REPLY_TIMEOUT_MS = 20_000;

/** One per renderer activation: replies arrive on one event shared by every output. */
class ThumbnailChannel {
  private readonly requested = new Map<string, Promise<string | undefined>>();
  private readonly replies = new AwaitedReplies<string, string>(REPLY_TIMEOUT_MS);

  constructor(
    private readonly post: (message: ThumbnailRequest) => void,
    ctx: RendererContext<unknown>,
  ) {
    ctx.onDidReceiveMessage?.((message: unknown) => {
      if (!isThumbnailReply(message)) return;
      this.replies.settle(message.image, safeImageSrc(message.dataUri));
    });
  }

  request(image: string): Promise<string | undefined> {
    let pending = this.requested.get(image);
    if (!pending) {
      pending = this.replies.wait(image, () => this.post({ type: 'thumbnail', image }));
      this.requested.set(image, pending);
    }
    return pending;
  }
}

/** Makes thumbnail elements for one output. */
export class Thumbnails {
  private readonly channel: ThumbnailChannel | undefined;
  private readonly lazy = new Map<Element, string>();
  private observer: IntersectionObserver | undefined;
  /** Saved thumbnails plus those that arrived since, so a re-drawn gallery does not ask again. */
  private readonly known: Record<string, string>;

  constructor(
    embedded: Record<string, string> | undefined,
    ctx: RendererContext<unknown>,
    onDispose: (fn: () => void) => void,
  ) {
    this.known = { ...embedded };
    this.channel = channelOf(ctx, ThumbnailChannel);
    onDispose(() => this.observer?.disconnect());
  }

  /** An <img> when the picture is at hand, else a placeholder that fills in when it arrives. */
  element(image: string, extraClass = ''): HTMLElement {
    const src = safeImageSrc(this.known[image]);
    if (src) return this.img(image, src, extraClass);
    const placeholder = h(
      'div',
      { class: `sl-thumb sl-missing ${extraClass}`, title: image, attrs: { 'data-image': image } },
      this.channel ? '…' : 'no preview',
    );
    if (this.channel) this.watch(placeholder, image);
    return placeholder;
  }

  private img(image: string, src: string, extraClass: string): HTMLImageElement {
    return h('img', {
      class: `sl-thumb ${extraClass}`,
      title: image,
      attrs: { src, alt: basename(image), 'data-image': image, decoding: 'async' },
    });
  }

  private watch(placeholder: HTMLElement, image: string): void {
    if (typeof IntersectionObserver !== 'function') {
      void this.load(placeholder, image);
      return;
    }
    this.observer ??= new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          if (!entry.isIntersecting) continue;
          const id = this.lazy.get(entry.target);
          this.observer?.unobserve(entry.target);
          this.lazy.delete(entry.target);
          if (id !== undefined) void this.load(entry.target as HTMLElement, id);
        }
      },
      { rootMargin: '200px' },
    );
    this.lazy.set(placeholder, image);
    this.observer.observe(placeholder);
  }

  private async load(placeholder: HTMLElement, image: string): Promise<void> {
    const src = await this.channel?.request(image);
    if (!placeholder.isConnected) return;
    if (src) {
      this.known[image] = src;
      placeholder.replaceWith(
        this.img(image, src, placeholder.className.replace(/\bsl-(thumb|missing)\b/g, '').trim()),
      );
    } else {
      placeholder.textContent = 'no preview';
    }
  }
}
