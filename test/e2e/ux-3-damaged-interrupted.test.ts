import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { cli, openWorkbench, screenshot, treeRow, type Session } from './helpers';

/** A damaged track.json and an agent killed mid-run, as a user sees them in the Tracks view. */
describe(`damaged and interrupted rows in the UI (VS Code ${process.env.E2E_VSCODE})`, function () {
  let session: Session;
  let agent: ChildProcess | undefined;
  before(async () => {
    session = await openWorkbench();
    await session.page.locator('.activitybar [aria-label^="Tracks"]').first().click();
    await treeRow(session.page, 'OAuth Authentication').waitFor({ timeout: 30_000 });
  });
  after(async () => {
    agent?.kill('SIGKILL');
    await session?.browser.close();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await screenshot(session.page, `FAILED-${this.currentTest.title}`).catch(() => undefined);
  });

  async function hoverActions(name: string): Promise<string[]> {
    await session.page.waitForTimeout(800);
    const row = treeRow(session.page, name);
    await row.hover();
    // The page function runs in the browser; this tsconfig has no DOM types, so the element is described here.
    return row.locator('.action-label').evaluateAll((nodes: Array<{ getAttribute(name: string): string | null }>) => nodes.map((n) => n.getAttribute('aria-label') ?? ''));
  }

  it('a truncated track.json: the row keeps its name with an error icon and only repair actions; Restore from Last Checkpoint heals it', async () => {
    const { page } = session;
    const created = cli('create', '--name', 'Damaged Demo Track', '--type', 'bugfix', '--goal', 'g', '--ready');
    cli('checkpoint', 'create', '--track-id', created.track_id, '--name', 'Known good');
    const file = path.join(process.env.E2E_WORKSPACE!, '.claude', 'conductor', 'tracks', created.track_id, 'track.json');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, text.indexOf('"context"') + 30));
    await page.locator('.monaco-list-row', { hasText: 'Damaged Demo Track' }).filter({ hasText: 'damaged' }).first().waitFor({ timeout: 20_000 });
    // The row re-renders as marks arrive: wait for the icon rather than sampling it once.
    await treeRow(page, 'Damaged Demo Track').locator('.codicon-error').first().waitFor({ timeout: 10_000 });
    const actions = await hoverActions('Damaged Demo Track');
    await screenshot(page, 'damaged-track-row');
    assert.ok(actions.includes('Restore from Last Checkpoint'), actions.join(', '));
    assert.ok(actions.includes('Open File at the Error'));
    assert.ok(!actions.includes('Activate'), 'no lifecycle action on a damaged track');
    await treeRow(page, 'Damaged Demo Track').locator('.action-label[aria-label="Restore from Last Checkpoint"]').click();
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'Restore the track file of "Damaged Demo Track"' });
    await dialog.waitFor({ timeout: 10_000 });
    await dialog.locator('.monaco-button', { hasText: 'Restore' }).first().click();
    for (let i = 0; /damaged/.test(await treeRow(page, 'Damaged Demo Track').innerText()); i += 1) {
      if (i > 80) assert.fail('the row stayed damaged');
      await page.waitForTimeout(250);
    }
  });

  it('an agent killed mid-run: a named notification, Show in Tree selects the interrupted run row', async () => {
    const { page } = session;
    const created = cli('create', '--name', 'Agent Demo Track', '--type', 'feature', '--goal', 'g', '--ready');
    cli('switch', '--to', created.track_id);
    const script = `
      const { spawnSync } = require('node:child_process');
      const env = { ...process.env, TRACK_MANAGER_ROOT: '', TRACK_OWNER_PID: String(process.pid) };
      const track = (...args) => JSON.parse(spawnSync(process.execPath, [process.env.TRACK_TEST_CLI, ...args], { cwd: process.env.E2E_WORKSPACE, env, encoding: 'utf8' }).stdout);
      const run = track('run', 'start', '--track-id', process.argv[1], '--workflow', 'release-train', '--total', '4');
      track('run', 'step', '--run-id', run.run_id, '--step', '1');
      process.stdout.write('ready\\n');
      setInterval(() => {}, 1000);`;
    agent = spawn(process.execPath, ['-e', script, created.track_id], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => agent!.stdout!.once('data', resolve));
    await page.waitForTimeout(3_000); // the editor reads the new run and starts watching its agent
    agent.kill('SIGKILL');
    const toast = page.locator('.notifications-toasts', { hasText: 'The release-train run of Agent Demo Track was interrupted' });
    await toast.waitFor({ timeout: 20_000 });
    await screenshot(page, 'interrupted-notification');
    await toast.locator('.monaco-button', { hasText: 'Show in Tree' }).first().click();
    const runRow = page.locator('.monaco-list-row.selected', { hasText: 'interrupted' });
    await runRow.waitFor({ timeout: 15_000 });
    await screenshot(page, 'interrupted-run-row');
    assert.match(await treeRow(page, 'Agent Demo Track').innerText(), /1 run interrupted/);
  });
});
