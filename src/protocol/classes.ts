// Reading a label or prediction (protocol/results.ts `Classes`): one class in a single-label
// set, a list of classes in a multi-label one. Every output reads them through these, so no
// caller parses a joined string back.
import type { Classes } from './results';

export type { Classes };

/** What a multi-label label or prediction shows when it lists no class. */
export const NO_CLASS = '(none)';

export function classList(value: Classes): string[] {
  return Array.isArray(value) ? value : [value];
}

/** Classes in one label or prediction but not in the other (0 when they agree). */
export function classDifference(a: Classes, b: Classes): number {
  const x = classList(a);
  const y = classList(b);
  return x.filter((c) => !y.includes(c)).length + y.filter((c) => !x.includes(c)).length;
}

export function sameClasses(a: Classes, b: Classes): boolean {
  return classDifference(a, b) === 0;
}

/** For text: the class, or the classes joined by ", ", or NO_CLASS for an empty list. */
export function classesText(value: Classes): string {
  return Array.isArray(value) ? value.join(', ') || NO_CLASS : value;
}

/** The class of a single-label label or prediction; a list here is a caller's mistake. */
export function singleClass(value: Classes): string {
  if (Array.isArray(value)) throw new Error(`Expected one class, got a list (${classesText(value)}).`);
  return value;
}
