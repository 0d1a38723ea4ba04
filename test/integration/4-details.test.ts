import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TrackManagerApi } from '../../src/extension/extension';
import { activateExtension, allNodes, cli, folders, ScriptedPrompter, itemText, trackNode, waitFor } from './helpers';

describe(`the track details page in VS Code ${vscode.version}`, () => {
  let api: TrackManagerApi;
  let id: string;
  let runId: string;
  let prompter: ScriptedPrompter;
  const folder = () => folders()[0];
  const body = () => api.details.bodyOf(folder(), id) ?? '';

  before(async () => {
    api = await activateExtension();
    prompter = new ScriptedPrompter();
    api.setPrompter(prompter);
    id = (await cli(['create', '--name', 'Details Page Track', '--type', 'security', '--goal', 'Harden the <login> form', '--priority', 'P1',
      '--criteria', 'No plain-text secrets', '--tag', 'backend', '--tag', 'auth'])).track_id;
    await cli(['context', 'add-decision', '--track-id', id, '--text', 'Use argon2id', '--rationale', 'Memory-hard']);
    await cli(['context', 'add-assumption', '--track-id', id, '--text', 'Users accept a re-login']);
    await cli(['activate', '--track-id', id, '--force']);
    await cli(['checkpoint', 'create', '--track-id', id, '--name', 'Before the rewrite']);
    runId = (await cli(['run', 'start', '--track-id', id, '--workflow', 'greenfield-fullstack.yaml', '--total', '10'])).run_id;
    await cli(['run', 'step', '--run-id', runId, '--step', '3']);
    await cli(['run', 'step', '--run-id', runId, '--step', '4']);
    await cli(['pause', '--track-id', id, '--reason', 'Waiting for security review']);
    await api.refresh();
  });
  after(() => {
    api.setPrompter(new ScriptedPrompter());
    api.details.panelOf(folder(), id)?.dispose();
  });

  it("opens from the row's name: every record in words (no raw ids), buttons for the steps a paused track allows", async () => {
    const row = api.tree.getTreeItem(await trackNode(api, 'Details Page Track'));
    assert.equal(row.command?.command, 'trackManager.showTrackDetails');
    const panel = await vscode.commands.executeCommand<vscode.WebviewPanel>(row.command.command, ...(row.command.arguments as unknown[]));
    assert.equal(panel.title, 'Details Page Track');
    const text = body();
    for (const expected of [
      'Paused because', 'Waiting for security review', 'Harden the &lt;login&gt; form', 'No plain-text secrets',
      'Use argon2id', 'Memory-hard', 'Users accept a re-login', '>backend<', '>auth<', 'Before the rewrite',
      `id="run-${runId}"`, 'greenfield-fullstack — In progress', 'step 4/10', 'Step 3', 'Step 4', 'Active → Paused', 'Status history',
    ]) assert.ok(text.includes(expected), `"${expected}" on the page`);
    assert.doesNotMatch(text, /snap-[a-z0-9-]+/, 'no raw checkpoint id');
    assert.doesNotMatch(text, /<script|onclick=|https?:/i, 'the body is inert');
    const commands = [...text.matchAll(/data-command="(\w+)"/g)].map((m) => m[1]);
    assert.deepEqual(commands, ['switchTrack', 'resume', 'complete', 'fail', 'cancel', 'createCheckpoint', 'restoreCheckpoint']);
  });

  it('is a themed page with a strict Content-Security-Policy and no remote content', () => {
    const { html } = api.details.panelOf(folder(), id)!.webview;
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.match(csp, /default-src 'none'/);
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce && nonce.length >= 16, csp);
    assert.ok(html.includes(`<script nonce="${nonce}">`));
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.doesNotMatch(html, /(src|href)="https?:/);
    assert.match(html, /var\(--vscode-foreground\)/);
  });

  it('keeps one panel per track: showing it again reveals the same panel', async () => {
    const first = api.details.panelOf(folder(), id);
    const again = await vscode.commands.executeCommand<vscode.WebviewPanel>('trackManager.showTrackDetails', id);
    assert.equal(again, first);
  });

  it('runs a lifecycle step from its buttons, only one the status allows, and updates live', async () => {
    await api.details.receiveFor(folder(), id, { type: 'run', command: 'runDoctor' });
    await api.details.receiveFor(folder(), id, { type: 'run', command: 'pause' });
    assert.equal(prompter.inputs.length, 0, 'a step the status does not allow asks nothing');
    await api.details.receiveFor(folder(), id, { type: 'run', command: 'resume' });
    assert.equal((await cli(['show', '--track-id', id])).status, 'active');
    await waitFor(() => body().includes('data-command="pause"'), 'the page to show the active track');
    assert.ok(!body().includes('Paused because'));
    // A change made in a terminal shows up on the open page.
    await cli(['complete', '--track-id', id, '--summary', 'Hardened and shipped', '--lesson', 'Start with the threat model', '--runs', 'complete']);
    await waitFor(() => body().includes('Hardened and shipped'), 'the completion summary on the page');
    assert.ok(body().includes('Start with the threat model'));
    assert.deepEqual([...body().matchAll(/data-command="(\w+)"/g)].map((m) => m[1]), ['createCheckpoint', 'archive', 'reopen']);
  });

  it('shows a failed track\'s reason', async () => {
    const failed = (await cli(['create', '--name', 'Failing Details Track', '--type', 'bugfix', '--goal', 'g'])).track_id;
    await cli(['activate', '--track-id', failed, '--force']);
    await cli(['fail', '--track-id', failed, '--reason', 'The vendor API was retired']);
    await vscode.commands.executeCommand('trackManager.showTrackDetails', failed);
    const text = api.details.bodyOf(folder(), failed)!;
    assert.ok(text.includes('Failed because') && text.includes('The vendor API was retired'));
    api.details.panelOf(folder(), failed)!.dispose();
  });

  it('run rows: workflow name, status in words, step in the tooltip; a click opens the run section', async () => {
    // A run still going needs a track still open (finishing a track finishes its runs).
    const track = (await cli(['create', '--name', 'Run Rows Track', '--type', 'feature', '--goal', 'g'])).track_id;
    await cli(['activate', '--track-id', track, '--force']);
    const run = (await cli(['run', 'start', '--track-id', track, '--workflow', 'greenfield-fullstack.yaml', '--total', '10'])).run_id;
    await cli(['run', 'step', '--run-id', run, '--step', '4']);
    await api.refresh();
    const runNode = (await allNodes(api)).find((n) => n.kind === 'run' && n.run.run_id === run)!;
    const item = api.tree.getTreeItem(runNode);
    assert.equal(item.label, 'greenfield-fullstack');
    assert.equal(item.description, 'In progress');
    assert.match(itemText(item.tooltip), /In progress · step 4\/10/);
    api.details.panelOf(folder(), track)?.dispose();
    const panel = await vscode.commands.executeCommand<vscode.WebviewPanel>(item.command!.command, ...(item.command!.arguments as unknown[]));
    assert.match(panel.webview.html, new RegExp(`data-focus="run-${run}"`));
    assert.ok((api.details.bodyOf(folder(), track) ?? '').includes(`id="run-${run}"`));
    panel.dispose();
  });

  it('track tooltips show the pause reason and the last checkpoint by name and age, not its id', async () => {
    const paused = (await cli(['create', '--name', 'Tooltip Paused Track', '--type', 'feature', '--goal', 'g'])).track_id;
    await cli(['activate', '--track-id', paused, '--force']);
    await cli(['pause', '--track-id', paused, '--reason', 'Blocked on design']);
    await api.refresh();
    const node = await trackNode(api, 'Tooltip Paused Track');
    const tooltip = ((await api.tree.resolveTreeItem(api.tree.getTreeItem(node), node)).tooltip as vscode.MarkdownString).value;
    assert.match(tooltip, /Paused because:\* Blocked on design/);
    assert.match(tooltip, /Last checkpoint \| Blocked on design · (under a minute|\d+ min) ago/);
    assert.doesNotMatch(tooltip, /Last checkpoint \| snap-/);
  });

  it('a page in a background tab is brought up to date for when it is shown again', async () => {
    const panel = api.details.panelOf(folder(), id) ?? (await vscode.commands.executeCommand<vscode.WebviewPanel>('trackManager.showTrackDetails', id));
    await vscode.commands.executeCommand('workbench.action.files.newUntitledFile');
    await waitFor(() => !panel.visible, 'the page hidden behind an editor');
    await cli(['context', 'add-decision', '--track-id', id, '--text', 'Decided while hidden']);
    await waitFor(() => panel.webview.html.includes('Decided while hidden'), 'the hidden page brought up to date');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
