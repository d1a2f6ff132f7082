// Child of faults-blowup.test.ts: a descriptors cell with N descriptors (two classes).
import { Kernel } from '../../../src/kernel/kernel';
import { reportAndExit } from '../bounded';

async function main(): Promise<void> {
  const n = Number(process.argv[2]);
  const list = (cls: string) => Array.from({ length: n / 2 }, (_, i) => `    - ${cls} finding number ${i}`).join('\n');
  const source = `descriptors: many\nclasses:\n  normal:\n${list('normal')}\n  effusion:\n${list('effusion')}\n`;
  const kernel = new Kernel({ notebookPath: '/nonexistent/nb.lensnb' });
  const t0 = performance.now();
  const out = await kernel.runCell('d', source);
  const ms = performance.now() - t0;
  const classes = (out.result as { classes?: Record<string, string[]> } | undefined)?.classes ?? {};
  reportAndExit({ ok: out.ok, error: out.error, ms, descriptors: Object.values(classes).flat().length });
}
void main();
