// Child of faults-hang.test.ts: renders seeded hostile and pathological markdown and reports
// the slowest document, how many it rendered and any markup outside the safe set.
import { renderMarkdown } from '../../../src/report/markdown';
import { hostileMarkdown, mulberry32, pathologicalMarkdown } from '../hostile';
import { reportAndExit } from '../bounded';

const [seedArg, countArg] = process.argv.slice(2);
const random = mulberry32(Number(seedArg));
const ALLOWED = new Set(
  'p h1 h2 h3 h4 h5 h6 pre code blockquote ul ol li table thead tbody tr th td hr br em strong a'.split(' '),
);
const docs = [
  ...pathologicalMarkdown(),
  ...Array.from({ length: Number(countArg) }, (_, i) => ({
    name: `seed ${seedArg} #${i}`,
    text: hostileMarkdown(random),
  })),
];
let slowest = { name: '', ms: 0 };
const unsafe: string[] = [];
for (const doc of docs) {
  const t0 = performance.now();
  const html = renderMarkdown(doc.text);
  const ms = performance.now() - t0;
  if (ms > slowest.ms) slowest = { name: doc.name, ms };
  for (const m of html.matchAll(/<\/?([a-zA-Z][\w-]*)([^>]*)>/g)) {
    const attrs = m[2];
    const badAttr = /\s(on\w+|style|src)\s*=/i.test(attrs) || /href\s*=\s*"(?!https?:|mailto:)/i.test(attrs);
    if (!ALLOWED.has(m[1].toLowerCase()) || badAttr) unsafe.push(`${doc.name}: ${m[0].slice(0, 80)}`);
  }
}
reportAndExit({ rendered: docs.length, slowest, unsafe: unsafe.slice(0, 5) });
