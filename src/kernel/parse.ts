// YAML cell → ParsedCell, with every error located at a line and field of the cell.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type Scalar } from 'yaml';
import { schemaFor, allSchemas, type OptionSchema } from './schema';
import { CellError, type SourcePosition } from '../common/errors';
import { type ParsedCell, type StepKind } from './types';

export function parseCell(source: string): ParsedCell {
  const lineCounter = new LineCounter();
  // The yaml package's own unique-key check compares every key with every earlier one
  // (20,000 keys took 7 s); duplicateKey does it with a set.
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const at = (offset: number | undefined): SourcePosition | undefined => {
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new CellError(
      `This cell is not valid YAML: ${e.message.split('\n')[0]}`,
      at(e.pos[0]),
      undefined,
      'Each cell is one YAML mapping, e.g. "images: cxr" on the first line and options below it as "key: value".',
    );
  }
  const root = doc.contents;
  const duplicate = duplicateKey(root as YamlNode | null);
  if (duplicate) {
    throw new CellError(
      `This cell is not valid YAML: the key "${String(duplicate.value)}" appears twice in one mapping.`,
      at(duplicate.range?.[0]),
      undefined,
      'Keep one of them.',
    );
  }
  if (!root || !isMap(root) || root.items.length === 0) {
    throw new CellError(
      'This cell is empty or not a YAML mapping.',
      { line: 1, column: 1 },
      undefined,
      `Start the cell with a step and a name, e.g. "images: cxr". Steps: ${allSchemas()
        .map((s) => s.step)
        .join(', ')}.`,
    );
  }
  const positions: Record<string, SourcePosition> = {};
  const nestedPositions: Record<string, SourcePosition> = {};
  const first = root.items[0];
  const stepKey = isScalar(first.key) ? String(first.key.value) : '';
  const stepPos = at((first.key as YamlNode | null)?.range?.[0]) ?? { line: 1, column: 1 };
  const schema = schemaFor(stepKey);
  if (!schema) {
    throw new CellError(
      `Unknown step "${stepKey}".`,
      stepPos,
      stepKey,
      `The first key of a cell names the step: ${allSchemas()
        .map((s) => s.step)
        .join(', ')}.`,
    );
  }
  positions[stepKey] = stepPos;
  const nameNode = first.value;
  if (!isScalar(nameNode) || nameNode.value === null || String(nameNode.value).trim() === '') {
    throw new CellError(
      `"${stepKey}:" needs a value: ${schema.nameDescription}.`,
      stepPos,
      stepKey,
      `Write e.g. "${stepKey}: my-${stepKey}" on the first line.`,
    );
  }
  const name = String(nameNode.value).trim();

  const options: Record<string, unknown> = {};
  for (const item of root.items.slice(1)) {
    const key = isScalar(item.key) ? String(item.key.value) : '';
    const pos = at((item.key as YamlNode | null)?.range?.[0]) ?? stepPos;
    positions[key] = pos;
    const optionSchema = schema.options[key];
    if (!optionSchema) {
      const known = Object.keys(schema.options);
      const close = known.find((k) => editDistance(k, key) <= 2);
      throw new CellError(
        `"${key}" is not an option of the ${stepKey} step.`,
        pos,
        key,
        close ? `Did you mean "${close}"?` : `Options of ${stepKey}: ${known.join(', ')}.`,
      );
    }
    collectNested(item.value as YamlNode | null, key, nestedPositions, at);
    const value = item.value == null ? null : (item.value as YamlNode).toJSON();
    checkType(stepKey, key, optionSchema, value, at((item.value as YamlNode | null)?.range?.[0]) ?? pos);
    options[key] = value;
  }
  for (const [key, opt] of Object.entries(schema.options)) {
    if (opt.required && !(key in options)) {
      throw new CellError(
        `The ${stepKey} step needs "${key}": ${opt.description}.`,
        stepPos,
        key,
        `Add a line "${key}: …" to this cell.`,
      );
    }
  }
  return { step: stepKey as StepKind, name, options, positions, nestedPositions };
}

/** The first scalar key that repeats an earlier one in the same mapping, in linear time. */
function duplicateKey(root: YamlNode | null): Scalar | undefined {
  const pending: unknown[] = [root];
  for (let node = pending.pop(); pending.length > 0 || node !== undefined; node = pending.pop()) {
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const item of node.items) {
        if (isScalar(item.key)) {
          if (seen.has(item.key.value)) return item.key;
          seen.add(item.key.value);
        }
        pending.push(item.value);
      }
    } else if (isSeq(node)) pending.push(...node.items);
  }
  return undefined;
}

function collectNested(
  node: YamlNode | null,
  path: string,
  out: Record<string, SourcePosition>,
  at: (o: number | undefined) => SourcePosition | undefined,
): void {
  if (!node) return;
  const p = at(node.range?.[0]);
  if (p) out[path] = p;
  if (isMap(node)) {
    for (const item of node.items) {
      const k = isScalar(item.key) ? String(item.key.value) : '';
      const kp = at((item.key as YamlNode | null)?.range?.[0]);
      if (kp) out[`${path}.${k}`] = kp;
      if (item.value) collectNested(item.value as YamlNode, `${path}.${k}`, out, at);
      // Keep the key's position for the map entry itself (more useful than the value's).
      if (kp) out[`${path}.${k}`] = kp;
    }
  } else if (isSeq(node)) {
    node.items.forEach((child, i) => collectNested(child as YamlNode, `${path}.${i}`, out, at));
  }
}

function checkType(step: string, key: string, opt: OptionSchema, value: unknown, pos: SourcePosition): void {
  const fail = (expected: string) => {
    throw new CellError(
      `"${key}" must be ${expected}, got ${describe(value)}.`,
      pos,
      key,
      opt.description ? `${key}: ${opt.description}.` : undefined,
    );
  };
  if (value === null) {
    if (opt.required) fail(`set (${opt.type})`);
    return;
  }
  switch (opt.type) {
    case 'string':
      if (typeof value !== 'string' && typeof value !== 'number') fail('a text');
      break;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) fail('a whole number');
      break;
    case 'number':
      if (typeof value !== 'number') fail('a number');
      break;
    case 'boolean':
      if (typeof value !== 'boolean') fail('true or false');
      break;
    case 'string-list':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' && typeof v !== 'number'))
        fail('a list of texts, e.g. [a, b]');
      break;
    case 'string-or-list':
      if (typeof value !== 'string' && !(Array.isArray(value) && value.every((v) => typeof v === 'string')))
        fail('a text or a list of texts');
      break;
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) fail('a mapping of "key: value" lines');
      break;
    case 'any':
      break;
  }
  if (opt.enum && typeof value === 'string' && !opt.enum.includes(value)) {
    throw new CellError(`"${key}" must be one of ${opt.enum.join(', ')}; got "${value}".`, pos, key);
  }
  void step;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'nothing';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      dp[i][j] = Math.min(dp[i - 1][j] + 1, dp[i][j - 1] + 1, dp[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return dp[a.length][b.length];
}

/** "line 3, field `from`: message. hint" — the one format every front end shows. */
export function formatCellError(e: CellError): string {
  const where = [e.position ? `line ${e.position.line}` : '', e.field ? `field \`${e.field}\`` : '']
    .filter(Boolean)
    .join(', ');
  return `${where ? `${where}: ` : ''}${e.message}${e.hint ? ` ${e.hint}` : ''}`;
}
