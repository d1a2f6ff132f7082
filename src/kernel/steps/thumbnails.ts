// Thumbnails for outputs (image samples, failure galleries, search hits), kept in the cache
// folder by content and decode options: a DICOM thumbnail costs a whole decode, so a re-run
// makes none again.
import { DiskCache } from '../../cache/diskCache';
import { hashKey } from '../../cache/hash';
import { entryThumbnail } from '../../images/thumbnail';
import type { ImageEntry } from '../../protocol/dataset';
import type { StepContext } from './step';

const NAMESPACE = 'thumbnails';

export async function cachedThumbnail(
  ctx: StepContext,
  entry: Pick<ImageEntry, 'path' | 'contentHash' | 'decode' | 'onDisk'>,
  size: number,
): Promise<string> {
  // An imported image not on this machine gets a placeholder: nothing to keep.
  if (entry.onDisk === false) return entryThumbnail(entry, size);
  // No note on a cache problem here: the embedding cache of the same folder reports it.
  const disk = new DiskCache(ctx.cacheDir);
  const key = hashKey('thumbnail', entry.contentHash, JSON.stringify(entry.decode ?? null), String(size));
  const known = (await disk.read(NAMESPACE, key, '.txt'))?.toString('latin1');
  if (known?.startsWith('data:image/')) return known;
  const made = await entryThumbnail(entry, size);
  await disk.write(NAMESPACE, key, '.txt', made);
  return made;
}
