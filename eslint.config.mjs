// Lint: the layers of the source tree, import cycles, and typescript-eslint's recommended checks.
// The layers (README "Source layout"): common at the bottom; protocol on common; the engine
// folders on both; kernel on the engine; extension (everything that imports `vscode`) and cli on
// top; renderers see only protocol and their own helpers.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const engine = ['clip', 'images', 'scoring', 'metrics', 'llm', 'cache', 'report', 'hub'];
const zone = (target, from, except) => ({
  target: `./src/${target}`,
  from: from.map((f) => `./src/${f}`),
  ...(except ? { except } : {}),
});

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'models/**', 'test-results/**'] },
  {
    files: ['src/**/*.ts'],
    extends: [tseslint.configs.recommended, importX.flatConfigs.typescript],
    settings: {
      'import-x/resolver': { typescript: true, node: { extensions: ['.ts', '.js', '.mjs'] } },
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/common',
              from: './src',
              except: ['./common'],
              message: 'src/common imports nothing of ours.',
            },
            {
              target: './src/protocol',
              from: './src',
              except: ['./common', './protocol'],
              message: 'src/protocol imports only src/common.',
            },
            ...engine.map((e) => ({
              ...zone(e, ['kernel', 'extension', 'cli', 'renderers']),
              message: 'Engine folders import nothing from kernel, extension, cli or renderers.',
            })),
            {
              ...zone('kernel', ['extension', 'cli', 'renderers']),
              message: 'The kernel imports nothing from extension, cli or renderers.',
            },
            {
              target: './src/renderers',
              from: './src',
              except: ['./renderers', './protocol', './common'],
              message: 'Renderers import only protocol and their own helpers.',
            },
          ],
        },
      ],
    },
  },
  {
    // Only src/extension may talk to VS Code.
    files: ['src/**/*.ts'],
    ignores: ['src/extension/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: 'Only src/extension imports vscode.' }] },
      ],
    },
  },
);
