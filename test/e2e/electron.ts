// `npm run test:electron`: the same extension API tests (test/suite) in a desktop VS Code that
// @vscode/test-electron downloads. For machines that can reach the VS Code download site; CI
// here uses code-server instead (npm run test:e2e).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { buildSuite, SUITE_ENTRY } from './buildSuite';
import { ROOT } from './harness';

async function main(): Promise<number> {
  await buildSuite();
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-electron-ws-'));
  try {
    return await runTests({
      version: '1.100.3',
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: SUITE_ENTRY,
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    });
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    // Usually the download of VS Code failed (no route to its servers): say what to use instead.
    console.error(
      `test:electron: ${e instanceof Error ? e.message : String(e)}\nThis runner downloads a desktop VS Code; where that is not possible, npm run test:e2e runs the same API tests in code-server.`,
    );
    process.exit(1);
  },
);
