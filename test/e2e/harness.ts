// A real VS Code for tests: code-server (VS Code's workbench and a real Node extension host)
// started on loopback and driven by Debian's Chromium through playwright-core.
// scripts/install-test-host.sh installs both.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '..', '..');
export const VSCODE_TEST_DIR = process.env.VSCODE_TEST_DIR ?? path.join(ROOT, '.vscode-test');
export const RESULTS_DIR = path.join(ROOT, 'test-results');
const CODE_SERVER_ENTRY = path.join(
  VSCODE_TEST_DIR,
  'code-server',
  'node_modules',
  'code-server',
  'out',
  'node',
  'entry.js',
);
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** What is missing to run tests in code-server, as lines for the user. */
export function missingTestHost(): string[] {
  const missing: string[] = [];
  if (!fs.existsSync(CHROMIUM)) missing.push(`Chromium (${CHROMIUM})`);
  if (!fs.existsSync(CODE_SERVER_ENTRY)) missing.push(`code-server (${CODE_SERVER_ENTRY})`);
  return missing;
}

/** The Node code-server was installed with (its native modules are built for it). */
function nodeForCodeServer(): string {
  const recorded = path.join(VSCODE_TEST_DIR, 'node-dir');
  if (fs.existsSync(recorded)) {
    const bin = path.join(fs.readFileSync(recorded, 'utf8').trim(), 'bin', 'node');
    if (fs.existsSync(bin)) return bin;
  }
  return process.execPath;
}

