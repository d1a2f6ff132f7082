// The cell vocabulary as data: each step file declares its options here, parseCell validates a
// cell against them and applies their defaults, the step reads the typed result, and the
// editor's completions, hovers and diagnostics read the same objects, so none can disagree.
import type { StepKind } from './types';

export type OptionType = 'string' | 'integer' | 'number' | 'boolean' | 'string-list' | 'string-or-list' | 'map' | 'any';

export interface OptionSchema {
  type: OptionType;
  description: string;
  required?: boolean;
  enum?: readonly string[];
  /** What parseCell fills in when the cell does not set the option. */
  default?: unknown;
  /** The option names an object defined by another cell of this kind. */
  refersTo?: 'images' | 'model' | 'descriptors' | 'score' | 'ask';
}

export interface StepSchema {
  step: StepKind;
  summary: string;
  /** What the value of the first key means (a name it defines, a query, a question). */
  nameDescription: string;
  options: Record<string, OptionSchema>;
}

/** The value parseCell hands over for an option: texts as strings, enums as their literals. */
type ValueOf<O extends OptionSchema> = O['type'] extends 'string'
  ? O extends { enum: readonly (infer E)[] }
    ? E
    : string
  : O['type'] extends 'integer' | 'number'
    ? number
    : O['type'] extends 'boolean'
      ? boolean
      : O['type'] extends 'string-list'
        ? string[]
        : O['type'] extends 'string-or-list'
          ? O extends { enum: readonly (infer E)[] }
            ? E | E[]
            : string | string[]
          : O['type'] extends 'map'
            ? Record<string, unknown>
            : unknown;

/** A step's options after parseCell: present when required or defaulted, else maybe undefined. */
export type OptionsOf<S extends StepSchema> = {
  -readonly [K in keyof S['options']]: S['options'][K] extends { required: true } | { default: NonNullable<unknown> }
    ? ValueOf<S['options'][K]>
    : ValueOf<S['options'][K]> | undefined;
};
