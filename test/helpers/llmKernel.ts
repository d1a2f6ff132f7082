// A Kernel in a fresh temporary notebook folder for the generate-step tests: a chosen API key
// (or none), a request timeout, and the log lines it wrote (checked for leaked keys).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';

export async function newLlmKernel(options: { key?: string; timeoutMs?: number } = {}) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-generate-'));
  const logs: string[] = [];
  const kernel = new Kernel({
    notebookPath: path.join(dir, 'nb.lensnb'),
    settings: { llmTimeoutMs: options.timeoutMs ?? 20_000 },
    secrets: { getApiKey: async () => options.key },
    log: (m) => logs.push(m),
  });
  return { kernel, dir, logs };
}
