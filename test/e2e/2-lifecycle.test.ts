import * as assert from 'node:assert/strict';
import { cli, openWorkbench, runCommand, screenshot, statusItem, treeRow, type Session } from './helpers';

/** A user's round trip through the real UI: create, activate, switch, pause, complete. */
describe(`a track's life through the UI (VS Code ${process.env.E2E_VSCODE})`, function () {
  let session: Session;
  before(async () => {
    session = await openWorkbench();
    await session.page.locator('.activitybar [aria-label^="Tracks"]').first().click();
    await treeRow(session.page, 'OAuth Authentication').waitFor({ timeout: 30_000 });
  });
  after(async () => {
    await session?.browser.close();
  });
  afterEach(async function () {
    const state = this.currentTest?.state === 'failed' ? 'FAILED-' : '';
    await screenshot(session.page, `${state}${this.currentTest?.title ?? 'test'}`).catch(() => undefined);
  });

  const quickInput = () => session.page.locator('.quick-input-widget input');

  async function answer(text: string): Promise<void> {
    await quickInput().waitFor();
    await quickInput().fill(text);
    await session.page.keyboard.press('Enter');
  }

  /** Inline actions show on hover; the row may be re-rendered by a refresh meanwhile, so retry. */
  async function rowAction(name: string, action: string): Promise<void> {
    // Let the refreshes that follow a write settle: a click during one reaches the command without its row.
    await session.page.waitForTimeout(800);
    for (let attempt = 1; ; attempt += 1) {
      const row = treeRow(session.page, name);
      try {
        await row.hover({ timeout: 5_000 });
        await row.locator(`.action-label[aria-label="${action}"]`).click({ timeout: 3_000 });
        return;
      } catch (error) {
        if (attempt === 5) throw error;
      }
    }
  }

  it('creates a track through the multi-step input', async () => {
    const { page } = session;
    await runCommand(page, 'Track Manager: Create Track');
    await page.locator('.quick-input-widget', { hasText: 'Create Track: Track name' }).waitFor();
    await quickInput().fill('ab');
    await page.locator('.quick-input-widget', { hasText: 'At least 3 characters' }).waitFor();
    await screenshot(page, 'create-validation-as-you-type');
    await answer('Checkout Flow');
    await page.locator('.quick-input-widget', { hasText: 'Create Track: Track type' }).waitFor();
    await answer('feature');
    await page.locator('.quick-input-widget', { hasText: 'Create Track: Goal' }).waitFor();
    await answer('One-page checkout with saved cards');
    await page.locator('.quick-input-widget', { hasText: 'Create Track: Priority' }).waitFor();
    await answer('P1');
    await page.locator('.quick-input-widget', { hasText: 'Create Track: Success criteria' }).waitFor();
    await answer('Pays in two clicks; Works on mobile');
    await treeRow(page, 'Checkout Flow').waitFor({ timeout: 15_000 });
    assert.match(await treeRow(page, 'Checkout Flow').innerText(), /P1 · 0%/);
  });

  it("activates it from the row's inline action, while another is active: a question, Switch", async () => {
    const { page } = session;
    await rowAction('Checkout Flow', 'Activate');
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'is active. Pause it and switch to Checkout Flow?' });
    await dialog.waitFor({ timeout: 15_000 });
    await screenshot(page, 'another-track-is-active');
    await dialog.locator('.monaco-button', { hasText: 'Switch' }).first().click();
    await statusItem(page, 'Checkout Flow · P1 · 0%').waitFor({ timeout: 15_000 });
  });

  it('clicking the status bar opens Switch Track; choosing a track switches to it', async () => {
    const { page } = session;
    await statusItem(page, 'Checkout Flow').click();
    await page.locator('.quick-input-widget input[placeholder^="Switch to which track"]').waitFor();
    await screenshot(page, 'switch-quick-pick');
    await answer('Login Timeout Fix');
    await statusItem(page, 'Login Timeout Fix · P0 · 0%').waitFor({ timeout: 15_000 });
  });

  it('pauses the active track with a reason', async () => {
    const { page } = session;
    await rowAction('Login Timeout Fix', 'Pause');
    await page.locator('.quick-input-widget', { hasText: 'Why is it paused' }).waitFor();
    await answer('Waiting for the security review');
    await statusItem(page, 'No active track').waitFor({ timeout: 15_000 });
    const record = cli('list', '--status', 'paused').find((t: { name: string }) => t.name === 'Login Timeout Fix');
    assert.ok(record, 'paused in the store');
  });

  it('resumes and completes it', async () => {
    const { page } = session;
    await rowAction('Login Timeout Fix', 'Resume');
    await statusItem(page, 'Login Timeout Fix').waitFor({ timeout: 15_000 });
    await rowAction('Login Timeout Fix', 'Complete');
    await page.locator('.quick-input-widget', { hasText: 'Summary of what was accomplished' }).waitFor();
    await answer('Timeout raised, refresh on activity');
    await page.locator('.monaco-list-row', { hasText: /Completed \(\d+\)/ }).first().waitFor({ timeout: 15_000 });
    const done = cli('list', '--status', 'completed').map((t: { name: string }) => t.name);
    assert.ok(done.includes('Login Timeout Fix'));
  });

  it('a track created by the CLI in a terminal appears without a manual refresh', async () => {
    const { page } = session;
    cli('create', '--name', 'Made In A Terminal', '--type', 'refactor', '--goal', 'Agents use the CLI');
    await treeRow(page, 'Made In A Terminal').waitFor({ timeout: 10_000 });
  });
});
