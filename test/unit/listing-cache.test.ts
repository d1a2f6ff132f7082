// The listing cache (stat cache): an unchanged file is not read again, a touched or modified one
// is, a damaged cache is rebuilt with a note, and a file written just now is not trusted yet.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadImageSet } from '../../src/images/imageSet';
import { ListingCache } from '../../src/images/listingCache';
import { removeTempDirs, tempDir } from '../fixtures/clipFixtures';
import { fixture } from '../helpers/dicom';

const PHANTOMS = path.join(__dirname, '../../examples/data/normal');
const FAKE = 'f'.repeat(64);
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const past = (minutes: number) => new Date(Date.now() - minutes * 60_000);

function makeSet(): { dir: string; cacheDir: string; files: Record<string, string> } {
  const dir = tempDir('sl-listing-');
  const files: Record<string, string> = {};
  for (const cls of ['a', 'b']) mkdirSync(path.join(dir, 'set', cls), { recursive: true });
  for (const [i, name] of ['normal-000.png', 'normal-001.png', 'normal-002.png'].entries()) {
    files[name] = path.join(dir, 'set', i === 0 ? 'a' : 'b', name);
    copyFileSync(path.join(PHANTOMS, name), files[name]);
  }
  files['ct.dcm'] = path.join(dir, 'set', 'a', 'ct.dcm');
  copyFileSync(fixture('pydicom__CT_small.dcm'), files['ct.dcm']);
  for (const f of Object.values(files)) utimesSync(f, past(60), past(60));
  return { dir, cacheDir: path.join(dir, 'cache'), files };
}

async function list(dir: string, cacheDir: string, notes: string[] = [], window?: 'minmax') {
  const listing = await ListingCache.open(cacheDir, (n) => notes.push(n));
  const set = await loadImageSet({
    name: 's',
    from: 'set',
    baseDir: dir,
    listing,
    ...(window ? { decode: { window, frame: 'middle' as const } } : {}),
  });
  return Object.fromEntries(set.entries.map((e) => [path.basename(e.path), e.contentHash]));
}

/** Replace the remembered hash of some files: a listing that returns it did not read the file. */
function tamper(cacheDir: string, files: string[]): void {
  const file = path.join(cacheDir, 'listing', 'files-v1.json');
  const cache = JSON.parse(readFileSync(file, 'utf8')) as { files: Record<string, { contentHash: string }> };
  for (const f of files) cache.files[f].contentHash = FAKE;
  writeFileSync(file, JSON.stringify(cache));
}

describe('listing cache', () => {
  after(removeTempDirs);

  it('reads an unchanged file never again; a touched or modified one again', async () => {
    const { dir, cacheDir, files } = makeSet();
    const cold = await list(dir, cacheDir);
    for (const [name, file] of Object.entries(files)) assert.equal(cold[name], sha256(file), name);
    tamper(cacheDir, Object.values(files));
    // Modified: same size, other bytes, other mtime. Touched: same bytes, other mtime.
    const modified = readFileSync(files['normal-001.png']);
    writeFileSync(files['normal-001.png'], Buffer.concat([modified.subarray(0, -1), Buffer.from([0x42])]));
    utimesSync(files['normal-001.png'], past(30), past(30));
    utimesSync(files['normal-002.png'], past(20), past(20));
    const warm = await list(dir, cacheDir);
    assert.equal(warm['normal-000.png'], FAKE, 'unchanged: not read');
    assert.equal(warm['ct.dcm'], FAKE, 'unchanged DICOM: not read');
    assert.equal(warm['normal-001.png'], sha256(files['normal-001.png']), 'modified: re-hashed');
    assert.notEqual(warm['normal-001.png'], cold['normal-001.png']);
    assert.equal(warm['normal-002.png'], cold['normal-002.png'], 'touched: re-hashed, same content');
    // Other decode options: the DICOM file is checked again (its facts depend on them).
    assert.equal((await list(dir, cacheDir, [], 'minmax'))['ct.dcm'], sha256(files['ct.dcm']));
  });

  it('a damaged cache is rebuilt with a note; a file written just now is not remembered', async () => {
    const { dir, cacheDir, files } = makeSet();
    await list(dir, cacheDir);
    writeFileSync(path.join(cacheDir, 'listing', 'files-v1.json'), '{"version": 1, "files": {"x": ');
    const notes: string[] = [];
    const rebuilt = await list(dir, cacheDir, notes);
    assert.match(notes.join('\n'), /listing cache .* was damaged; it is rebuilt/);
    for (const [name, file] of Object.entries(files)) assert.equal(rebuilt[name], sha256(file), name);
    tamper(cacheDir, Object.values(files));
    // A file whose mtime is now could change again within the clock's granularity unseen.
    utimesSync(files['normal-000.png'], new Date(), new Date());
    await list(dir, cacheDir);
    tamper(cacheDir, [files['normal-001.png']]);
    const again = await list(dir, cacheDir);
    assert.equal(again['normal-000.png'], sha256(files['normal-000.png']), 'racy: read every time');
    assert.equal(again['normal-001.png'], FAKE);
  });
});
