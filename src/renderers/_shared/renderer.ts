// The plumbing every renderer shares: VS Code's notebook renderer API (activate → renderOutputItem /
// disposeOutputItem), one shadow root per output so our styles neither leak into the notebook nor
// pick up its CSS, per-output clean-up, and a readable message instead of a broken output when
// the data does not have the expected shape.
import type { ActivationFunction, RendererContext } from 'vscode-notebook-renderer';
import { clear, h, notice } from './dom';
import { BASE_CSS, adoptCss } from './theme';
import { OUTPUT_MARK_BANNER, outputMarkOf } from '../../protocol/outputMark';

export interface RenderView<T> {
  data: T;
  /** The top element inside the shadow root: append the output here. */
  container: HTMLElement;
  root: ShadowRoot;
  ctx: RendererContext<unknown>;
  /** Aborted when VS Code re-renders or drops the output before rendering finished. */
  signal: AbortSignal;
  /** Registers clean-up (plotly purge, observers) that runs in disposeOutputItem. */
  onDispose(fn: () => void): void;
}

export interface RendererSpec<T> {
  /** What the user calls this output, for messages: "score output". */
  kind: string;
  /** Styles of this renderer, added after the shared base. */
  css?: string;
  /** Checks the output's JSON; throws DataError naming the field that is wrong. */
  parse(json: unknown): T;
  render(view: RenderView<T>): void | Promise<void>;
}

/** Data that does not match the expected shape; the message names the field. */
export class DataError extends Error {}

export function createRenderer<T>(spec: RendererSpec<T>): ActivationFunction {
  return (ctx) => {
    const live = new Map<string, () => void>();
    const dispose = (id: string) => {
      live.get(id)?.();
      live.delete(id);
    };
    return {
      async renderOutputItem(item, element, signal) {
        dispose(item.id);
        clear(element);
        const host = h('div', { class: 'symptom-lens-output' });
        element.appendChild(host);
        const root = host.attachShadow({ mode: 'open' });
        adoptCss(root, BASE_CSS, spec.css ?? '');
        const container = h('div', { class: 'sl-root' });
        // A result that is not the current one (stale, re-running, from the previous run): a
        // banner inside the output, and the output dimmed under it.
        const mark = outputMarkOf(item.metadata);
        if (mark) {
          const banner = notice(OUTPUT_MARK_BANNER[mark], 'warning');
          banner.classList.add('sl-mark', `sl-mark-${mark}`);
          root.appendChild(banner);
          container.style.opacity = '0.55';
        }
        root.appendChild(container);
        const cleanups: (() => void)[] = [];
        live.set(item.id, () => {
          for (const fn of cleanups.splice(0).reverse()) {
            try {
              fn();
            } catch {
              // One failed clean-up must not keep the others from running.
            }
          }
          host.remove();
        });
        let data: T;
        try {
          data = spec.parse(item.json());
        } catch (err) {
          container.appendChild(notice(`This ${spec.kind} cannot be shown: ${errorText(err)}`, 'error'));
          return;
        }
        try {
          await spec.render({ data, container, root, ctx, signal, onDispose: (fn) => cleanups.push(fn) });
        } catch (err) {
          if (!signal.aborted)
            container.appendChild(notice(`Part of this ${spec.kind} could not be drawn: ${errorText(err)}`, 'error'));
        }
      },
      disposeOutputItem(id) {
        if (id === undefined) for (const key of [...live.keys()]) dispose(key);
        else dispose(id);
      },
    };
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// Small checks for parse(): each names the field so a malformed output says what is wrong.

export function expectObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new DataError(`\`${field}\` should be an object.`);
  return value as Record<string, unknown>;
}

export function expectArray(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new DataError(`\`${field}\` should be a list.`);
  return value;
}

export function expectString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new DataError(`\`${field}\` should be text.`);
  return value;
}

/** A label or prediction: one class (text), or in a multi-label result a list of classes. */
export function expectClasses(value: unknown, field: string, multiLabel: boolean): string | string[] {
  if (!multiLabel) return expectString(value, field);
  if (!Array.isArray(value) || value.some((c) => typeof c !== 'string'))
    throw new DataError(`\`${field}\` should be a list of classes (a multi-label result).`);
  return value as string[];
}
