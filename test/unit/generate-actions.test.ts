// The extension's handler for "Insert as descriptors cell", against a stand-in for the `vscode`
// module (the real one exists only inside VS Code): which cell it inserts, where, and what it
// refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Module from 'node:module';
import { MIME } from '../../src/protocol/mime';

interface FakeCell {
  index: number;
  kind: number;
  document: { getText(): string };
  outputs: { items: { mime: string; data: Uint8Array }[] }[];
}

const applied: {
  uri: string;
  edits: { index: number; cells: { kind: number; value: string; languageId: string }[] }[];
}[] = [];
let listener: ((e: { editor: unknown; message: unknown }) => void) | undefined;

const fakeVscode = {
  NotebookCellKind: { Markup: 1, Code: 2 },
  NotebookEditorRevealType: { InCenterIfOutsideViewport: 2 },
  NotebookRange: class {
    constructor(
      readonly start: number,
      readonly end: number,
    ) {}
  },
  NotebookCellData: class {
    constructor(
      readonly kind: number,
      readonly value: string,
      readonly languageId: string,
    ) {}
  },
  NotebookEdit: { insertCells: (index: number, cells: unknown[]) => ({ index, cells }) },
  WorkspaceEdit: class {
    entries: { uri: string; edits: never[] }[] = [];
    set(uri: string, edits: never[]) {
      this.entries.push({ uri, edits });
    }
  },
  workspace: {
    applyEdit: async (edit: { entries: (typeof applied)[number][] }) => {
      applied.push(...edit.entries);
      return true;
    },
  },
  window: { showErrorMessage: async () => undefined },
};

// Resolve `import * as vscode from 'vscode'` to the stand-in.
const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
const originalLoad = loader._load;
loader._load = function (request, parent, isMain) {
  return request === 'vscode' ? fakeVscode : originalLoad.call(this, request, parent, isMain);
};

const { registerGenerateActions, insertDescriptorsCell } =
  require('../../src/extension/generateActions') as typeof import('../../src/extension/generateActions');

const YAML =
  '# from the cell "generate: llm" (m, prompt medical); edit freely and score it\ndescriptors: llm-edited\nclasses:\n  normal:\n    - clear lung fields\n';

function cell(index: number, text: string, generateYaml?: string): FakeCell {
  const outputs =
    generateYaml === undefined
      ? []
      : [
          {
            items: [
              {
                mime: MIME.generate,
                data: new TextEncoder().encode(JSON.stringify({ name: 'llm', yaml: generateYaml })),
              },
            ],
          },
        ];
  return { index, kind: 2, document: { getText: () => text }, outputs };
}

function editor(cells: FakeCell[]) {
  return {
    notebook: { uri: 'file:///nb.lensnb', cellCount: cells.length, getCells: () => cells },
    selection: undefined as unknown,
    revealed: undefined as unknown,
    revealRange(range: unknown) {
      this.revealed = range;
    },
  };
}

test('the message inserts a yaml code cell right below the generate cell whose output it came from', async () => {
  applied.length = 0;
  const subscriptions: { dispose(): void }[] = [];
  const messaging = { onDidReceiveMessage: (fn: typeof listener) => ((listener = fn), { dispose() {} }) };
  registerGenerateActions({ subscriptions } as never, messaging as never);
  assert.equal(subscriptions.length, 1, 'disposed with the extension');

  const ed = editor([
    cell(0, 'images: x\nfrom: a.csv'),
    cell(1, 'generate: llm\nclasses: [normal]', YAML),
    cell(2, 'score: s'),
  ]);
  listener!({ editor: ed, message: { type: 'insertDescriptorsCell', yaml: YAML, name: 'llm' } });
  await new Promise((r) => setImmediate(r));
  assert.equal(applied.length, 1);
  assert.equal(applied[0].uri, 'file:///nb.lensnb');
  const plain = (x: unknown) => JSON.parse(JSON.stringify(x));
  assert.deepEqual(plain(applied[0].edits), [{ index: 2, cells: [{ kind: 2, value: YAML, languageId: 'yaml' }] }]);
  assert.deepEqual(plain(ed.selection), { start: 2, end: 3 });

  // Other renderer messages are not ours.
  listener!({ editor: ed, message: { type: 'thumbnail', image: 'a.png' } });
  await new Promise((r) => setImmediate(r));
  assert.equal(applied.length, 1);
});

test('without a matching output it goes below "generate: NAME", else at the end', async () => {
  applied.length = 0;
  const cells = [cell(0, 'generate: other'), cell(1, '# note\ngenerate: llm\nclasses: [a]'), cell(2, 'score: s')];
  assert.equal(await insertDescriptorsCell(editor(cells) as never, YAML, 'llm'), 2);
  assert.equal(await insertDescriptorsCell(editor(cells) as never, YAML, 'gone'), 3);
});

test('what is not a descriptors cell is refused', async () => {
  applied.length = 0;
  const ed = editor([cell(0, 'generate: llm')]);
  assert.equal(await insertDescriptorsCell(ed as never, 'score: s\nimages: x\n', 'llm'), undefined);
  assert.equal(
    await insertDescriptorsCell(ed as never, `descriptors: x\nclasses: {a: ["${'x'.repeat(200_001)}"]}\n`, 'llm'),
    undefined,
  );
  assert.equal(applied.length, 0);
});
