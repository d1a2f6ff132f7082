// Runs a piece of the product in a child process under a wall-clock limit and reports its peak
// memory, so that a test of a hang or a blow-up fails (instead of hanging or swapping the test
// runner) and can state the bound it holds.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

export interface BoundedResult {
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** Peak resident memory of the child, MiB (getrusage maxrss). */
  peakRssMiB: number;
  wallMs: number;
  /** The JSON the child printed on its last line (see reportAndExit). */
  result: unknown;
}

const ROOT = path.resolve(__dirname, '../..');

/** Run `node --import tsx SCRIPT ...args` from the repository root, killed after `timeoutMs`. */
export function runBounded(script: string, args: string[], timeoutMs: number): Promise<BoundedResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').at(-1) ?? '';
      let result: { peakRssMiB?: number } | undefined;
      try {
        result = JSON.parse(last) as { peakRssMiB?: number };
      } catch {
        result = undefined;
      }
      resolve({
        code,
        timedOut,
        stdout,
        stderr,
        peakRssMiB: result?.peakRssMiB ?? NaN,
        wallMs: Date.now() - started,
        result,
      });
    });
  });
}

/** In a child: print `result` with this process's peak RSS as the last line, then exit. */
export function reportAndExit(result: Record<string, unknown>): never {
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ ...result, peakRssMiB })}\n`);
  process.exit(0);
}
