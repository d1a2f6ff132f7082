// The scale bench's headless run (bench/scale.ts) in a process of its own, as the CLI runs a
// notebook: node --import tsx bench/headless.ts NOTEBOOK OUT_DIR CACHE_DIR. Prints the run's
// files, its failed cells and the process's peak RSS as one JSON line.
import { runNotebook } from '../src/cli/runNotebook';

async function main(): Promise<void> {
  const [notebook, outDir, cacheDir] = process.argv.slice(2);
  const summary = await runNotebook({ notebook, outDir, cacheDir, quiet: true });
  const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  const { resultsPath, reportPath, notebookPath } = summary;
  const failed = summary.cells.filter((c) => !c.ok).map((c) => ({ index: c.index, error: c.error }));
  process.stdout.write(`${JSON.stringify({ resultsPath, reportPath, notebookPath, failed, peakRssMiB })}\n`);
}

main().catch((e) => {
  process.stderr.write(`headless run: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
