// The cell vocabulary as data. The kernel validates cells against it, and the editor's YAML
// completions and diagnostics read the same object, so they can never disagree.
import type { StepKind } from './types';

export type OptionType = 'string' | 'integer' | 'number' | 'boolean' | 'string-list' | 'string-or-list' | 'map' | 'any';

export interface OptionSchema {
  type: OptionType;
  description: string;
  required?: boolean;
  enum?: readonly string[];
  default?: unknown;
  /** The option names an object defined by another cell of this kind. */
  refersTo?: 'images' | 'model' | 'descriptors' | 'score';
}

export interface StepSchema {
  step: StepKind;
  summary: string;
  /** What the value of the first key means (a name it defines, a query, a question). */
  nameDescription: string;
  options: Record<string, OptionSchema>;
}

const schemas = new Map<StepKind, StepSchema>();

export function registerSchema(schema: StepSchema): void {
  schemas.set(schema.step, schema);
}

export function schemaFor(step: string): StepSchema | undefined {
  return schemas.get(step as StepKind);
}

export function allSchemas(): StepSchema[] {
  return [...schemas.values()];
}
