// Evaluated before the elements are imported (see elements.ts): a second renderer bundle that
// finds the tags already defined reuses them, which is expected here, so vscode-elements need not
// warn about it in the webview console.
(window as unknown as Record<string, boolean>).__vscodeElements_disableRegistryWarning__ = true;
