// What one image file may claim before anything reads it whole or decodes it. A CSV row can name
// any path (/dev/zero, a FIFO, a socket) and a 138-byte PNG can claim 60000×1 pixels; both are
// refused here, by name, before they cost time or memory. The limits are documented in README.md
// ("Limits on image files").
import { constants, promises as fs } from 'node:fs';
import sharp from 'sharp';

/** Largest image file read, in bytes. */
export const MAX_IMAGE_FILE_BYTES = 256 * 1024 * 1024;
/** Most pixels (width × height) decoded: 50 megapixels, e.g. 7071 × 7071. */
export const MAX_IMAGE_PIXELS = 50_000_000;
/** Longest side over shortest side: wider images are strips, not pictures to classify. */
export const MAX_IMAGE_ASPECT = 20;

/** A file over a limit, or not a regular file; `message` names it and says what to do. */
export class ImageLimitError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'ImageLimitError';
  }
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 0)} MiB`;

/**
 * Open `file` for reading only if it is a regular file of at most `maxBytes`. O_NONBLOCK keeps
 * the open of a FIFO from waiting for a writer; the type is checked on the opened descriptor.
 */
export async function openRegularFile(file: string, maxBytes = Infinity): Promise<fs.FileHandle> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EACCES' || code === 'EPERM'
          ? 'cannot be read (permission denied)'
          : code === 'ENXIO'
            ? 'is a socket, not an image file; skipped'
            : `cannot be read (${(err as Error).message})`;
    throw new ImageLimitError(file, `${file}: ${why}`);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new ImageLimitError(file, `${file}: is a folder, not an image file`);
    if (!stat.isFile()) {
      const kind = stat.isFIFO()
        ? 'a named pipe (FIFO)'
        : stat.isCharacterDevice() || stat.isBlockDevice()
          ? 'a device'
          : stat.isSocket()
            ? 'a socket'
            : 'not a regular file';
      throw new ImageLimitError(file, `${file}: is ${kind}, not an image file; skipped (only regular files are read)`);
    }
    if (stat.size > maxBytes) {
      throw new ImageLimitError(
        file,
        `${file}: is ${mib(stat.size)}, over the ${mib(maxBytes)} limit for one image; skipped (downscale it first)`,
      );
    }
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** The bytes of a regular image file within MAX_IMAGE_FILE_BYTES. */
export async function readImageFile(file: string): Promise<Buffer> {
  const handle = await openRegularFile(file, MAX_IMAGE_FILE_BYTES);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * Refuse an image whose header claims more pixels than MAX_IMAGE_PIXELS or a side ratio over
 * MAX_IMAGE_ASPECT, from the header alone (nothing is decoded).
 */
export async function checkImageHeader(file: string, bytes: Buffer): Promise<void> {
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await sharp(bytes, { limitInputPixels: false }).metadata());
  } catch {
    // An unreadable header is the decoder's to report (it names truncation and corruption).
    return;
  }
  if (!width || !height) return;
  const pixels = width * height;
  const aspect = Math.max(width, height) / Math.min(width, height);
  if (pixels > MAX_IMAGE_PIXELS || aspect > MAX_IMAGE_ASPECT) {
    throw new ImageLimitError(
      file,
      `${file}: its header says ${width}×${height} pixels, over the limit (at most ${MAX_IMAGE_PIXELS / 1e6} megapixels and a side ratio of ${MAX_IMAGE_ASPECT}:1); skipped (downscale or crop it first)`,
    );
  }
}
