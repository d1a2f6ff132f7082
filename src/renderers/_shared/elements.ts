// The controls (tabs, dropdowns, buttons) come from @vscode-elements/elements: the maintained
// successor of Microsoft's @vscode/webview-ui-toolkit, which was archived in January 2025. They
// draw themselves from the same --vscode-* variables as the editor, so they look native in every
// theme.
//
// Import them only through this module. Several renderer bundles share one webview and one
// custom-element registry: the first bundle to load defines the tags and the later ones reuse
// them. vscode-tabs recognises its headers with `instanceof`, so every bundle must define the same
// complete set, or a later bundle's tabs would meet another bundle's header class.
import './quiet-registry';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import { h } from './dom';

export interface Choice {
  value: string;
  label: string;
  description?: string;
}

/** A dropdown; `onChange` gets the chosen value. */
export function dropdown(
  choices: Choice[],
  selected: string,
  onChange: (value: string) => void,
  label: string,
): HTMLElement {
  const select = document.createElement('vscode-single-select');
  select.setAttribute('aria-label', label);
  for (const c of choices) {
    const option = document.createElement('vscode-option');
    option.value = c.value;
    option.textContent = c.label;
    if (c.description) option.description = c.description;
    if (c.value === selected) option.selected = true;
    select.appendChild(option);
  }
  select.addEventListener('change', () => onChange(select.value));
  return select;
}

/** A tab bar without panels: the caller redraws one content area on `onSelect`. */
export function tabBar(
  labels: string[],
  selected: number,
  onSelect: (index: number) => void,
  testid?: string,
): HTMLElementTagNameMap['vscode-tabs'] {
  const tabs = document.createElement('vscode-tabs');
  tabs.selectedIndex = selected;
  if (testid) tabs.dataset.testid = testid;
  for (const label of labels) {
    const header = document.createElement('vscode-tab-header');
    header.slot = 'header';
    header.textContent = label;
    tabs.appendChild(header);
  }
  tabs.addEventListener('vsc-tabs-select', (ev) => onSelect(ev.detail.selectedIndex));
  return tabs;
}

export function button(
  label: string,
  onClick: () => void,
  options: { secondary?: boolean; testid?: string; title?: string } = {},
): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  if (options.secondary) b.secondary = true;
  if (options.title) b.title = options.title;
  if (options.testid) b.dataset.testid = options.testid;
  b.addEventListener('click', onClick);
  return b;
}

/** A count shown as a small pill next to a heading. */
export function badge(text: string | number): HTMLElement {
  return h('vscode-badge', null, String(text));
}
