import * as assert from 'node:assert/strict';
import { cli, openWorkbench, runCommand, screenshot, statusItem, treeRow, type Session } from './helpers';

describe(`Track Manager in the browser (VS Code ${process.env.E2E_VSCODE})`, function () {
  let session: Session;
  before(async () => {
    session = await openWorkbench();
  });
  after(async () => {
    await session?.browser.close();
  });
  afterEach(async function () {
    const state = this.currentTest?.state === 'failed' ? 'FAILED-' : '';
    await screenshot(session.page, `${state}${this.currentTest?.title ?? 'test'}`).catch(() => undefined);
  });

  it('the activity-bar icon opens the Tracks view', async () => {
    const { page } = session;
    const icon = page.locator('.activitybar [aria-label^="Tracks"]').first();
    await icon.waitFor({ timeout: 30_000 });
    await icon.click();
    // A container with one view shows the view's title as the side bar's title.
    await page.locator('.part.sidebar .composite.title', { hasText: /tracks/i }).first().waitFor();
  });

  it('shows the rows of the tracks the CLI created', async () => {
    const { page } = session;
    await treeRow(page, 'OAuth Authentication').waitFor({ timeout: 30_000 });
    await treeRow(page, 'Login Timeout Fix').waitFor();
    assert.match(await treeRow(page, 'OAuth Authentication').innerText(), /P1 · 45%/);
  });

  it('shows the active track in the status bar', async () => {
    await statusItem(session.page, 'OAuth Authentication · P1 · 45%').waitFor({ timeout: 30_000 });
  });

  it('runs Track Manager: Refresh from the command palette', async () => {
    const { page } = session;
    cli('create', '--name', 'Palette Refresh Track', '--type', 'testing', '--goal', 'g');
    await runCommand(page, 'Track Manager: Refresh');
    await treeRow(page, 'Palette Refresh Track').waitFor({ timeout: 15_000 });
  });
});
