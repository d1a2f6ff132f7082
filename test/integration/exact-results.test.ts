// A third party who recomputes the metrics from the predictions in results.json gets exactly the
// reported numbers (docs/methods.md, "Exact results"): here from the definitions, written out
// independently of src/metrics, and with scikit-learn (Debian's python3-sklearn) where installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { PYTHON } from '../fixtures/clipFixtures';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

interface Variant {
  name: string;
  metrics: { accuracy: number; balancedAccuracy: number; macroF1: number; auroc: Record<string, number | null> };
  predictions: { image: string; label: string; predicted: string; scores: Record<string, number> }[];
}
interface ScoreCell {
  step: string;
  name: string;
  ok: boolean;
  result: { classes: string[]; variants: Variant[] };
}

let resultsFile: string | undefined;
/** results.json of the example notebook, run once by the headless runner. */
async function demoResults(): Promise<string> {
  if (!resultsFile) {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-exact-'));
    const out = path.join(tmp, 'out');
    await run(
      process.execPath,
      [
        path.join(ROOT, 'bin/symptom-lens.js'),
        'run',
        path.join(ROOT, 'examples/demo.lensnb'),
        '--out',
        out,
        '--cache',
        path.join(tmp, 'cache'),
        '--device',
        'cpu',
        '--quiet',
      ],
      { maxBuffer: 64 << 20 },
    );
    resultsFile = path.join(out, 'results.json');
  }
  return resultsFile;
}

async function scoreCells(): Promise<ScoreCell[]> {
  const results = JSON.parse(await fs.readFile(await demoResults(), 'utf8')) as { cells: ScoreCell[] };
  const cells = results.cells.filter((c) => c.step === 'score' && c.ok);
  assert.ok(cells.length > 0, 'the example notebook has a score cell that ran');
  return cells;
}

/** AUROC by its definition: the share of (positive, negative) pairs ranked right, a tie counting ½. */
function pairwiseAuroc(positive: boolean[], scores: number[]): number | null {
  let pairs = 0;
  let right = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!positive[i]) continue;
    for (let j = 0; j < scores.length; j++) {
      if (positive[j]) continue;
      pairs++;
      right += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return pairs === 0 ? null : right / pairs;
}

test('results.json: scores keep float32 precision, not four decimals', async () => {
  const [cell] = await scoreCells();
  const scores = cell.result.variants.flatMap((v) => v.predictions.flatMap((p) => Object.values(p.scores)));
  const decimals = (x: number) => (String(x).split('.')[1] ?? '').length;
  assert.ok(
    scores.some((x) => decimals(x) > 4),
    'some score has more than four decimals',
  );
  // Shortest decimals: nine significant digits at most tell float32 values apart.
  const digits = (x: number) => String(Math.abs(x)).split('e')[0].replace('.', '').replace(/^0+/, '').length;
  assert.ok(
    scores.every((x) => digits(x) <= 9),
    'no score carries float64 noise',
  );
});

test('AUROC, accuracy, balanced accuracy and macro-F1 recomputed from the saved predictions are the reported ones', async () => {
  for (const cell of await scoreCells()) {
    const classes = cell.result.classes;
    for (const v of cell.result.variants) {
      const p = v.predictions;
      const where = `${cell.name} / ${v.name}`;
      assert.equal(v.metrics.accuracy, p.filter((x) => x.predicted === x.label).length / p.length, `${where} accuracy`);
      // Balanced accuracy and macro-F1: means over the classes present in the labels, in class order.
      let recalls = 0;
      let f1s = 0;
      let present = 0;
      for (const c of classes) {
        const support = p.filter((x) => x.label === c).length;
        if (support === 0) continue;
        const tp = p.filter((x) => x.label === c && x.predicted === c).length;
        const predictedAs = p.filter((x) => x.predicted === c).length;
        recalls += tp / support;
        f1s += (2 * tp) / (support + predictedAs);
        present++;
      }
      assert.equal(v.metrics.balancedAccuracy, recalls / present, `${where} balanced accuracy`);
      assert.equal(v.metrics.macroF1, f1s / present, `${where} macro-F1`);
      for (const c of classes) {
        const expected = pairwiseAuroc(
          p.map((x) => x.label === c),
          p.map((x) => x.scores[c]),
        );
        assert.equal(v.metrics.auroc[c], expected, `${where} AUROC of ${c}`);
      }
    }
  }
});

const SKLEARN = `
import json, sys
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, roc_auc_score
out = {}
for cell in json.load(open(sys.argv[1]))["cells"]:
    if cell["step"] != "score" or not cell["ok"]:
        continue
    for v in cell["result"]["variants"]:
        p = v["predictions"]
        y = [x["label"] for x in p]
        yhat = [x["predicted"] for x in p]
        present = [c for c in cell["result"]["classes"] if c in y]
        auroc = {}
        for c in cell["result"]["classes"]:
            t = [int(l == c) for l in y]
            auroc[c] = roc_auc_score(t, [x["scores"][c] for x in p]) if 0 < sum(t) < len(t) else None
        out[cell["name"] + " / " + v["name"]] = {
            "accuracy": accuracy_score(y, yhat),
            "balancedAccuracy": balanced_accuracy_score(y, yhat),
            "macroF1": f1_score(y, yhat, labels=present, average="macro"),
            "auroc": auroc,
        }
print(json.dumps(out))
`;

function sklearnInstalled(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import sklearn'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test(
  'scikit-learn recomputes the same metrics from results.json',
  { skip: sklearnInstalled() ? false : "Debian's python3-sklearn is not installed" },
  async () => {
    const { stdout } = await run(PYTHON, ['-W', 'ignore', '-c', SKLEARN, await demoResults()]);
    const theirs = JSON.parse(stdout) as Record<string, Variant['metrics']>;
    let compared = 0;
    for (const cell of await scoreCells()) {
      for (const v of cell.result.variants) {
        const ref = theirs[`${cell.name} / ${v.name}`];
        assert.ok(ref, `scikit-learn saw ${cell.name} / ${v.name}`);
        // scikit-learn reaches the same fractions by other arithmetic (F1 as 2PR/(P+R), AUROC by
        // the trapezoidal rule), which may differ in the last bit; a rounded score would differ
        // in the fourth decimal.
        const near = (a: number | null, b: number | null, what: string) => {
          if (a === null || b === null) return assert.equal(a, b, what);
          assert.ok(Math.abs(a - b) <= 1e-12, `${what}: ${a} reported, ${b} by scikit-learn`);
        };
        near(v.metrics.accuracy, ref.accuracy, 'accuracy');
        near(v.metrics.balancedAccuracy, ref.balancedAccuracy, 'balanced accuracy');
        near(v.metrics.macroF1, ref.macroF1, 'macro-F1');
        for (const c of cell.result.classes) near(v.metrics.auroc[c], ref.auroc[c], `AUROC of ${c}`);
        compared++;
      }
    }
    assert.ok(compared >= 2);
  },
);
