// What a generate cell shows: the descriptors cell a user can insert, edit and score (YAML),
// and the markdown fallback of its output.
import { Document } from 'yaml';
import type { GenerateResult } from '../../protocol/results';
import { md } from './common';

/** The descriptors cell a user can insert, edit and score; its first line names its origin. */
export function descriptorsCellYaml(
  generateName: string,
  descriptorsName: string,
  origin: string,
  classes: Record<string, string[]>,
  template: string | undefined,
  templateClass: string | undefined,
): string {
  const doc = new Document({
    descriptors: descriptorsName,
    classes,
    ...(template !== undefined ? { template } : {}),
    ...(templateClass !== undefined ? { template_class: templateClass } : {}),
  });
  doc.commentBefore = ` from the cell "generate: ${oneLine(generateName)}" (${oneLine(origin)}); edit freely and score it`;
  return doc.toString({ lineWidth: 0 });
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ');
}

export function generateMarkdown(r: GenerateResult): string {
  const total = Object.values(r.classes).reduce((n, l) => n + l.length, 0);
  return [
    `**generate: ${md(r.name)}** — ${total} descriptors for ${Object.keys(r.classes).length} classes from ${md(r.model)} (prompt ${md(r.prompt)}, temperature ${r.parameters.temperature}, n ${r.parameters.n}); ` +
      `${r.requests.total} completions, ${r.requests.fromCache} from the cache`,
    '',
    ...Object.entries(r.classes).flatMap(([c, list]) => [`**${md(c)}**`, '', ...list.map((d) => `- ${md(d)}`), '']),
    'As a descriptors cell:',
    '',
    '```yaml',
    r.yaml.replace(/`{3,}/g, '` ` `').trimEnd(),
    '```',
  ].join('\n');
}
