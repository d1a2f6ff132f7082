// Debian's Chromium driven by playwright-core, for tests that need a real browser (renderers, the
// report, code-server). playwright-core downloads no browser: it drives /usr/bin/chromium.
import { existsSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags for this machine's closed network: without the background-networking ones Chromium
 * keeps trying Google's hosts and the sandbox cannot run as root.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Why browser tests cannot run here, or undefined when they can. In CI (CI set) a missing
 * Chromium is not a reason to skip: the launch then fails loudly.
 */
export function chromiumSkipReason(): string | undefined {
  if (existsSync(CHROMIUM_PATH) || process.env.CI) return undefined;
  return `Chromium not found at ${CHROMIUM_PATH} (install it with: apt-get install chromium, or set CHROMIUM_PATH); browser tests skipped`;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install chromium) or set CHROMIUM_PATH.`,
    );
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export interface PageProblems {
  /** Uncaught exceptions and console.error lines. */
  errors: string[];
  /** Every alert/confirm/prompt the page opened (an XSS probe must leave this empty). */
  dialogs: string[];
  /** Requests to anything but the allowed origins. */
  requests: string[];
}

/**
 * Records what a test must see none of. `allowed` are URL prefixes the page may load (its own
 * server, file:, data:, blob:).
 */
export function watchPage(page: Page, allowed: string[] = []): PageProblems {
  const problems: PageProblems = { errors: [], dialogs: [], requests: [] };
  page.on('pageerror', (e) => problems.errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.errors.push(m.text());
  });
  page.on('dialog', (d) => {
    problems.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  const ok = ['data:', 'blob:', 'about:', ...allowed];
  page.on('request', (r) => {
    if (!ok.some((prefix) => r.url().startsWith(prefix))) problems.requests.push(r.url());
  });
  return problems;
}

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** Serves fixed contents on 127.0.0.1 (a page loads ES modules only over http, not from setContent). */
export async function serveFiles(
  files: Record<string, { body: string | Buffer; type: string }>,
): Promise<StaticServer> {
  const server = http.createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://localhost').pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
