// Activation: wires the serializer, the controller and everything around it. Each piece lives
// in its own file; this one only connects them.
import * as vscode from 'vscode';
import { LensController } from './controller';
import { registerSerializer } from './serializer';
import { apiKeySecrets, registerApiKeyCommand } from './apiKey';
import { registerCommands } from './commands';
import { registerGenerateActions } from './generateActions';
import { createRendererMessaging, resolveLoadedImage } from './rendererMessaging';
import { registerStaleCellMarks } from './staleCells';
import { registerModelStatus } from './statusBar';
import { registerCellLanguageFeatures } from './yamlLanguage';

const GENERATE_RENDERER = 'symptom-lens.generate';

/** What activate() returns: for the extension's own API tests. */
export interface SymptomLensApi {
  controller: LensController;
  /** The file a renderer's image request would read, or undefined when it is refused. */
  imageForRenderer(notebook: vscode.NotebookDocument, image: string): string | undefined;
}

export function activate(context: vscode.ExtensionContext): SymptomLensApi {
  const log = vscode.window.createOutputChannel('Symptom Lens', { log: true });
  const controller = new LensController(apiKeySecrets(context.secrets), log, context.globalStorageUri);
  const rendererIds = ((context.extension.packageJSON.contributes?.notebookRenderer ?? []) as { id: string }[]).map(
    (r) => r.id,
  );
  const messaging = createRendererMessaging(controller, rendererIds, log);
  const generateChannel = messaging.channels.get(GENERATE_RENDERER);
  if (generateChannel) registerGenerateActions(context, generateChannel);
  registerApiKeyCommand(context);
  context.subscriptions.push(
    log,
    registerSerializer(),
    controller,
    messaging.disposable,
    registerStaleCellMarks(controller),
    registerModelStatus(controller),
    registerCellLanguageFeatures(),
    registerCommands(context, controller),
  );
  return { controller, imageForRenderer: (notebook, image) => resolveLoadedImage(controller, notebook, image)?.path };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
