// Seeded generators of hostile text for the fault suite: the same seed gives the same inputs on
// every machine, so a failure names a seed and an index that reproduce it.
import { mulberry32, randomInt, type Random } from '../../src/common/random';

const pick = <T>(r: Random, items: readonly T[]): T => items[randomInt(r, items.length)];

/** Markdown pieces that have broken hand-written parsers: fences, nesting, runs of delimiters. */
const MARKDOWN_PIECES = [
  '```c#',
  '```{r}',
  '```{python echo=FALSE}',
  '``` js title="a b"',
  '~~~ c++',
  '```',
  '~~~',
  '````',
  '> ',
  '>>>>> ',
  '- ',
  '  - ',
  '1. ',
  '999999999) ',
  '* ',
  '# ',
  '###### ',
  '#######',
  '---',
  '***',
  '___',
  '| a | b |',
  '| --- | :-: |',
  '|',
  '\\|',
  '**',
  '*',
  '_',
  '__',
  '`',
  '``',
  '[',
  ']',
  '](',
  '[a](javascript:alert(1))',
  '[a](JaVaScRiPt:alert(1))',
  '[a](data:text/html,<script>alert(1)</script>)',
  '![x](http://example.org/x.png)',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<!--',
  '-->',
  '&lt;',
  '&#0;',
  '\\',
  '\t',
  '    ',
  '\u0000',
  '\u001b]0;title\u0007',
  '\u202e',
  '\r',
  '\r\n',
  'plain words',
  'é ü 漢字 🫁',
  '$$',
  '{r}',
  '[^1]',
  '<http://example.org>',
  '<javascript:alert(1)>',
];

/** Up to `maxPieces` pieces drawn from `pieces`, each followed by one of `separators`. */
function hostileText(r: Random, pieces: readonly string[], maxPieces: number, separators: readonly string[]): string {
  const n = 1 + randomInt(r, maxPieces);
  let out = '';
  for (let i = 0; i < n; i++) out += pick(r, pieces) + pick(r, separators);
  return out;
}

/** One hostile markdown document of up to `maxPieces` pieces. */
export function hostileMarkdown(r: Random, maxPieces = 200): string {
  return hostileText(r, MARKDOWN_PIECES, maxPieces, ['\n', ' ', '', '\n\n']);
}

/** Documents that are large runs of one construct: the worst cases of backtracking parsers. */
export function pathologicalMarkdown(): { name: string; text: string }[] {
  const n = 20_000;
  return [
    { name: 'open brackets', text: '['.repeat(n) },
    { name: 'link openers', text: '[a]('.repeat(n) },
    { name: 'emphasis runs', text: '*a '.repeat(n) + '_b '.repeat(n) },
    { name: 'alternating stars', text: '*a**'.repeat(n) },
    { name: 'backticks', text: '`a``'.repeat(n) },
    { name: 'nested quotes', text: '>'.repeat(n) + ' deep' },
    { name: 'nested lists', text: Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i * 2)}- item`).join('\n') },
    { name: 'unclosed fence with info', text: '```c#\n' + 'x\n'.repeat(n) },
    { name: 'table columns', text: `${'| a '.repeat(5000)}|\n${'| - '.repeat(5000)}|\n${'| 1 '.repeat(5000)}|` },
    { name: 'many fences', text: '```{r}\n```\n'.repeat(n) },
    { name: 'one long line', text: 'a'.repeat(1_000_000) },
  ];
}

const YAML_PIECES = [
  'images: x',
  'descriptors: v',
  'score: s',
  'generate: g',
  'classes:',
  '  a: [x, y]',
  '  b:',
  '    - z',
  'from: data.csv',
  '&a [*a]',
  '*a',
  '&x',
  '!!binary AAAA',
  '!!python/object:os.system',
  '? complex',
  ': value',
  '{',
  '}',
  '[',
  ']',
  '"',
  "'",
  '|',
  '>',
  '---',
  '...',
  '%YAML 1.2',
  '<<: *a',
  'key: &k {a: 1}',
  'k2: *k',
  '#',
  '\t',
  '\u0000',
  '\u001b[2J',
  'limit: 1e309',
  'limit: -0',
  'seed: 0x7fffffffffffffff',
  'classes: {__proto__: [x]}',
  'constructor: x',
];

/** One hostile YAML cell of up to `maxLines` lines, indented by 0, 2 or 4 spaces. */
export function hostileYaml(r: Random, maxLines = 40): string {
  return hostileText(r, YAML_PIECES, maxLines, ['\n', '\n  ', '\n    ', '\r\n']);
}

/** YAML built to blow up: alias bombs, deep nesting, huge scalars. */
export function pathologicalYaml(): { name: string; text: string }[] {
  const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    laughs.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  return [
    { name: 'billion laughs', text: `descriptors: v\nclasses:\n  x: *j\n${laughs.map((l) => `# ${l}`).join('\n')}` },
    { name: 'billion laughs anchors', text: `descriptors: v\n${laughs.join('\n')}\nclasses: {x: *j}` },
    { name: 'deep flow nesting', text: `descriptors: v\nclasses: ${'['.repeat(5000)}${']'.repeat(5000)}` },
    {
      name: 'deep block nesting',
      text: `descriptors: v\nclasses:\n${Array.from({ length: 500 }, (_, i) => `${' '.repeat(i + 2)}k${i}:`).join('\n')}`,
    },
    { name: 'huge label', text: `descriptors: v\nclasses:\n  ${'a'.repeat(100_000)}: [x]` },
    {
      name: 'many keys',
      text: `descriptors: v\nclasses:\n${Array.from({ length: 20_000 }, (_, i) => `  c${i}: [d]`).join('\n')}`,
    },
  ];
}

export { mulberry32 };