export function lap(tag: string): (message: string) => void {
  const t0 = Date.now();
  return (message) => console.log(`[${tag} ${((Date.now() - t0) / 1000).toFixed(1)}s] ${message}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

export interface CodeServer {
  url: string;
  port: number;
  logFile: string;
  extensionsDir: string;
  /** The [error] lines of the extension host's log so far (activation failures land there). */
  extensionHostErrors(): string;
  /** Ends the server; its folder (settings, logs) is removed unless `keepLogs`. */
  stop(keepLogs?: boolean): Promise<void>;
}

export interface StartOptions {
  extensionsDir?: string;
  /** User settings on top of the quiet defaults below. */
  settings?: Record<string, unknown>;
  /** The server is killed after this many seconds even if this process dies. */
  maxSeconds?: number;
}

export async function startCodeServer(opts: StartOptions = {}): Promise<CodeServer> {
  const port = await freePort();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-code-server-'));
  const userDataDir = path.join(base, 'data');
  const extensionsDir = opts.extensionsDir ?? path.join(base, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'security.workspace.trust.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'workbench.enableExperiments': false,
        'git.enabled': false,
        'chat.disableAIFeatures': true,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'workbench.tips.enabled': false,
        'notebook.confirmDeleteRunningCell': false,
        ...opts.settings,
      },
      null,
      2,
    ),
  );
  const config = path.join(base, 'config.yaml');
  fs.writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const logFile = path.join(base, 'server.log');
  const log = fs.openSync(logFile, 'w');
  const node = nodeForCodeServer();
  // `timeout` bounds the server even if the test process dies; detached puts it in its own
  // process group so stop() ends the server and everything it started.
  const child: ChildProcess = spawn(
    'timeout',
    [
      String(opts.maxSeconds ?? 1800),
      node,
      CODE_SERVER_ENTRY,
      '--config',
      config,
      '--user-data-dir',
      userDataDir,
      '--extensions-dir',
      extensionsDir,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
    ],
    {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, PATH: `${path.dirname(node)}:${process.env.PATH}` },
    },
  );
  const started = Date.now();
  while (!(await healthy(port))) {
    if (child.exitCode !== null)
      throw new Error(`code-server exited (${child.exitCode}):\n${fs.readFileSync(logFile, 'utf8')}`);
    if (Date.now() - started > 60_000)
      throw new Error(`code-server did not answer on port ${port} within 60 s; log: ${logFile}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    logFile,
    extensionsDir,
    extensionHostErrors() {
      const logs = path.join(userDataDir, 'logs');
      const files = fs.existsSync(logs)
        ? fs
            .readdirSync(logs, { recursive: true, encoding: 'utf8' })
            .filter((f) => f.endsWith('remoteexthost.log'))
            .map((f) => path.join(logs, f))
        : [];
      // An [error] line is followed by its stack, up to the next timestamped line.
      return files
        .map((f) => fs.readFileSync(f, 'utf8'))
        .join('\n')
        .split(/\n(?=\d{4}-\d\d-\d\d )/)
        .filter((entry) => entry.includes('[error]'))
        .join('\n');
    },
    async stop(keepLogs = false) {
      const kill = (signal: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, signal);
        } catch {
          // already gone
        }
      };
      kill('SIGTERM');
      for (let i = 0; i < 50 && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
      kill('SIGKILL');
      if (keepLogs) console.log(`code-server logs kept in ${base}`);
      else fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

/** `code-server --install-extension`, as a user installs a VSIX. */
export async function installVsix(vsix: string, extensionsDir: string): Promise<void> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-code-server-cli-'));
  const node = nodeForCodeServer();
  await new Promise<void>((resolve, reject) => {
    const c = spawn(
      node,
      [
        CODE_SERVER_ENTRY,
        '--user-data-dir',
        userDataDir,
        '--extensions-dir',
        extensionsDir,
        '--install-extension',
        vsix,
        '--force',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    c.stdout!.on('data', (d) => (out += d));
    c.stderr!.on('data', (d) => (out += d));
    c.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`installing ${vsix} failed (exit ${code}):\n${out}`)),
    );
  }).finally(() => fs.rmSync(userDataDir, { recursive: true, force: true }));
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * VS Code honours the test `payload` URL parameter (extensionDevelopmentPath/TestsPath) only
 * with the smoke-test driver on. This page script switches it on in the workbench's config.
 * It is text, not a function: the TypeScript loader may wrap functions in helpers that do not
 * exist in the page.
 */
export const ENABLE_SMOKE_TEST_DRIVER = `(() => {
  const original = Element.prototype.getAttribute;
  Element.prototype.getAttribute = function (name) {
    const value = original.call(this, name);
    if (name === 'data-settings' && this.id === 'vscode-workbench-web-configuration' && value) {
      const config = JSON.parse(value);
      config.developmentOptions = Object.assign({}, config.developmentOptions, { enableSmokeTestDriver: true });
      return JSON.stringify(config);
    }
    return value;
  };
})();`;

/**
 * Open the quick input (the command center's box) and type into it. F1 first; when the keyboard
 * focus is inside a webview (an output, the markdown preview) the key may not reach the workbench,
 * so then click the command center in the title bar, as a user would. The box closes itself when
 * focus moves away, and a webview that finishes loading (a notebook tab just brought forward)
 * can take focus between the open and the typing: so check that the text is in a visible box,
 * and open it again when it is not.
 */
export async function openQuickInput(page: Page, text: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      if (!(await input.isVisible().catch(() => false))) {
        await page.waitForTimeout(300);
        if (!(await input.isVisible().catch(() => false))) await page.locator('.command-center').first().click();
      }
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(text, { timeout: 5_000 });
      if ((await input.inputValue()) === text && (await input.isVisible())) return;
    } catch (error) {
      if (attempt >= 4) throw error;
    }
    if (attempt >= 4) throw new Error(`the quick input did not keep the text ${JSON.stringify(text)}`);
    await page.waitForTimeout(500 * attempt);
  }
}

/** Run a command through the command palette, as a user does. */
export async function runCommand(page: Page, title: string): Promise<void> {
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title.split(': ').pop()! }).first();
  for (let attempt = 1; ; attempt++) {
    await openQuickInput(page, `>${title}`);
    try {
      await row.waitFor({ timeout: 10_000 });
      // The box may have closed (focus taken) after the row showed; Enter would then go elsewhere.
      if (await page.locator('.quick-input-widget input').isVisible()) {
        await page.keyboard.press('Enter');
        return;
      }
    } catch (error) {
      if (attempt >= 3) throw error;
    }
    if (attempt >= 3) throw new Error(`the command palette closed before "${title}" could run`);
  }
}

export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | false | null>,
  timeoutMs: number,
  stepMs = 250,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** The summary line every runner prints on its own, and which CI reads. */
export function summaryLine(passed: number, failed: number): string {
  return `${passed} passed, ${failed} failed`;
}
