import * as assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import { cli, openWorkbench, runCommand, screenshot, statusItem, treeRow, type Session } from './helpers';

/** The details page, the wizard's type step and the live filter, clicked through the real UI. */
describe(`details page, wizard and filter in the browser (VS Code ${process.env.E2E_VSCODE})`, function () {
  let session: Session;
  let id: string;
  before(async function () {
    this.timeout(180_000); // a workbench to load on a shared, busy machine
    id = cli('create', '--name', 'E2E Details Track', '--type', 'security', '--goal', 'Rotate the API keys', '--tag', 'ops').track_id;
    cli('context', 'add-decision', '--track-id', id, '--text', 'Keys live in the vault');
    cli('activate', '--track-id', id, '--force');
    const run = cli('run', 'start', '--track-id', id, '--workflow', 'key-rotation.yaml', '--total', '5');
    cli('run', 'step', '--run-id', run.run_id, '--step', '2');
    cli('pause', '--track-id', id, '--reason', 'Waiting for the vault admin');
    session = await openWorkbench();
    await session.page.locator('.activitybar [aria-label^="Tracks"]').first().click();
    await treeRow(session.page, 'E2E Details Track').waitFor({ timeout: 30_000 });
  });
  after(async () => {
    await session?.browser.close();
  });
  afterEach(async function () {
    const state = this.currentTest?.state === 'failed' ? 'FAILED-' : '';
    await screenshot(session.page, `${state}${this.currentTest?.title ?? 'test'}`).catch(() => undefined);
  });

  const quickInput = () => session.page.locator('.quick-input-widget input');
  /** The page inside the webview: an outer iframe of the workbench, an inner one with our HTML. */
  const details = (): FrameLocator => session.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');

  it("clicking a row's name opens its details page", async () => {
    const { page } = session;
    await page.waitForTimeout(800);
    await treeRow(page, 'E2E Details Track').locator('.label-name').click();
    await page.locator('.tab', { hasText: 'E2E Details Track' }).waitFor({ timeout: 15_000 });
    const paused = details().locator('section', { hasText: 'Paused because' });
    await paused.waitFor({ timeout: 15_000 });
    assert.match(await paused.innerText(), /Waiting for the vault admin/);
    for (const text of ['Keys live in the vault', 'key-rotation — In progress', 'step 2/5', 'Status history', 'ops']) {
      await details().getByText(text, { exact: false }).first().waitFor();
    }
    await screenshot(page, 'details-page');
  });

  it('its buttons run the lifecycle: Resume, then Pause asks why, and the page follows', async () => {
    const { page } = session;
    await details().locator('button', { hasText: 'Resume' }).click();
    await statusItem(page, 'E2E Details Track').waitFor({ timeout: 15_000 });
    await details().locator('button', { hasText: 'Pause' }).waitFor({ timeout: 15_000 });
    assert.equal(await details().locator('section', { hasText: 'Paused because' }).count(), 0);
    await details().locator('button', { hasText: 'Pause' }).click();
    await page.locator('.quick-input-widget', { hasText: 'Why is it paused' }).waitFor();
    await quickInput().fill('Back after the release');
    await page.keyboard.press('Enter');
    await details().locator('section.note', { hasText: 'Back after the release' }).waitFor({ timeout: 15_000 });
    await screenshot(page, 'details-page-after-pause');
    assert.equal(cli('show', '--track-id', id).status, 'paused');
  });

  it('the Create Track type step lists feature, bugfix, refactor first; Escape asks before discarding', async () => {
    const { page } = session;
    await runCommand(page, 'Track Manager: Create Track');
    await page.locator('.quick-input-widget', { hasText: 'Create Track: Track name' }).waitFor();
    await quickInput().fill('Wizard Escape Track');
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget', { hasText: 'Create Track: Track type' }).waitFor();
    const rows = page.locator('.quick-input-widget .monaco-list-row');
    await rows.first().waitFor();
    const firstThree = await Promise.all([0, 1, 2].map((i) => rows.nth(i).innerText()));
    assert.match(firstThree[0], /feature[\s\S]*New functionality/);
    assert.match(firstThree[1], /bugfix/);
    assert.match(firstThree[2], /refactor/);
    assert.equal(await rows.first().locator('.codicon-lightbulb').count(), 1, 'each type has its icon');
    await screenshot(page, 'wizard-type-step');
    await page.keyboard.press('Escape');
    const question = page.locator('.quick-input-widget', { hasText: 'Discard the new track "Wizard Escape Track"?' });
    await question.waitFor({ timeout: 10_000 });
    await screenshot(page, 'wizard-discard-question');
    await page.keyboard.press('Enter'); // the first choice: Keep Editing
    await page.locator('.quick-input-widget', { hasText: 'Create Track: Track type' }).waitFor();
    await page.keyboard.press('Escape');
    await question.waitFor({ timeout: 10_000 });
    await quickInput().fill('Discard');
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    assert.ok(!cli('list').some((t: { name: string }) => t.name === 'Wizard Escape Track'));
  });

  it('Filter: typing filters the rows as you type; Escape restores them', async () => {
    const { page } = session;
    await treeRow(page, 'Made In A Terminal').waitFor({ timeout: 15_000 }).catch(() => cli('create', '--name', 'Made In A Terminal', '--type', 'refactor', '--goal', 'g'));
    await treeRow(page, 'Made In A Terminal').waitFor({ timeout: 15_000 });
    await page.locator('.part.sidebar .action-label[aria-label^="Filter Tracks"]').first().click();
    await page.locator('.quick-input-widget', { hasText: 'Filter Tracks' }).waitFor();
    await quickInput().pressSequentially('E2E Det', { delay: 30 });
    await treeRow(page, 'Made In A Terminal').waitFor({ state: 'detached', timeout: 15_000 });
    await treeRow(page, 'E2E Details Track').waitFor();
    await page.locator('.part.sidebar', { hasText: /filter: "E2E Det" — \d+ of \d+/ }).first().waitFor({ timeout: 10_000 });
    await screenshot(page, 'filter-live-typing');
    await page.keyboard.press('Escape');
    await treeRow(page, 'Made In A Terminal').waitFor({ timeout: 15_000 });
  });
});
