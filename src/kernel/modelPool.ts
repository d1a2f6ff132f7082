// Loaded models shared by every notebook of this process, keyed by what was loaded (folder,
// device, variant, batch size). Loading a full-size model is the one cost a re-run cannot take
// from the embedding cache, so a model nobody holds is kept a while before it is released:
// reopening a notebook, or a second notebook on the same model, finds it loaded.
import type { ClipModel } from '../clip/types';

/** How long a model no notebook holds stays loaded. */
const IDLE_MS = 10 * 60_000;

interface Entry {
  model: Promise<ClipModel>;
  holders: number;
  idle?: ReturnType<typeof setTimeout>;
}

const entries = new Map<string, Entry>();

/** The model loaded for `key`, loading it once; pair every call with release(key). */
export async function acquireModel(key: string, load: () => Promise<ClipModel>): Promise<ClipModel> {
  let entry = entries.get(key);
  if (!entry) {
    entry = { model: load(), holders: 0 };
    entries.set(key, entry);
    // A failed load is not kept: the next attempt loads again.
    entry.model.catch(() => entries.get(key) === entry && entries.delete(key));
  }
  if (entry.idle) clearTimeout(entry.idle);
  entry.idle = undefined;
  entry.holders++;
  try {
    return await entry.model;
  } catch (e) {
    entry.holders--;
    throw e;
  }
}

export function releaseModel(key: string): void {
  const entry = entries.get(key);
  if (!entry || --entry.holders > 0) return;
  entry.idle = setTimeout(() => void disposeEntry(key, entry), IDLE_MS);
  // An idle model must not keep a command-line run (or a test process) alive.
  entry.idle.unref?.();
}

async function disposeEntry(key: string, entry: Entry): Promise<void> {
  if (entries.get(key) !== entry || entry.holders > 0) return;
  entries.delete(key);
  await (await entry.model).dispose();
}

/** Release every model nobody holds now (tests, and the process's own shutdown). */
export async function disposeIdleModels(): Promise<void> {
  for (const [key, entry] of [...entries]) {
    if (entry.holders > 0) continue;
    if (entry.idle) clearTimeout(entry.idle);
    await disposeEntry(key, entry);
  }
}
