// The thumbnail of an image of a set: the file's, or for an imported image that is not on this
// machine a placeholder (a grey square with a cross), so galleries keep their layout and say so.
import sharp from 'sharp';
import type { ImageEntry } from '../protocol/dataset';
import { thumbnailDataUri } from './decode';

const placeholders = new Map<number, Promise<string>>();

export function entryThumbnail(entry: Pick<ImageEntry, 'path' | 'decode' | 'onDisk'>, size = 64): Promise<string> {
  if (entry.onDisk !== false) return thumbnailDataUri(entry.path, size, entry.decode);
  let uri = placeholders.get(size);
  if (!uri) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="100%" height="100%" fill="#777"/><path d="M0 0L${size} ${size}M${size} 0L0 ${size}" stroke="#aaa" stroke-width="2"/></svg>`;
    uri = sharp(Buffer.from(svg))
      .jpeg({ quality: 75 })
      .toBuffer()
      .then((jpeg) => `data:image/jpeg;base64,${jpeg.toString('base64')}`);
    placeholders.set(size, uri);
  }
  return uri;
}
