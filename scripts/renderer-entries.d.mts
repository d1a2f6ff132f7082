/** Renderer bundle name → its entry file (src/renderers/NAME.ts or src/renderers/NAME/index.ts). */
export function rendererEntries(root: string): Record<string, string>;
