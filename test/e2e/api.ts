// The extension API tests (test/suite) inside the real extension host of code-server: the
// workbench URL's `payload` names the extension under development and the tests module, and the
// workbench reports the tests' console and exit code through two page functions.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSuite, SUITE_ENTRY } from './buildSuite';
import { ENABLE_SMOKE_TEST_DRIVER, lap, launchChromium, RESULTS_DIR, ROOT, startCodeServer } from './harness';

export interface SuiteResult {
  passed: number;
  failed: number;
}

export async function runApiTests(timeoutMs = 10 * 60_000): Promise<SuiteResult> {
  const log = lap('api');
  await buildSuite();
  // The tests write their notebooks into this folder; the runner owns its lifetime.
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-api-ws-'));
  const server = await startCodeServer({ maxSeconds: Math.ceil(timeoutMs / 1000) + 60 });
  log(`code-server on ${server.url} (log: ${server.logFile})`);
  const browser = await launchChromium();
  let summary: SuiteResult | undefined;
  let exitCode: number | 'timeout' = 'timeout';
  try {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.addInitScript({ content: ENABLE_SMOKE_TEST_DRIVER });
    let exited!: (code: number) => void;
    const exit = new Promise<number>((r) => (exited = r));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      const line = (args ?? []).map(String).join(' ');
      const m = /^(\d+) passed, (\d+) failed$/.exec(line.trim());
      if (m) summary = { passed: Number(m[1]), failed: Number(m[2]) };
      console.log(`  ${type === 'error' ? '[exthost error] ' : ''}${line}`);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => exited(code));
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', `vscode-remote://remote${ROOT}`],
      ['extensionTestsPath', `vscode-remote://remote${SUITE_ENTRY}`],
    ]);
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`);
    log('workbench loading; the extension host runs the tests');
    exitCode = await Promise.race([exit, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs))]);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS_DIR, 'api-tests-final.png') }).catch(() => undefined);
    log(`extension host exit: ${exitCode}`);
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop(exitCode !== 0);
    fs.rmSync(workspace, { recursive: true, force: true });
  }
  if (!summary) {
    // No summary line: the tests module did not load or the host died; count it as a failure.
    console.log(`API tests gave no summary (exit ${exitCode}); see the lines above`);
    return { passed: 0, failed: 1 };
  }
  if (exitCode !== 0 && summary.failed === 0) summary.failed = 1;
  return summary;
}
