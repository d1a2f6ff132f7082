// The extension's side of renderer messaging: lazy thumbnails and "open image" for galleries,
// and pages of a paged score's per-image rows (scoring/perImageQuery.ts).
// A renderer is page code fed by notebook outputs, so its requests are untrusted input: only
// images of the kernel's loaded image sets are ever read, never an arbitrary path.
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LensController } from './controller';
import { entryThumbnail } from '../images/thumbnail';
import { pngRendering } from '../images/dicom/png';
import type { ImageEntry } from '../protocol/dataset';
import { answerScoreRows } from '../scoring/perImageQuery';
import type { OpenImageRequest, ThumbnailReply, ThumbnailRequest } from '../protocol/messages';

type ImageRequest = ThumbnailRequest | OpenImageRequest;

function isImageRequest(m: unknown): m is ImageRequest {
  const r = m as Partial<ImageRequest> | null;
  return !!r && (r.type === 'thumbnail' || r.type === 'openImage') && typeof r.image === 'string';
}

/**
 * The file behind `image` (an image id as outputs show it, or a path relative to the
 * notebook), if it belongs to an image set loaded in this notebook's kernel.
 */
export function resolveLoadedImage(
  controller: LensController,
  notebook: vscode.NotebookDocument,
  image: string,
): ImageEntry | undefined {
  const kernel = controller.kernelFor(notebook);
  if (!kernel) return undefined;
  const asPath = path.resolve(kernel.notebookDir, image);
  for (const set of kernel.session.imageSets.values()) {
    for (const entry of set.entries) {
      if (entry.id === image || entry.path === asPath) return entry;
    }
  }
  return undefined;
}

/** The file "open image" shows: the image itself, or for DICOM a PNG of its decoded pixels. */
async function viewableImage(entry: ImageEntry): Promise<string | undefined> {
  return (await pngRendering(entry.path, entry.decode, path.join(os.tmpdir(), 'symptom-lens-open'))) ?? entry.path;
}

/** One messaging channel per renderer the manifest contributes, keyed by renderer id. */
export function createRendererMessaging(
  controller: LensController,
  rendererIds: string[],
  log: vscode.LogOutputChannel,
): { channels: Map<string, vscode.NotebookRendererMessaging>; disposable: vscode.Disposable } {
  const channels = new Map<string, vscode.NotebookRendererMessaging>();
  const subscriptions: vscode.Disposable[] = [];
  for (const id of rendererIds) {
    const messaging = vscode.notebooks.createRendererMessaging(id);
    channels.set(id, messaging);
    subscriptions.push(
      messaging.onDidReceiveMessage(({ editor, message }) => {
        if ((message as { type?: unknown } | null)?.type === 'scoreRows') {
          const { cacheDir, notebookPath } = controller.cacheOf(editor.notebook);
          void answerScoreRows(cacheDir, notebookPath, message)
            .then((reply) => messaging.postMessage(reply, editor))
            .catch((e) => log.warn(`renderer ${id}: scoreRows: ${e instanceof Error ? e.message : String(e)}`));
          return;
        }
        if (!isImageRequest(message)) return;
        void handle(messaging, editor, message).catch((e) =>
          log.warn(`renderer ${id}: ${message.type} ${message.image}: ${e instanceof Error ? e.message : String(e)}`),
        );
      }),
    );
  }

  async function handle(
    messaging: vscode.NotebookRendererMessaging,
    editor: vscode.NotebookEditor,
    request: ImageRequest,
  ) {
    const entry = resolveLoadedImage(controller, editor.notebook, request.image);
    if (request.type === 'openImage') {
      // VS Code cannot show DICOM: open a PNG rendering of the decoded (windowed) image instead.
      const file = entry && (await viewableImage(entry));
      if (file)
        await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file), {
          viewColumn: vscode.ViewColumn.Beside,
          preview: true,
        });
      return;
    }
    if (!entry) {
      // Answer anyway so the renderer can stop waiting and show a placeholder.
      const refusal: ThumbnailReply = {
        type: 'thumbnail',
        image: request.image,
        error: 'not an image of a loaded image set; run the images cell',
      };
      await messaging.postMessage(refusal, editor);
      return;
    }
    const reply: ThumbnailReply = {
      type: 'thumbnail',
      image: request.image,
      dataUri: await entryThumbnail(entry),
    };
    await messaging.postMessage(reply, editor);
  }

  return { channels, disposable: vscode.Disposable.from(...subscriptions) };
}
