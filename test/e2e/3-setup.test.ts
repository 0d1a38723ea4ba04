import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openWorkbench, screenshot, type Session } from './helpers';

const MANAGER = '.claude/skills/track-manager/manager.mjs';
const RECOVERY = '.claude/tools/session-recovery.mjs';
const ORIGINAL = "// the original track-manager's manager.mjs\nconsole.log('original');\n";
const OFFER = 'original track-manager';

async function until(probe: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe(`Set up a workspace that holds the original track-manager (VS Code ${process.env.E2E_VSCODE})`, function () {
  let session: Session | undefined;
  let workspace: string;
  const file = (relative: string) => path.join(workspace, relative);
  before(() => {
    workspace = mkdtempSync(path.join(tmpdir(), 'track-e2e-original-'));
    for (const [relative, text] of [[MANAGER, ORIGINAL], [RECOVERY, '// the original session-recovery.mjs\n']]) {
      mkdirSync(path.dirname(file(relative)), { recursive: true });
      writeFileSync(file(relative), text);
    }
  });
  afterEach(async function () {
    const state = this.currentTest?.state === 'failed' ? 'FAILED-' : '';
    if (session) await screenshot(session.page, `${state}${this.currentTest?.title ?? 'test'}`).catch(() => undefined);
  });
  after(async () => {
    await session?.browser.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  it('offers set-up; clicking it previews the files and sets the workspace up, keeping the originals', async () => {
    session = await openWorkbench(workspace);
    const { page } = session;
    const toast = page.locator('.notifications-toasts', { hasText: OFFER });
    await toast.waitFor({ timeout: 60_000 });
    assert.match(await toast.innerText(), /manager\.mjs, session-recovery\.mjs/);
    await screenshot(page, 'setup offer');
    await toast.locator('a.monaco-button, .monaco-button', { hasText: 'Set Up Workspace' }).first().click();

    const picker = page.locator('.quick-input-widget', { hasText: 'Set Up Workspace for Agents' });
    await picker.waitFor();
    await screenshot(page, 'setup preview');
    // The list is virtualised: filter it to each file in turn to see its row.
    const filter = picker.locator('input').first();
    for (const name of ['manager.mjs', 'registry.mjs', 'session-recovery.mjs', 'snapshot-manager.mjs', 'run-manager.mjs', 'SKILL.md']) {
      await filter.fill(name);
      await picker.locator('.monaco-list-row', { hasText: '.claude/' }).filter({ hasText: name }).first().waitFor({ timeout: 10_000 });
    }
    await filter.fill('');
    await picker.locator('.monaco-list-row', { hasText: 'Set Up and Move Theirs Aside' }).first().click();

    await until(() => existsSync(file(`${MANAGER}.orig`)) && existsSync(file('.claude/skills/track-manager/SKILL.md')), 'the files to be written');
    assert.equal(readFileSync(file(`${MANAGER}.orig`), 'utf8'), ORIGINAL);
    assert.match(readFileSync(file(MANAGER), 'utf8'), /^\/\/ track-manager:generated version=/);
    await page.locator('.notifications-toasts', { hasText: 'Agents following the usage guide now run Track Manager' }).waitFor({ timeout: 30_000 });
  });

  it('does not offer again in that workspace, even when an original script comes back', async () => {
    writeFileSync(file(RECOVERY), '// the original session-recovery.mjs, restored by someone\n');
    // A reload keeps the workspace's state (in the browser, for code-server) and activates the extension anew.
    const { page } = session!;
    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // The store init created makes the Tracks view show its welcome once the extension has read it.
    const icon = page.locator('.activitybar [aria-label^="Tracks"]').first();
    await icon.waitFor({ timeout: 60_000 });
    await icon.click();
    await page.locator('.part.sidebar', { hasText: 'No tracks yet' }).waitFor({ timeout: 30_000 });
    // The offer check runs right after that first read; give it ample time to (wrongly) appear.
    await page.waitForTimeout(3_000);
    assert.equal(await page.locator('.notifications-toasts', { hasText: OFFER }).count(), 0);
  });
});
