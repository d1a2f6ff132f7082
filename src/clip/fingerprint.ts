// The model's identity for caches and run records: a hash of the bytes that decide its outputs.

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { hashFile } from '../images/decode';

// Hashing a 600 MB model takes about a second; re-loading the same folder in one session (every
// re-run of a model cell) should not pay that again. Keyed by what would change with the bytes.
const fileHashes = new Map<string, { key: string; hash: string }>();

async function cachedFileHash(file: string): Promise<string> {
  const stat = await fs.stat(file);
  const key = `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
  const known = fileHashes.get(file);
  if (known && known.key === key) return known.hash;
  const hash = await hashFile(file);
  fileHashes.set(file, { key, hash });
  return hash;
}

/** sha256 over (path relative to the folder, sha256 of bytes) of each file, in the given order. */
export async function modelFingerprint(dir: string, files: string[]): Promise<string> {
  const combined = createHash('sha256');
  for (const file of files) {
    const rel = path.relative(dir, file).split(path.sep).join('/');
    combined.update(`${rel}\0${await cachedFileHash(file)}\n`);
  }
  return combined.digest('hex');
}
