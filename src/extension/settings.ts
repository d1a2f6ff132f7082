// The symptomLens.* settings, read into the kernel's KernelSettings shape.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { KernelSettings } from '../kernel/steps/step';
import { DEVICE_PREFERENCES, type DevicePreference } from '../clip/types';

export const SECTION = 'symptomLens';

/** Resolve a setting's path: `~` is the home folder, a relative path is taken from the workspace. */
function resolveSettingPath(value: string | undefined, scope?: vscode.Uri): string | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (v === '~' || v.startsWith('~/')) return path.join(process.env.HOME ?? '', v.slice(1));
  if (path.isAbsolute(v)) return v;
  const folder = (scope && vscode.workspace.getWorkspaceFolder(scope)) ?? vscode.workspace.workspaceFolders?.[0];
  return folder ? path.resolve(folder.uri.fsPath, v) : undefined;
}

export function readKernelSettings(scope?: vscode.Uri): Partial<KernelSettings> {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const device = c.get<string>('device', 'auto');
  // null (the default) leaves the batch size to the provider: 16 on CPU, 32 on a GPU.
  const batchSize = c.get<number | null>('batchSize', null);
  return {
    batchSize: typeof batchSize === 'number' ? Math.max(1, Math.floor(batchSize)) : undefined,
    device: (DEVICE_PREFERENCES as readonly string[]).includes(device) ? (device as DevicePreference) : 'auto',
    defaultModelPath: resolveSettingPath(c.get<string>('modelPath'), scope),
    llmBaseUrl: c.get<string>('llm.baseUrl') || undefined,
    llmModel: c.get<string>('llm.model') || undefined,
    llmTimeoutMs: Math.max(1, c.get<number>('llm.timeoutSeconds', 60)) * 1000,
    hubEndpoint: c.get<string>('hub.endpoint')?.trim() || undefined,
    hubOffline: c.get<boolean>('hub.offline', false),
  };
}

/** The symptomLens.cacheDir setting, or undefined for the default beside the notebook. */
export function readCacheDirSetting(scope?: vscode.Uri): string | undefined {
  return resolveSettingPath(vscode.workspace.getConfiguration(SECTION, scope).get<string>('cacheDir'), scope);
}

/** symptomLens.runUpstream: run the upstream cells a cell needs first (else the cell refuses). */
export function readRunUpstream(scope?: vscode.Uri): boolean {
  return vscode.workspace.getConfiguration(SECTION, scope).get<boolean>('runUpstream', true);
}
