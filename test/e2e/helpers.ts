import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import type { CliOutput } from '../helpers/cli-output';

const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

export interface Session {
  browser: Browser;
  page: Page;
}

/**
 * Opens the workbench of the running code-server in a fresh headless Chromium: at E2E_URL, on
 * another folder when given a path, or at a whole other URL (a .code-workspace) when given one.
 * HEADED=1 shows the window (a display is needed), SLOWMO=<ms> pauses between actions.
 */
export async function openWorkbench(target?: string): Promise<Session> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: process.env.HEADED !== '1', slowMo: Number(process.env.SLOWMO ?? 0), args: CHROMIUM_ARGS,
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const url = new URL(target && /^https?:/.test(target) ? target : process.env.E2E_URL!);
  if (target && !/^https?:/.test(target)) url.searchParams.set('folder', target);
  await page.goto(url.toString());
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  return { browser, page };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(process.env.E2E_SCREENSHOTS!, `${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
  await page.screenshot({ path: file });
  return file;
}

export function cli<const A extends readonly string[]>(...args: A): CliOutput<A> {
  const result = spawnSync(process.execPath, [process.env.TRACK_TEST_CLI!, ...args], {
    cwd: process.env.E2E_WORKSPACE, encoding: 'utf8', env: { ...process.env, TRACK_MANAGER_ROOT: '' },
  });
  if (result.status !== 0) throw new Error(`track ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as CliOutput<A>;
}

export function treeRow(page: Page, text: string): Locator {
  return page.locator('.monaco-list-row', { hasText: text }).first();
}

export function statusItem(page: Page, text: string): Locator {
  return page.locator('.statusbar-item', { hasText: text }).first();
}

export async function runCommand(page: Page, title: string): Promise<void> {
  await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } }).catch(() => undefined);
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}
