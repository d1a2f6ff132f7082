// `npm run test:e2e`: packages the extension, then runs
//   1. the extension API tests (test/suite) in code-server's real extension host, and
//   2. the UI tests (ui.ts) on the installed VSIX,
// and prints "N passed, N failed" on a line of its own. `--api` or `--ui` runs one part only.
// Without Chromium or code-server it fails in CI (CI=true) and skips with a message otherwise.
import { execSync } from 'node:child_process';
import * as path from 'node:path';
import { runApiTests, type SuiteResult } from './api';
import { lap, missingTestHost, ROOT, summaryLine } from './harness';
import { runUiTests } from './ui';

const VSIX = path.join(ROOT, 'symptom-lens-linux-x64.vsix');

async function main(): Promise<number> {
  const missing = missingTestHost();
  if (missing.length > 0) {
    const what = `the end-to-end tests need ${missing.join(' and ')}; install them with scripts/install-test-host.sh`;
    if (process.env.CI === 'true' || process.env.CI === '1') {
      console.error(`FAIL: ${what}.`);
      return 1;
    }
    console.log(`SKIPPED: ${what}. (In CI, with CI=true, this is a failure.)`);
    return 0;
  }
  const args = new Set(process.argv.slice(2));
  const only = args.has('--api') ? 'api' : args.has('--ui') ? 'ui' : undefined;
  const log = lap('e2e');
  // The API tests load the extension from the tree (dist/), the UI tests from the VSIX;
  // packaging builds both.
  execSync('npm run package', { cwd: ROOT, stdio: 'inherit' });
  log(`packaged ${path.relative(ROOT, VSIX)}`);
  const results: SuiteResult[] = [];
  if (only !== 'ui') {
    const api = await runApiTests();
    log(`API tests: ${summaryLine(api.passed, api.failed)}`);
    results.push(api);
  }
  if (only !== 'api') {
    const ui = await runUiTests(VSIX);
    log(`UI tests: ${summaryLine(ui.passed, ui.failed)}`);
    results.push(ui);
  }
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  console.log(summaryLine(passed, failed));
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);
