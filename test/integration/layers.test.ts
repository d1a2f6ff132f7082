// The layers of src are enforced by the tools, and this proves they bite: through ESLint's Node
// API, a deliberately wrong import in each layer fails the lint and the right one passes; through
// the TypeScript API, the engine's project has no DOM while the renderers' has; and no file in
// src grows past 400 lines.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import ts from 'typescript';

const REPO = path.resolve(__dirname, '../..');
const MAX_LINES = 400;

const eslint = new ESLint({ cwd: REPO });

/** The layer rules an import in `file` (a path in src that need not exist) breaks. */
async function brokenRules(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nvoid x;\n`, { filePath: path.join(REPO, file) });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

const cases: { file: string; wrong: string; right: string; rule: RegExp }[] = [
  {
    file: 'src/common/probe.ts',
    wrong: "import { MIME as x } from '../protocol/mime';",
    right: "import { CellError as x } from './errors';",
    rule: /no-restricted-paths: .*src\/common imports nothing of ours/,
  },
  {
    file: 'src/protocol/probe.ts',
    wrong: "import { Kernel as x } from '../kernel/kernel';",
    right: "import { CellError as x } from '../common/errors';",
    rule: /no-restricted-paths: .*src\/protocol imports only src\/common/,
  },
  {
    file: 'src/clip/probe.ts',
    wrong: "import { parseCell as x } from '../kernel/parse';",
    right: "import { MIME as x } from '../protocol/mime';",
    rule: /no-restricted-paths: .*Engine folders import nothing from kernel/,
  },
  {
    file: 'src/report/probe.ts',
    wrong: "import { activate as x } from '../renderers/images';",
    right: "import { mulberry32 as x } from '../common/random';",
    rule: /no-restricted-paths: .*Engine folders/,
  },
  {
    file: 'src/kernel/probe.ts',
    wrong: "import { cellId as x } from '../extension/controller';",
    right: "import { planTexts as x } from '../scoring/recipes';",
    rule: /no-restricted-paths: .*The kernel imports nothing from extension/,
  },
  {
    file: 'src/renderers/probe.ts',
    wrong: "import { planTexts as x } from '../scoring/recipes';",
    right: "import { MIME as x } from '../protocol/mime';",
    rule: /no-restricted-paths: .*Renderers import only protocol/,
  },
  {
    file: 'src/scoring/probe.ts',
    wrong: "import * as x from 'vscode';",
    right: "import * as x from 'node:path';",
    rule: /no-restricted-imports: .*Only src\/extension imports vscode/,
  },
];

for (const c of cases) {
  test(`lint: ${path.dirname(c.file)} rejects ${c.wrong.replace(/.* from |;$/g, '')} and accepts ${c.right.replace(/.* from |;$/g, '')}`, async () => {
    const wrong = await brokenRules(c.file, c.wrong);
    assert.ok(
      wrong.some((m) => c.rule.test(m)),
      `expected ${c.rule} for ${c.file}, got ${JSON.stringify(wrong)}`,
    );
    assert.deepEqual(await brokenRules(c.file, c.right), []);
  });
}

test('lint: an import that closes a cycle fails', async () => {
  // kernel.ts imports session.ts: session.ts importing kernel.ts back closes the loop.
  const file = 'src/kernel/session.ts';
  const source = readFileSync(path.join(REPO, file), 'utf8');
  const [result] = await eslint.lintText(`import { Kernel as _k } from './kernel';\n${source}`, {
    filePath: path.join(REPO, file),
  });
  assert.ok(
    result.messages.some((m) => m.ruleId === 'import-x/no-cycle'),
    JSON.stringify(result.messages),
  );
  assert.deepEqual((await eslint.lintText(source, { filePath: path.join(REPO, file) }))[0].messages, []);
});

/** Type errors of one in-memory file checked with the compiler options of a project's tsconfig. */
function typeErrors(tsconfig: string, file: string, code: string): string[] {
  const configPath = path.join(REPO, tsconfig);
  const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, path.dirname(configPath));
  const fileName = path.join(REPO, file);
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.fileExists = (
    (exists) => (f: string) =>
      f === fileName || exists(f)
  )(host.fileExists.bind(host));
  host.readFile = (f) => (f === fileName ? code : readFile(f));
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (f, language, ...rest) =>
    f === fileName ? ts.createSourceFile(f, code, language) : getSourceFile(f, language, ...rest);
  const program = ts.createProgram([fileName], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === fileName)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

test('types: engine code has no DOM; renderer code has it', () => {
  const code = 'export const title: string = document.title;\n';
  const engine = typeErrors('tsconfig.json', 'src/clip/probe.ts', code);
  assert.ok(
    engine.some((m) => /Cannot find name 'document'/.test(m)),
    JSON.stringify(engine),
  );
  assert.deepEqual(typeErrors('src/renderers/tsconfig.json', 'src/renderers/probe.ts', code), []);
});

test(`no file in src is over ${MAX_LINES} lines`, () => {
  const files = readdirSync(path.join(REPO, 'src'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name));
  assert.ok(files.length > 50, `found ${files.length} files`);
  const long = files
    .map((f) => ({ file: path.relative(REPO, f), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
    .filter((f) => f.lines > MAX_LINES);
  assert.deepEqual(long, []);
});
