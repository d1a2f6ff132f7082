// YAML cell → ParsedCell: checked against its step's schema, with the schema's defaults applied,
// and every error located at a line and field of the cell.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type Scalar } from 'yaml';
import { closest } from '../common/closest';
import { CellError, type SourcePosition } from '../common/errors';
import { headerOf } from './cellHeader';
import type { OptionSchema, OptionsOf } from './schema';
import { allSchemas, schemaFor, STEPS } from './steps';
import type { ParsedCell, StepKind } from './types';

/** A parsed cell of any step: `cell.step` tells which, and types `cell.options` accordingly. */
export type AnyParsedCell = {
  [K in StepKind]: ParsedCell<OptionsOf<(typeof STEPS)[K]['schema']>> & { step: K };
}[StepKind];

export function parseCell(source: string): AnyParsedCell {
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
  const duplicate = duplicateKey(doc.contents as YamlNode | null);
  if (duplicate) {
    throw new CellError(
      `This cell is not valid YAML: the key "${String(duplicate.value)}" appears twice in one mapping.`,
      at(duplicate.range?.[0]),
      undefined,
      'Keep one of them.',
    );
  }
  const header = headerOf(doc, lineCounter);
  const steps = allSchemas()
    .map((s) => s.step)
    .join(', ');
  if (!header) {
    throw new CellError(
      'This cell is empty or not a YAML mapping.',
      { line: 1, column: 1 },
      undefined,
      `Start the cell with a step and a name, e.g. "images: cxr". Steps: ${steps}.`,
    );
  }
  const { step, position: stepPos } = header;
  const schema = schemaFor(step);
  if (!schema) {
    const close = closest(
      step,
      allSchemas().map((s) => s.step),
    );
    throw new CellError(
      `Unknown step "${step}".`,
      stepPos,
      step,
      close ? `Did you mean "${close}"?` : `The first key of a cell names the step: ${steps}.`,
    );
  }
  if (header.name === undefined) {
    throw new CellError(
      `"${step}:" needs a value: ${schema.nameDescription}.`,
      stepPos,
      step,
      `Write e.g. "${step}: my-${step}" on the first line.`,
    );
  }
  const positions: Record<string, SourcePosition> = { [step]: stepPos };
  const nestedPositions: Record<string, SourcePosition> = {};
  const options: Record<string, unknown> = {};
  for (const item of (doc.contents as { items: { key: unknown; value: unknown }[] }).items.slice(1)) {
    const key = isScalar(item.key) ? String(item.key.value) : '';
    const pos = at((item.key as YamlNode | null)?.range?.[0]) ?? stepPos;
    positions[key] = pos;
    const optionSchema = schema.options[key];
    if (!optionSchema) {
      const known = Object.keys(schema.options);
      const close = closest(key, known);
      throw new CellError(
        `"${key}" is not an option of the ${step} step.`,
        pos,
        key,
        close ? `Did you mean "${close}"?` : `Options of ${step}: ${known.join(', ')}.`,
      );
    }
    collectNested(item.value as YamlNode | null, key, nestedPositions, at);
    const value = item.value == null ? null : (item.value as YamlNode).toJSON();
    const valuePos = at((item.value as YamlNode | null)?.range?.[0]) ?? pos;
    const checked = checkValue(key, optionSchema, value, valuePos, (i) => nestedPositions[`${key}.${i}`] ?? valuePos);
    // An option written with nothing after the colon counts as not set.
    if (checked !== null) options[key] = checked;
  }
  for (const [key, opt] of Object.entries(schema.options)) {
    if (key in options) continue;
    if (opt.required) {
      throw new CellError(
        `The ${step} step needs "${key}": ${opt.description}.`,
        stepPos,
        key,
        `Add a line "${key}: …" to this cell.`,
      );
    }
    if (opt.default !== undefined) options[key] = opt.default;
  }
  // Checked against the schema of `step` just above: the options are what OptionsOf describes.
  return { step: schema.step, name: header.name, options, positions, nestedPositions } as AnyParsedCell;
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

/**
 * The option's value as the step reads it (a number written where a text goes becomes that text),
 * or null when it is empty; throws, located, when it does not fit the schema.
 */
function checkValue(
  key: string,
  opt: OptionSchema,
  value: unknown,
  pos: SourcePosition,
  itemPos: (index: number) => SourcePosition,
): unknown {
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
    return null;
  }
  const isText = (v: unknown) => typeof v === 'string' || typeof v === 'number';
  let checked = value;
  switch (opt.type) {
    case 'string':
      if (!isText(value)) fail('a text');
      checked = String(value);
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
      if (!Array.isArray(value) || !value.every(isText)) fail('a list of texts, e.g. [a, b]');
      checked = (value as unknown[]).map(String);
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
  if (opt.enum) {
    const allowed = opt.enum;
    const items = Array.isArray(checked) ? checked : [checked];
    items.forEach((item, i) => {
      if (typeof item === 'string' && !allowed.includes(item)) {
        const listed = Array.isArray(checked);
        const close = closest(item, allowed);
        throw new CellError(
          `"${listed ? `${key}[${i + 1}]` : key}" must be one of ${allowed.join(', ')}; got "${item}".`,
          listed ? itemPos(i) : pos,
          listed ? `${key}.${i}` : key,
          close ? `Did you mean "${close}"?` : undefined,
        );
      }
    });
  }
  return checked;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'nothing';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** "line 3, field `from`: message. hint" — the one format every front end shows. */
export function formatCellError(e: CellError): string {
  const where = [e.position ? `line ${e.position.line}` : '', e.field ? `field \`${e.field}\`` : '']
    .filter(Boolean)
    .join(', ');
  return `${where ? `${where}: ` : ''}${e.message}${e.hint ? ` ${e.hint}` : ''}`;
}
