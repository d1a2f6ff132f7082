// Activation: wires the serializer, the controller and everything around it. Each piece lives
// in its own file; this one only connects them.
import * as vscode from 'vscode';
import { LensController } from './controller';
import { registerSerializer } from './serializer';
import { apiKeySecrets, registerApiKeyCommand } from './apiKey';
import { registerCommands } from './commands';
import { registerStarterCommands } from './starterCommands';
import { registerGenerateActions } from './generateActions';
import { insertExplainCell, insertSimilarSearch, registerFindSimilar } from './findSimilar';
import type { ExplainImageRequest, FindSimilarRequest } from '../protocol/messages';
import { createRendererMessaging, resolveLoadedImage } from './rendererMessaging';
import { registerExports } from './exports';
import { registerStaleCellMarks } from './staleCells';
import { registerModelStatus } from './statusBar';
import { registerCellLanguageFeatures } from './yamlLanguage';
import { registerCellFileFeatures } from './cellFileFeatures';
import { perImageWritesSettled } from '../scoring/perImageWriter';

const GENERATE_RENDERER = 'symptom-lens.generate';
const SCORE_RENDERER = 'symptom-lens.score';

/** What activate() returns: for the extension's own API tests. */
export interface SymptomLensApi {
  controller: LensController;
  /** The file a renderer's image request would read, or undefined when it is refused. */
  imageForRenderer(notebook: vscode.NotebookDocument, image: string): string | undefined;
  /** What the score renderer's "Find similar" does: insert and run a search cell; returns its index. */
  findSimilar(editor: vscode.NotebookEditor, request: FindSimilarRequest): Promise<number | undefined>;
  /** What "Explain this image" does: insert and run an explain cell; returns its index. */
  explainImage(editor: vscode.NotebookEditor, request: ExplainImageRequest): Promise<number | undefined>;
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
  const scoreChannel = messaging.channels.get(SCORE_RENDERER);
  if (scoreChannel) registerFindSimilar(context, scoreChannel);
  registerExports(context, messaging.channels, (notebook) => controller.cacheOf(notebook));
  registerApiKeyCommand(context);
  context.subscriptions.push(
    log,
    registerSerializer(),
    controller,
    messaging.disposable,
    registerStaleCellMarks(controller),
    registerModelStatus(controller),
    registerCellLanguageFeatures(),
    registerCellFileFeatures(),
    registerCommands(context, controller),
    registerStarterCommands(context),
  );
  return {
    controller,
    imageForRenderer: (notebook, image) => resolveLoadedImage(controller, notebook, image)?.path,
    findSimilar: insertSimilarSearch,
    explainImage: insertExplainCell,
  };
}

export function deactivate(): Promise<void> {
  // Everything else is disposed through context.subscriptions. A paged score's per-image file
  // still being written in the background is let finish, so a reopened notebook pages from it.
  return perImageWritesSettled();
}
