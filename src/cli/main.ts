// `symptom-lens run NOTEBOOK.lensnb --out DIR`: runs every cell with the same Kernel the VS Code
// controller uses, writes DIR/results.json, a self-contained DIR/report.html and the executed
// notebook (cli/executedNotebook.ts), and exits non-zero naming the failing cell.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { version } from '../../package.json';
import { escapeControl, escapeControlKeepLines } from '../common/terminal';
import { runNotebook, type RunNotebookOptions } from './runNotebook';
import { DEVICE_PREFERENCES, type DevicePreference } from '../clip/types';

const USAGE = `Usage: symptom-lens run NOTEBOOK.lensnb [--out DIR] [--cache DIR] [--device ${DEVICE_PREFERENCES.join('|')}] [--batch-size N]
       symptom-lens --help | --version

Runs every cell of a Symptom Lens notebook with the kernel VS Code uses, and writes results.json,
a self-contained report.html and the executed notebook (NOTEBOOK's name, with every cell's
outputs; opens in VS Code). Paths in the notebook, in messages and in results.json are relative
to the notebook's folder.

  --out DIR        where results.json, report.html and the executed notebook go (default:
                   NOTEBOOK's folder/out)
  --cache DIR      embedding / LLM cache (default: .symptom-lens/cache beside the notebook)
  --device D       execution provider for model cells without their own (default: auto: CUDA, then
                   WebGPU, then CPU, whichever starts first)
  --batch-size N   images or texts per ONNX batch (default: 16 on CPU, 32 on a GPU)
  --quiet          no progress on stderr

The LLM key for generate cells is read from OPENAI_API_KEY. Model cells with hub: read
HF_TOKEN, HF_ENDPOINT, HF_HUB_OFFLINE and HF_HUB_CACHE (else HF_HOME/hub).`;

export function parseArgs(argv: string[]): RunNotebookOptions | { print: string } {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') return { print: USAGE };
  if (command === '--version' || command === '-v') return { print: `symptom-lens ${version}` };
  if (rest.includes('--help') || rest.includes('-h')) return { print: USAGE };
  if (command !== 'run') throw new UsageError(`Unknown command "${command}".`);
  const opts: Partial<RunNotebookOptions> = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value.`);
      return v;
    };
    switch (a) {
      case '--out':
        opts.outDir = value();
        break;
      case '--cache':
        opts.cacheDir = value();
        break;
      case '--device': {
        const d = value();
        if (!(DEVICE_PREFERENCES as readonly string[]).includes(d))
          throw new UsageError(`--device must be ${DEVICE_PREFERENCES.join(', ')} (got "${d}").`);
        opts.device = d as DevicePreference;
        break;
      }
      case '--batch-size': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) throw new UsageError('--batch-size must be a whole number ≥ 1.');
        opts.batchSize = n;
        break;
      }
      case '--quiet':
        opts.quiet = true;
        break;
      default:
        if (a.startsWith('--')) throw new UsageError(`Unknown option ${a}.`);
        if (opts.notebook) throw new UsageError(`Only one notebook per run (got "${opts.notebook}" and "${a}").`);
        opts.notebook = a;
    }
  }
  if (!opts.notebook) throw new UsageError('Which notebook? Give a .lensnb file.');
  opts.outDir ??= path.join(path.dirname(opts.notebook), 'out');
  return opts as RunNotebookOptions;
}

class UsageError extends Error {}

async function main(): Promise<number> {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`symptom-lens: ${escapeControl((e as Error).message)}\n\n${USAGE}\n`);
    return 2;
  }
  // --help and --version: print and exit 0.
  if ('print' in opts) {
    process.stdout.write(`${opts.print}\n`);
    return 0;
  }
  try {
    await fs.access(opts.notebook);
  } catch {
    process.stderr.write(`symptom-lens: cannot read ${escapeControl(opts.notebook)}.\n`);
    return 2;
  }
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nInterrupted: finishing the current batch, keeping caches and earlier outputs…\n');
    controller.abort();
  });
  const summary = await runNotebook({ ...opts, signal: controller.signal });
  const failed = summary.cells.find((c) => !c.ok && !c.notRun);
  process.stdout.write(
    `Results: ${escapeControl(path.resolve(summary.resultsPath))}\nReport:  ${escapeControl(path.resolve(summary.reportPath))}\nNotebook: ${escapeControl(summary.notebookPath)}\n`,
  );
  if (failed) {
    process.stderr.write(
      `${escapeControlKeepLines(`Cell ${failed.index + 1} (${failed.step ?? 'unknown step'}${failed.name ? `: ${failed.name}` : ''}) failed: ${failed.error}`)}\n`,
    );
    return 1;
  }
  return 0;
}

/** Entry point of bin/symptom-lens.js. */
export function cliMain(): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`symptom-lens: ${escapeControlKeepLines(e instanceof Error ? e.message : String(e))}\n`);
      process.exitCode = 1;
    },
  );
}
