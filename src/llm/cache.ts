// Every completion on disk, keyed by what determines it: endpoint, model, the exact messages,
// the sampling parameters and the sample index (docs/methods.md, "Caches and staleness"). The key is not part of it,
// so a run on another day, or by a colleague with another key, reads the same replies.
import { DiskCache } from '../cache/diskCache';
import { canonicalJson, hashKey } from '../cache/hash';
import { createHash } from 'node:crypto';
import type { ChatMessage, ChatParameters } from './client';

export interface CompletionRequest {
  endpoint: string;
  model: string;
  messages: ChatMessage[];
  parameters: ChatParameters;
  /** 0-based: `n` samples are `n` requests with sample 0…n-1. */
  sample: number;
  /**
   * For messages that print computed scores: the exactly reproducible inputs those scores come
   * from (model fingerprint, image content hash, method…). With them the key masks the printed
   * three-decimal numbers, so a last digit that another CPU rounds differently still finds the
   * cached reply (docs/methods.md, "Caches and staleness").
   */
  inputs?: Record<string, string>;
}

export interface CachedCompletion {
  request: CompletionRequest;
  reply: string;
  finishReason: string | null;
  servedBy?: string;
  receivedAt: string;
}

const NAMESPACE = 'llm';

export class CompletionCache {
  private readonly disk: DiskCache;

  /** `onProblem` hears once that the folder cannot be used (the run then goes on without it). */
  constructor(
    readonly dir: string,
    onProblem?: (message: string) => void,
  ) {
    this.disk = new DiskCache(dir, onProblem);
  }

  static key(request: CompletionRequest): string {
    if (request.inputs === undefined) return hashKey('llm-completion-v1', canonicalJson(request));
    return hashKey('llm-completion-v2', canonicalJson({ ...request, messages: request.messages.map(maskScores) }));
  }

  /** Entries read whose checksum did not match (corrupted or edited by hand): asked again. */
  repaired = 0;

  /**
   * The stored completion, or undefined (also for an unreadable file or a checksum mismatch;
   * the entry is then rewritten). Entries without a checksum, written before it existed, are
   * read as they are.
   */
  async get(request: CompletionRequest): Promise<CachedCompletion | undefined> {
    const raw = await this.disk.read(NAMESPACE, CompletionCache.key(request), '.json');
    if (!raw) return undefined;
    let entry: CachedCompletion & { sha256?: unknown };
    try {
      entry = JSON.parse(raw.toString('utf8')) as CachedCompletion & { sha256?: unknown };
    } catch {
      return undefined;
    }
    if (typeof entry.reply !== 'string') return undefined;
    if (entry.sha256 !== undefined && entry.sha256 !== checksum(entry)) {
      this.repaired++;
      return undefined;
    }
    return entry;
  }

  async put(entry: CachedCompletion): Promise<void> {
    const stored = { ...entry, request: withoutImages(entry.request) };
    await this.disk.write(
      NAMESPACE,
      CompletionCache.key(entry.request),
      '.json',
      `${JSON.stringify({ ...stored, sha256: checksum(stored) }, null, 2)}\n`,
    );
  }
}

/** A printed score (three decimals, as llm/ask.ts writes them). */
const PRINTED_SCORE = /-?\d+\.\d{3}(?!\d)/g;

function maskScores(message: ChatMessage): ChatMessage {
  const mask = (text: string) => text.replace(PRINTED_SCORE, '#');
  if (message.role !== 'user' || typeof message.content === 'string')
    return { ...message, content: mask(message.content as string) };
  return {
    ...message,
    content: message.content.map((part) => (part.type === 'text' ? { ...part, text: mask(part.text) } : part)),
  };
}

/** sha256 of the entry's content (every field but the checksum itself). */
function checksum(entry: CachedCompletion & { sha256?: unknown }): string {
  const { sha256: _stored, ...content } = entry;
  void _stored;
  return hashKey('llm-completion-entry-v1', canonicalJson(content));
}

/**
 * The request as the cache file records it: an attached image (a patient image, for ask's
 * send_image) is replaced by its digest. The key still covers the image itself.
 */
function withoutImages(request: CompletionRequest): CompletionRequest {
  return {
    ...request,
    messages: request.messages.map((m) =>
      m.role === 'user' && typeof m.content !== 'string'
        ? {
            ...m,
            content: m.content.map((part) =>
              part.type === 'image_url'
                ? {
                    type: 'image_url' as const,
                    image_url: {
                      url: `sha256:${createHash('sha256').update(part.image_url.url).digest('hex')} (not stored)`,
                    },
                  }
                : part,
            ),
          }
        : m,
    ),
  };
}
