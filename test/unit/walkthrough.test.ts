import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseNotebook } from '../../src/kernel/nbformat';
import { parseCell } from '../../src/kernel/parse';

const ROOT = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  contributes: {
    commands: { command: string; title: string }[];
    walkthroughs: { steps: { id: string; description: string; media: { markdown: string } }[] }[];
  };
};

test('every walkthrough step links contributed commands and shows a media file that exists', () => {
  const commands = new Map(pkg.contributes.commands.map((c) => [c.command, c.title]));
  for (const step of pkg.contributes.walkthroughs[0].steps) {
    assert.ok(existsSync(path.join(ROOT, step.media.markdown)), `${step.id}: ${step.media.markdown}`);
    const media = readFileSync(path.join(ROOT, step.media.markdown), 'utf8');
    for (const [, label, command] of step.description.matchAll(/\[([^\]]+)\]\(command:([\w.]+)\)/g)) {
      const title = commands.get(command);
      assert.ok(title, `${step.id} links ${command}, which is not contributed`);
      // The link, the command palette and the media text call the command the same thing.
      assert.equal(label, title, `${step.id}: the link says "${label}", the palette "${title}"`);
      assert.ok(media.includes(`Symptom Lens: ${title}`), `${step.media.markdown} does not name "${title}"`);
    }
  }
});

test("the tutorial step's YAML is what the tutorial notebook holds", () => {
  const media = readFileSync(path.join(ROOT, 'media', 'walkthrough', 'tutorial.md'), 'utf8');
  const tutorial = parseNotebook(readFileSync(path.join(ROOT, 'examples', 'tutorial.lensnb'), 'utf8'));
  const cells = tutorial.cells.filter((c) => c.kind === 'code').map((c) => parseCell(c.source));
  const blocks = [...media.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 4);
  for (const block of blocks) {
    // The media elides with "# …"; what it shows must parse and match the notebook's cell.
    const shown = parseCell(block.replace(/^\s*# ….*$/m, ''));
    const cell = cells.find((c) => c.step === shown.step && c.name === shown.name);
    assert.ok(cell, `${shown.step}: ${shown.name} is not in the tutorial`);
    const options: Record<string, unknown> = cell.options;
    for (const [key, value] of Object.entries(shown.options)) {
      if (key === 'path') continue; // the copy's path (models/demo) differs from the shipped one (../models/demo)
      if (key === 'classes') {
        for (const [cls, list] of Object.entries(value as Record<string, unknown>))
          assert.deepEqual((options.classes as Record<string, unknown>)[cls], list, `${shown.name}.${cls}`);
        continue;
      }
      assert.deepEqual(options[key], value, `${shown.step}: ${shown.name}, ${key}`);
    }
  }
});
