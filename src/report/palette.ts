// VS Code's theme variables for a page outside VS Code (the standalone report): the renderers and
// @vscode-elements draw only from --vscode-* variables, so defining them here makes the report look
// as the notebook does. Values are those of VS Code's "Light Modern" and "Dark Modern" themes.

const COMMON: Record<string, string> = {
  '--vscode-font-family':
    '-apple-system, BlinkMacSystemFont, "Segoe WPC", "Segoe UI", "Ubuntu", "Droid Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-font-weight': 'normal',
  '--vscode-editor-font-family': '"Droid Sans Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace',
};

export const LIGHT: Record<string, string> = {
  '--vscode-foreground': '#3b3b3b',
  '--vscode-descriptionForeground': '#717171',
  '--vscode-errorForeground': '#e51400',
  '--vscode-editor-background': '#ffffff',
  '--vscode-editorWidget-background': '#f8f8f8',
  '--vscode-panel-background': '#f8f8f8',
  '--vscode-panel-border': '#e5e5e5',
  '--vscode-widget-border': '#e5e5e5',
  '--vscode-widget-shadow': '#00000029',
  '--vscode-focusBorder': '#005fb8',
  '--vscode-contrastBorder': 'transparent',
  '--vscode-textLink-foreground': '#005fb8',
  '--vscode-list-hoverBackground': '#f2f2f2',
  '--vscode-list-hoverForeground': '#3b3b3b',
  '--vscode-list-activeSelectionBackground': '#e8e8e8',
  '--vscode-list-activeSelectionForeground': '#000000',
  '--vscode-list-focusOutline': '#005fb8',
  '--vscode-list-highlightForeground': '#0066bf',
  '--vscode-list-focusHighlightForeground': '#0066bf',
  '--vscode-charts-blue': '#1a85ff',
  '--vscode-charts-green': '#388a34',
  '--vscode-charts-red': '#e51400',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-yellow': '#bf8803',
  '--vscode-charts-purple': '#652d90',
  '--vscode-button-background': '#005fb8',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-hoverBackground': '#0258a8',
  '--vscode-button-border': '#0000001a',
  '--vscode-button-secondaryBackground': '#e5e5e5',
  '--vscode-button-secondaryForeground': '#3b3b3b',
  '--vscode-button-secondaryHoverBackground': '#cccccc',
  '--vscode-badge-background': '#cccccc',
  '--vscode-badge-foreground': '#3b3b3b',
  '--vscode-settings-headerBorder': '#e5e5e5',
  '--vscode-settings-dropdownBackground': '#ffffff',
  '--vscode-settings-dropdownForeground': '#3b3b3b',
  '--vscode-settings-dropdownBorder': '#cecece',
  '--vscode-settings-dropdownListBorder': '#c8c8c8',
  '--vscode-panelTitle-activeForeground': '#3b3b3b',
  '--vscode-panelTitle-inactiveForeground': '#3b3b3b99',
  '--vscode-panelTitle-activeBorder': '#005fb8',
  '--vscode-inputValidation-errorBackground': '#f2dede',
  '--vscode-inputValidation-errorBorder': '#be1100',
  ...COMMON,
};

export const DARK: Record<string, string> = {
  '--vscode-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-errorForeground': '#f85149',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-editorWidget-background': '#202020',
  '--vscode-panel-background': '#181818',
  '--vscode-panel-border': '#2b2b2b',
  '--vscode-widget-border': '#313131',
  '--vscode-widget-shadow': '#0000005c',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-contrastBorder': 'transparent',
  '--vscode-textLink-foreground': '#4daafc',
  '--vscode-list-hoverBackground': '#2a2d2e',
  '--vscode-list-hoverForeground': '#ffffff',
  '--vscode-list-activeSelectionBackground': '#04395e',
  '--vscode-list-activeSelectionForeground': '#ffffff',
  '--vscode-list-focusOutline': '#0078d4',
  '--vscode-list-highlightForeground': '#2aaaff',
  '--vscode-list-focusHighlightForeground': '#2aaaff',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-yellow': '#cca700',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-button-background': '#0078d4',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-hoverBackground': '#026ec1',
  '--vscode-button-border': '#ffffff12',
  '--vscode-button-secondaryBackground': '#313131',
  '--vscode-button-secondaryForeground': '#cccccc',
  '--vscode-button-secondaryHoverBackground': '#3c3c3c',
  '--vscode-badge-background': '#616161',
  '--vscode-badge-foreground': '#f8f8f8',
  '--vscode-settings-headerBorder': '#2b2b2b',
  '--vscode-settings-dropdownBackground': '#313131',
  '--vscode-settings-dropdownForeground': '#cccccc',
  '--vscode-settings-dropdownBorder': '#3c3c3c',
  '--vscode-settings-dropdownListBorder': '#454545',
  '--vscode-panelTitle-activeForeground': '#cccccc',
  '--vscode-panelTitle-inactiveForeground': '#9d9d9d',
  '--vscode-panelTitle-activeBorder': '#0078d4',
  '--vscode-inputValidation-errorBackground': '#5a1d1d',
  '--vscode-inputValidation-errorBorder': '#be1100',
  ...COMMON,
};

/**
 * CSS that sets the variables by a class on <body>, as VS Code's webviews do (`vscode-light` /
 * `vscode-dark`); the report uses classes of its own so that, shown inside VS Code, the editor's
 * real theme wins.
 */
export function paletteCss(light = 'body.vscode-light', dark = 'body.vscode-dark'): string {
  const block = (vars: Record<string, string>) =>
    Object.entries(vars)
      .map(([k, v]) => `  ${k}: ${v};`)
      .join('\n');
  return `${light} {\n${block(LIGHT)}\n}\n${dark} {\n${block(DARK)}\n}\n`;
}
