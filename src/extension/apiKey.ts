// Secrets live in VS Code's SecretStorage (the OS keychain), each set by its own command: the LLM
// API key ("Symptom Lens: Set API Key") and the Hugging Face token ("Symptom Lens: Set Hugging
// Face Token"); never in settings, notebooks or outputs. The environment is the fallback, as the
// command line uses it.
import * as vscode from 'vscode';
import type { SecretProvider } from '../kernel/steps/step';

interface SecretCommand {
  command: string;
  secretId: string;
  /** What the secret is, for the input box and the messages. */
  what: string;
  emptyPrompt: string;
  placeHolder: string;
}

const API_KEY: SecretCommand = {
  command: 'symptomLens.setApiKey',
  secretId: 'symptomLens.llm.apiKey',
  what: 'API key for the LLM endpoint',
  emptyPrompt: "Stored in VS Code's secret storage, never in a notebook. Local servers such as Ollama need none.",
  placeHolder: 'sk-…',
};

const HUB_TOKEN: SecretCommand = {
  command: 'symptomLens.setHubToken',
  secretId: 'symptomLens.hub.token',
  what: 'Hugging Face token',
  emptyPrompt:
    "A read token from huggingface.co/settings/tokens, for gated or private models. Stored in VS Code's secret storage and sent only to the hub endpoint.",
  placeHolder: 'hf_…',
};

export const SET_API_KEY_COMMAND = API_KEY.command;
export const SET_HUB_TOKEN_COMMAND = HUB_TOKEN.command;

/** SecretStorage first, then the environment variables the command line reads. */
export function apiKeySecrets(secrets: vscode.SecretStorage): SecretProvider {
  return {
    getApiKey: async () => (await secrets.get(API_KEY.secretId)) || process.env.OPENAI_API_KEY || undefined,
    getHubToken: async () => (await secrets.get(HUB_TOKEN.secretId)) || process.env.HF_TOKEN || undefined,
  };
}

function registerSecretCommand(context: vscode.ExtensionContext, s: SecretCommand): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(s.command, async () => {
      const stored = await context.secrets.get(s.secretId);
      const value = await vscode.window.showInputBox({
        title: `Symptom Lens: ${s.what}`,
        prompt: stored
          ? 'One is stored. Enter a new one to replace it, or leave the box empty to remove it.'
          : s.emptyPrompt,
        password: true,
        ignoreFocusOut: true,
        placeHolder: s.placeHolder,
      });
      if (value === undefined) return;
      if (value.trim() === '') {
        await context.secrets.delete(s.secretId);
        void vscode.window.showInformationMessage(`Symptom Lens: the ${s.what} was removed.`);
        return;
      }
      await context.secrets.store(s.secretId, value.trim());
      void vscode.window.showInformationMessage(`Symptom Lens: the ${s.what} is stored in VS Code's secret storage.`);
    }),
  );
}

export function registerApiKeyCommand(context: vscode.ExtensionContext): void {
  registerSecretCommand(context, API_KEY);
  registerSecretCommand(context, HUB_TOKEN);
}
