import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { openWorkbench, screenshot, statusItem, treeRow, type Session } from './helpers';
import type { CliOutput } from '../helpers/cli-output';

/** Runs the CLI on the store of exactly this folder (never one found in an ancestor of a temp folder). */
function cliIn<const A extends readonly string[]>(cwd: string, ...args: A): CliOutput<A> {
  const result = spawnSync(process.execPath, [process.env.TRACK_TEST_CLI!, ...args], { cwd, encoding: 'utf8', env: { ...process.env, TRACK_MANAGER_ROOT: cwd } });
  if (result.status !== 0) throw new Error(`track ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as CliOutput<A>;
}

/**
 * Waits for the Tracks view to list both folders. VS Code 1.100.3's web client now and then opens a
 * `?workspace=` URL without resolving its folders (seen twice in full E2E runs: the breadcrumbs show
 * the opened file outside any folder, the view finds no store, and nothing changes for minutes); a
 * reload resolves them. Not a behaviour of the extension under test, which shows what the workbench gives it.
 */
async function showsBothFolders(page: Page, names: string[]): Promise<void> {
  const rowsShown = () => Promise.all(names.map((name) => treeRow(page, name).waitFor({ timeout: 20_000 })));
  await page.locator('.activitybar [aria-label^="Tracks"]').first().click();
  try {
    await rowsShown();
  } catch {
    console.log(`      (the workbench did not resolve the workspace's folders within 20 s: reloading it)`);
    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.activitybar [aria-label^="Tracks"]').first().click();
    await rowsShown();
  }
}

/** The same server opens a two-folder workspace: the status bar follows the focused editor's folder. */
describe(`the multi-root status bar in the browser (VS Code ${process.env.E2E_VSCODE})`, function () {
  let session: Session;
  let second: string;
  let workspaceDir: string;
  before(async function () {
    this.timeout(180_000); // a workbench to load on a shared, busy machine
    second = mkdtempSync(path.join(tmpdir(), 'track-e2e-second-'));
    workspaceDir = mkdtempSync(path.join(tmpdir(), 'track-e2e-multi-'));
    const id = cliIn(second, 'create', '--name', 'Second Folder Work', '--type', 'bugfix', '--goal', 'g', '--priority', 'P1').track_id;
    cliIn(second, 'activate', '--track-id', id);
    writeFileSync(path.join(second, 'second-notes.txt'), 'second\n');
    writeFileSync(path.join(process.env.E2E_WORKSPACE!, 'first-notes.txt'), 'first\n');
    // The first folder gets an active track of its own (earlier files may have left none).
    const first = cliIn(process.env.E2E_WORKSPACE!, 'create', '--name', 'First Folder Work', '--type', 'feature', '--goal', 'g').track_id;
    cliIn(process.env.E2E_WORKSPACE!, 'activate', '--track-id', first, '--force');
    const file = path.join(workspaceDir, 'two-folders.code-workspace');
    writeFileSync(file, JSON.stringify({ folders: [{ path: process.env.E2E_WORKSPACE }, { path: second }] }));
    const url = new URL(process.env.E2E_URL!);
    url.search = `?workspace=${encodeURIComponent(file)}`;
    session = await openWorkbench(url.toString());
    await showsBothFolders(session.page, [path.basename(process.env.E2E_WORKSPACE!), path.basename(second)]);
  });
  after(async () => {
    await session?.browser.close();
    rmSync(second, { recursive: true, force: true });
    rmSync(workspaceDir, { recursive: true, force: true });
  });
  afterEach(async function () {
    const state = this.currentTest?.state === 'failed' ? 'FAILED-' : '';
    await screenshot(session.page, `${state}${this.currentTest?.title ?? 'test'}`).catch(() => undefined);
  });

  /** Quick Open with an absolute path: no wait for the file search to index a new folder. */
  async function openFile(file: string): Promise<void> {
    const { page } = session;
    const name = path.basename(file);
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } }).catch(() => undefined);
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(file);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    await page.locator('.tab', { hasText: name }).waitFor();
  }

  it("shows the focused editor's folder's active track; the tooltip lists both folders", async () => {
    const { page } = session;
    await page.locator('.activitybar [aria-label^="Tracks"]').first().click();
    await openFile(path.join(second, 'second-notes.txt'));
    const item = statusItem(page, 'Second Folder Work · P1 · 0%');
    await item.waitFor({ timeout: 30_000 });
    await openFile(path.join(process.env.E2E_WORKSPACE!, 'first-notes.txt'));
    await statusItem(page, 'First Folder Work').waitFor({ timeout: 15_000 });
    await page.locator('.tab', { hasText: 'second-notes.txt' }).click();
    await item.waitFor({ timeout: 15_000 });
    await item.hover();
    const tooltip = page.locator('.monaco-hover, .workbench-hover', { hasText: 'Active tracks' }).first();
    await tooltip.waitFor({ timeout: 10_000 });
    const text = await tooltip.innerText();
    assert.match(text, /First Folder Work/);
    assert.match(text, /Second Folder Work/);
    assert.ok(text.includes(path.basename(second)), text);
    await screenshot(page, 'multi-root-status-bar');
  });
});
