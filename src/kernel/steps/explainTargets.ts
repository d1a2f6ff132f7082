// The targets an explain output maps: every class of the variant (the mean direction of its
// descriptors) and every descriptor alone, and the one the cell's `target:` names.
import type { planTexts } from '../../scoring/recipes';
import { fieldError } from './common';
import type { StepContext } from './step';

type PerClass = ReturnType<typeof planTexts>['perClass'];

export interface Target {
  kind: 'class' | 'descriptor';
  class: string;
  /** What the user named: the class or the raw descriptor. */
  text: string;
  /** The sentences the model embeds for it (a class: all its descriptors', averaged). */
  embedded: string[];
}

export function pickTarget(
  ctx: StepContext<unknown>,
  perClass: PerClass,
  topClass: string,
  written: string | undefined,
): Target {
  const wanted = written === undefined ? topClass : written.trim();
  const cls =
    perClass.find((c) => c.class === wanted) ?? perClass.find((c) => c.class.toLowerCase() === wanted.toLowerCase());
  if (cls) return { kind: 'class', class: cls.class, text: cls.class, embedded: cls.columns.map((col) => col.text) };
  for (const c of perClass) {
    const col = c.columns.find((d) => d.descriptor.trim() === wanted);
    if (col) return { kind: 'descriptor', class: c.class, text: col.descriptor, embedded: [col.text] };
  }
  const example = perClass
    .find((c) => c.columns.some((d) => d.descriptor !== c.class))
    ?.columns.find((d) => d.descriptor !== d.class);
  throw fieldError(
    ctx,
    'target',
    `"${wanted}" is neither a class (${perClass.map((c) => c.class).join(', ')}) nor a descriptor of this variant.`,
    `Use a class name${example ? `, or one descriptor exactly as written, e.g. "${example.descriptor}"` : ''}.`,
  );
}

/**
 * Each class, then each of its descriptors; a descriptor that is its class's only one would map
 * the same as the class, so it is left out.
 */
export function allTargets(perClass: PerClass): Target[] {
  return perClass.flatMap((c) => [
    { kind: 'class' as const, class: c.class, text: c.class, embedded: c.columns.map((col) => col.text) },
    ...(c.columns.length > 1
      ? c.columns.map((col) => ({
          kind: 'descriptor' as const,
          class: c.class,
          text: col.descriptor,
          embedded: [col.text],
        }))
      : []),
  ]);
}

export const sameTarget = (a: Target, b: Target) => a.kind === b.kind && a.class === b.class && a.text === b.text;
