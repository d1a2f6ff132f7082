// Helpers every step uses: located errors and look-ups of names other cells defined.
import type { LoadedModel, SessionKind } from '../session';
import { Session } from '../session';
import { CellError } from '../../common/errors';
import { type DescriptorSet, type ImageSet } from '../../protocol/dataset';
import type { AskThread } from '../../llm/ask';
import { type ExplainResult, type ScoreResult } from '../../protocol/results';
import type { StepContext } from './step';

/** A CellError placed at `field` (or a nested path such as `classes.normal`) of this cell. */
export function fieldError(ctx: StepContext<unknown>, field: string, message: string, hint?: string): CellError {
  const { cell } = ctx;
  const position = cell.nestedPositions[field] ?? cell.positions[field.split('.')[0]] ?? cell.positions[cell.step];
  return new CellError(message, position, field, hint);
}

interface KindMap {
  images: ImageSet;
  model: LoadedModel;
  descriptors: DescriptorSet;
  score: ScoreResult;
  explain: ExplainResult;
  ask: AskThread;
}

function mapOf<K extends SessionKind>(session: Session, kind: K): Map<string, KindMap[K]> {
  const maps = {
    images: session.imageSets,
    model: session.models,
    descriptors: session.descriptorSets,
    score: session.scores,
    explain: session.explanations,
    ask: session.conversations,
  };
  return maps[kind] as Map<string, KindMap[K]>;
}

/** Find what a `kind: name` cell defined; the error says which names exist. */
export function lookup<K extends SessionKind>(
  ctx: StepContext<unknown>,
  kind: K,
  name: string,
  field: string,
): KindMap[K] {
  const map = mapOf(ctx.session, kind);
  const found = map.get(name);
  if (found) return found;
  const known = [...map.keys()];
  throw fieldError(
    ctx,
    field,
    `No ${kind} named "${name}" has been defined.`,
    known.length
      ? `Defined so far: ${known.join(', ')}. Run the cell "${kind}: ${name}" first, or fix the name.`
      : `Run a cell that starts with "${kind}: ${name}" above this one first.`,
  );
}

export function sessionKey(kind: SessionKind, name: string): string {
  return Session.key(kind, name);
}

/** Escape text for the markdown fallback (file names and labels are untrusted). */
export function md(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

/** A markdown code span, where backslash escapes would show literally: fenced with more backticks than the text holds. */
export function mdCode(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

export function pct(x: number | null | undefined): string {
  return x === null || x === undefined || Number.isNaN(x) ? '–' : `${(x * 100).toFixed(1)} %`;
}

export function num(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits);
}

/**
 * A descriptor set's template option: it must contain each `{placeholder}` in `needs`, and no
 * placeholder other than `allowed` (a misspelt "{clas}" would reach the model as typed).
 */
export function checkTemplate(
  ctx: StepContext<unknown>,
  field: string,
  text: string | undefined,
  needs: string[],
  allowed: string[],
): string | undefined {
  if (text === undefined) return undefined;
  const example = `e.g. ${field}: "${needs.map((x) => `{${x}}`).join(' with ')}"`;
  for (const p of needs) {
    if (!text.includes(`{${p}}`)) throw fieldError(ctx, field, `"${field}" must contain {${p}}.`, example);
  }
  for (const [, p] of text.matchAll(/\{(\w+)\}/g)) {
    if (!allowed.includes(p)) {
      throw fieldError(
        ctx,
        field,
        `"${field}" has the placeholder {${p}}, which is not filled in.`,
        `Its placeholders are ${allowed.map((x) => `{${x}}`).join(' and ')}.`,
      );
    }
  }
  return text;
}

/** Every image-set class must have an entry; extra classes are flagged, not scored. */
export function checkClasses(ctx: StepContext, set: DescriptorSet, classes: string[], field: string): void {
  const missing = classes.filter((c) => !(c in set.classes));
  if (missing.length > 0) {
    throw fieldError(
      ctx,
      field,
      `Descriptor set "${set.name}" has no entry for class${missing.length > 1 ? 'es' : ''} ${missing.map((c) => `"${c}"`).join(', ')} of image set labels (${classes.join(', ')}).`,
      `Add "${missing[0]}: []" to its classes to score that class by its name alone.`,
    );
  }
}
