// Child of faults-hang.test.ts: parses seeded hostile and pathological YAML cells and reports
// the slowest, and any failure that is not a located CellError.
import { CellError } from '../../../src/common/errors';
import { parseCell } from '../../../src/kernel/parse';
// The steps register their schemas when the kernel is loaded.
import '../../../src/kernel/kernel';
import { hostileYaml, mulberry32, pathologicalYaml } from '../hostile';
import { reportAndExit } from '../bounded';

const [seedArg, countArg] = process.argv.slice(2);
const random = mulberry32(Number(seedArg));
const docs = [
  ...pathologicalYaml(),
  ...Array.from({ length: Number(countArg) }, (_, i) => ({ name: `seed ${seedArg} #${i}`, text: hostileYaml(random) })),
];
let slowest = { name: '', ms: 0 };
const unexpected: string[] = [];
let parsed = 0;
let refused = 0;
for (const doc of docs) {
  const t0 = performance.now();
  try {
    parseCell(doc.text);
    parsed++;
  } catch (err) {
    if (err instanceof CellError) refused++;
    else unexpected.push(`${doc.name}: ${String(err).slice(0, 120)}`);
  }
  const ms = performance.now() - t0;
  if (ms > slowest.ms) slowest = { name: doc.name, ms };
}
reportAndExit({ tried: docs.length, parsed, refused, slowest, unexpected: unexpected.slice(0, 5) });
