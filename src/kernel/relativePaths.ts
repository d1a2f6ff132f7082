// Messages and results name files relative to the notebook, as the notebook itself does: a
// result copied to another machine, a report shared with a colleague or an error pasted into an
// issue then says "data/x.png" or "../models/demo", never where the notebook happened to live.
import * as path from 'node:path';

/**
 * Rewrites absolute paths under the notebook's folder, or under one of its parent folders, in
 * `text` as paths relative to the notebook's folder ("/home/ann/study/data/x.png" →
 * "data/x.png", "/home/ann/models/demo" → "../../models/demo" for a notebook in
 * /home/ann/study/nb). The filesystem root and the top-level folders (/home, /tmp) are left alone:
 * a path that shares nothing more with the notebook stays as it is.
 */
export function pathsRelativeTo(notebookDir: string): (text: string) => string {
  const prefixes: { from: string; to: string }[] = [];
  let dir = path.resolve(notebookDir);
  for (let up = 0; path.dirname(dir) !== dir && path.dirname(path.dirname(dir)) !== path.dirname(dir); up++) {
    prefixes.push({ from: dir + path.sep, to: '../'.repeat(up) });
    dir = path.dirname(dir);
  }
  return (text) => {
    let out = text;
    // Deepest folder first, so that a file under the notebook's folder is never written via "..".
    for (const { from, to } of prefixes) out = out.split(from).join(to);
    return out;
  };
}
