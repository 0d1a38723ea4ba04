import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TrackManagerApi } from '../../src/extension/extension';
import { vscodePrompter } from '../../src/extension/prompter';
import { activateExtension, allNodes, cli, folders, ScriptedPrompter, trackNode, waitFor } from './helpers';

const statusOf = async (id: string) => (await cli(['show', '--track-id', id])).status;

describe('every command, with and without a selection', () => {
  let api: TrackManagerApi;
  let ui: ScriptedPrompter;
  before(async () => {
    api = await activateExtension();
  });
  beforeEach(() => {
    ui = new ScriptedPrompter();
    api.setPrompter(ui);
  });
  after(() => api.setPrompter(vscodePrompter));

  it('Create Track (multi-step input answered) creates a draft in the store and the view', async () => {
    ui.createAnswers.push({ name: 'Command Palette Track', type: 'testing', goal: 'Prove the commands', priority: 'P2', successCriteria: ['All commands work'] });
    const id = await vscode.commands.executeCommand<string>('trackManager.createTrack');
    assert.match(id, /^track-command-palette-track-\d{13}$/);
    assert.equal(await statusOf(id), 'draft');
    assert.equal(api.tree.getTreeItem(await trackNode(api, 'Command Palette Track')).contextValue, 'track.draft');
  });

  it('Mark Ready on a row; Activate while another is active asks "… is active. Pause it and switch to …?" [Switch]', async () => {
    const node = await trackNode(api, 'Command Palette Track');
    await vscode.commands.executeCommand('trackManager.markReady', node);
    assert.equal(await statusOf(node.track.track_id), 'ready');
    const active = await cli(['get-active']);
    assert.ok(active, 'a track is active');
    ui.askAnswers.push('Switch');
    await vscode.commands.executeCommand('trackManager.activate', await trackNode(api, 'Command Palette Track'));
    await waitFor(() => ui.asks.length > 0, 'the question');
    assert.equal(ui.messages.filter((m) => m.kind === 'error').length, 0, 'a question, not a red error');
    assert.equal(ui.asks[0].text, `${active.name} is active. Pause it and switch to Command Palette Track?`);
    assert.deepEqual(ui.asks[0].buttons, ['Switch']);
    assert.doesNotMatch(ui.asks[0].text + (ui.asks[0].detail ?? ''), /track-|`/, 'no ids, no CLI lines');
    await waitFor(async () => (await statusOf(node.track.track_id)) === 'active', 'the button to switch');
    await waitFor(() => ui.statuses.some((text) => text.includes('Switched to Command Palette Track')), 'success in the status bar message area');
    assert.equal((await cli(['checkpoint', 'list', '--track-id', active.track_id]))[0].description, 'Switched to Command Palette Track', 'the automatic checkpoint is named after the track');
  });

  it('Pause from the palette asks which track (only active ones) and why', async () => {
    const id = (await trackNode(api, 'Command Palette Track')).track.track_id;
    ui.pickAnswers.push('Command Palette Track');
    ui.inputAnswers.push('Waiting for review');
    await vscode.commands.executeCommand('trackManager.pause');
    assert.match(ui.picks[0].placeHolder!, /Pause which track/);
    assert.deepEqual(ui.picks[0].labels, ['Active', '$(target) Command Palette Track']);
    assert.equal(await statusOf(id), 'paused');
    assert.equal((await cli(['show', '--track-id', id])).status_history.at(-1)?.reason, 'Waiting for review');
  });

  it('Resume on a row, then Switch Track from the palette: a quick pick grouped by status, the active one marked', async () => {
    const node = await trackNode(api, 'Command Palette Track');
    const oauth = await trackNode(api, 'OAuth Authentication');
    assert.equal(await statusOf(oauth.track.track_id), 'paused');
    await vscode.commands.executeCommand('trackManager.resume', node);
    assert.equal(await statusOf(node.track.track_id), 'active');
    ui.pickAnswers.push('OAuth Authentication');
    await vscode.commands.executeCommand('trackManager.switchTrack');
    const pick = ui.picks.at(-1)!;
    assert.ok(pick.labels.includes('Active') && pick.labels.includes('Paused'));
    assert.ok(pick.labels.includes('$(target) Command Palette Track'), 'the active track is marked');
    assert.equal(await statusOf(oauth.track.track_id), 'active');
    assert.equal(await statusOf(node.track.track_id), 'paused');
  });

  it('Complete asks a summary; Archive and Reopen work from rows', async () => {
    const node = await trackNode(api, 'Command Palette Track');
    ui.inputAnswers.push('All commands proven');
    await vscode.commands.executeCommand('trackManager.complete', node);
    const done = await cli(['show', '--track-id', node.track.track_id]);
    assert.equal(done.status, 'completed');
    assert.equal(done.outcomes?.summary, 'All commands proven');
    await vscode.commands.executeCommand('trackManager.archive', await trackNode(api, 'Command Palette Track'));
    assert.equal(await statusOf(node.track.track_id), 'archived');
    ui.pickAnswers.push('Command Palette Track');
    await vscode.commands.executeCommand('trackManager.reopen');
    assert.equal(await statusOf(node.track.track_id), 'ready');
  });

  it('Fail and Cancel ask a reason', async () => {
    const created = await cli(['create', '--name', 'Doomed Track', '--type', 'custom', '--goal', 'g']);
    ui.inputAnswers.push('Not needed any more');
    await vscode.commands.executeCommand('trackManager.cancel', created.track_id);
    assert.equal(await statusOf(created.track_id), 'cancelled');
    const other = await cli(['create', '--name', 'Failing Track', '--type', 'custom', '--goal', 'g']);
    await vscode.commands.executeCommand('trackManager.switchTrack', other.track_id);
    ui.pickAnswers.push('Failing Track');
    ui.inputAnswers.push('It broke');
    await vscode.commands.executeCommand('trackManager.fail');
    assert.equal(await statusOf(other.track_id), 'failed');
    const oauth = await trackNode(api, 'OAuth Authentication');
    await vscode.commands.executeCommand('trackManager.switchTrack', oauth);
  });

  it('Set Priority, Create Checkpoint and Restore Checkpoint', async () => {
    const node = await trackNode(api, 'OAuth Authentication');
    ui.pickAnswers.push('P0');
    await vscode.commands.executeCommand('trackManager.setPriority', node);
    assert.equal((await cli(['show', '--track-id', node.track.track_id])).priority, 'P0');
    ui.inputAnswers.push('Before restore test');
    await vscode.commands.executeCommand('trackManager.createCheckpoint', node);
    const checkpoints = await cli(['checkpoint', 'list', '--track-id', node.track.track_id]);
    assert.equal(checkpoints[0].name, 'Before restore test');
    await cli(['update', '--track-id', node.track.track_id, '--field', 'progress', '--value', '80']);
    await api.refresh();
    const checkpointNode = (await allNodes(api)).find((n) => n.kind === 'checkpoint' && n.checkpoint.name === 'Before restore test');
    assert.ok(checkpointNode);
    ui.confirmAnswers.push(true);
    await vscode.commands.executeCommand('trackManager.restoreCheckpoint', checkpointNode);
    assert.equal((await cli(['show', '--track-id', node.track.track_id])).progress_percentage, 45);
    ui.pickAnswers.push('OAuth Authentication', 'Before restore test');
    ui.confirmAnswers.push(true);
    const asked = ui.picks.length;
    await vscode.commands.executeCommand('trackManager.restoreCheckpoint');
    assert.deepEqual(ui.picks.slice(asked).map((p) => p.placeHolder), [
      'Restore a checkpoint of which track?',
      'Restore which checkpoint? (the current state is checkpointed first)',
    ]);
  });

  it('Open track.json opens the record in an editor', async () => {
    const node = await trackNode(api, 'OAuth Authentication');
    await vscode.commands.executeCommand('trackManager.openTrackJson', node);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, `${folders()[0].uri.fsPath}/.claude/conductor/tracks/${node.track.track_id}/track.json`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    ui.pickAnswers.push('Login Timeout Fix');
    await vscode.commands.executeCommand('trackManager.openTrackJson');
    assert.match(vscode.window.activeTextEditor.document.uri.fsPath, /track-login-timeout-fix-\d+\/track\.json$/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('Filter by type and text, shown in the view and clearable', async () => {
    ui.manyAnswers.push((items) => Promise.resolve({ items: items.filter((i) => i.label.endsWith(' bugfix')), value: '' }));
    await vscode.commands.executeCommand('trackManager.filter');
    await waitFor(() => api.view.description?.startsWith('filter: bugfix — '), `the description (is "${api.view.description}")`);
    let names = (await allNodes(api)).filter((n) => n.kind === 'track' && n.track.status !== 'active').map((n) => (n.kind === 'track' ? n.track.name : ''));
    assert.deepEqual(names, ['Login Timeout Fix']);
    ui.manyAnswers.push(() => Promise.resolve({ items: [], value: 'nothing-matches-this' }));
    await vscode.commands.executeCommand('trackManager.filter');
    const left = (await allNodes(api)).filter((n) => n.kind === 'track');
    assert.ok(left.every((n) => n.kind === 'track' && n.track.status === 'active'), 'only the pinned active track');
    await vscode.commands.executeCommand('trackManager.clearFilter');
    await waitFor(() => api.view.description === undefined, 'the description cleared');
    names = (await allNodes(api)).filter((n) => n.kind === 'track').map((n) => (n.kind === 'track' ? n.track.name : ''));
    assert.ok(names.length >= 4);
  });

  it('Prune Snapshots previews, confirms and removes old ones (never the last checkpoint)', async () => {
    await vscode.workspace.getConfiguration('trackManager').update('snapshotKeepCount', 1, vscode.ConfigurationTarget.Workspace);
    ui.confirmAnswers.push(true);
    await vscode.commands.executeCommand('trackManager.pruneSnapshots');
    assert.match(ui.lastMessage()!.text, /Removed \d+ snapshot\(s\)/);
    const id = (await trackNode(api, 'OAuth Authentication')).track.track_id;
    assert.equal((await cli(['checkpoint', 'list', '--track-id', id])).length, 1);
    await vscode.workspace.getConfiguration('trackManager').update('snapshotKeepCount', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('Run Doctor, Refresh and Show Log run from the palette', async () => {
    await vscode.commands.executeCommand('trackManager.runDoctor');
    assert.equal(ui.lastMessage()!.text, 'The track store is healthy.');
    await vscode.commands.executeCommand('trackManager.refresh');
    await vscode.commands.executeCommand('trackManager.showLog');
  });

  it('every contributed command is registered', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const manifest = vscode.extensions.getExtension('track-manager.track-manager')!.packageJSON as { contributes: { commands: Array<{ command: string }> } };
    for (const command of manifest.contributes.commands) assert.ok(registered.has(command.command), command.command);
  });
});
