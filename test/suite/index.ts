// Entry of the extension API tests: the extension host loads this file (extensionTestsPath)
// and awaits run(). Mocha runs every *.test.js bundled beside it.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

/**
 * A reporter that only uses console.log: the extension host forwards console lines to the
 * test runner, but not process.stdout. The last line is the summary CI reads.
 */
class LineReporter {
  constructor(runner: Mocha.Runner) {
    let passed = 0;
    let failed = 0;
    runner.on('pass', (test) => {
      passed++;
      console.log(`ok    ${test.fullTitle()} (${test.duration ?? 0} ms)`);
    });
    runner.on('fail', (test, err: Error) => {
      failed++;
      console.log(`FAIL  ${test.fullTitle()}\n${err.stack ?? err.message}`);
    });
    runner.on('end', () => console.log(`${passed} passed, ${failed} failed`));
  }
}

export async function run(): Promise<void> {
  // SL_TEST_GREP (inherited by the extension host) runs only the tests whose title matches.
  const grep = process.env.SL_TEST_GREP;
  const mocha = new Mocha({
    ui: 'tdd',
    timeout: 180_000,
    color: false,
    reporter: LineReporter as unknown as string,
    ...(grep ? { grep } : {}),
  });
  for (const file of readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort()) {
    mocha.addFile(path.join(__dirname, file));
  }
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} extension API test(s) failed`);
}
