// The LLM API key lives in VS Code's SecretStorage (the OS keychain), set by the command
// "Symptom Lens: Set API Key"; never in settings, notebooks or outputs.
import * as vscode from 'vscode';
import type { SecretProvider } from '../kernel/steps/step';

const SECRET_ID = 'symptomLens.llm.apiKey';
export const SET_API_KEY_COMMAND = 'symptomLens.setApiKey';

/** The key for generate/ask cells: SecretStorage first, then OPENAI_API_KEY as the CLI uses it. */
export function apiKeySecrets(secrets: vscode.SecretStorage): SecretProvider {
  return {
    getApiKey: async () => (await secrets.get(SECRET_ID)) || process.env.OPENAI_API_KEY || undefined,
  };
}

export function registerApiKeyCommand(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(SET_API_KEY_COMMAND, async () => {
      const stored = await context.secrets.get(SECRET_ID);
      const key = await vscode.window.showInputBox({
        title: 'Symptom Lens: API key for the LLM endpoint',
        prompt: stored
          ? 'A key is stored. Enter a new one to replace it, or leave the box empty to remove it.'
          : "Stored in VS Code's secret storage, never in a notebook. Local servers such as Ollama need none.",
        password: true,
        ignoreFocusOut: true,
        placeHolder: 'sk-…',
      });
      if (key === undefined) return;
      if (key.trim() === '') {
        await context.secrets.delete(SECRET_ID);
        void vscode.window.showInformationMessage('Symptom Lens: the API key was removed.');
        return;
      }
      await context.secrets.store(SECRET_ID, key.trim());
      void vscode.window.showInformationMessage("Symptom Lens: the API key is stored in VS Code's secret storage.");
    }),
  );
}
