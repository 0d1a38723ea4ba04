import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrackManagerApi } from '../../src/extension/extension';
import { gitApi, repositoryFor } from '../../src/extension/gitApi';
import { vscodePrompter } from '../../src/extension/prompter';
import { activateExtension, cli, folders, ScriptedPrompter, trackNode, waitFor } from './helpers';

/** Tabs of text files in the workspace, by group column: { 1: ['a.txt'], 2: ['c.txt'] }. */
function openTabs(root: string): Record<number, string[]> {
  const result: Record<number, string[]> = {};
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      if (!(tab.input instanceof vscode.TabInputText)) continue;
      const relative = path.relative(root, tab.input.uri.fsPath);
      if (relative.startsWith('..')) continue;
      (result[group.viewColumn] ??= []).push(relative);
    }
  }
  for (const list of Object.values(result)) list.sort();
  return result;
}

describe('a track carries its working context (branch, editors, time)', function () {
  this.timeout(60_000);
  let api: TrackManagerApi;
  let ui: ScriptedPrompter;
  const folder = () => folders()[0];
  const root = () => folder().uri.fsPath;
  const config = () => vscode.workspace.getConfiguration('trackManager', folder().uri);

  before(async () => {
    api = await activateExtension();
    // The web workbench saves after a delay by default: an unsaved edit must stay unsaved here.
    await vscode.workspace.getConfiguration('files').update('autoSave', 'off', vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // Leave whatever the earlier files made active.
    const active = await cli(['get-active']);
    if (active) (await cli(['pause', '--track-id', active.track_id, '--reason', 'context tests']));
  });
  beforeEach(() => {
    ui = new ScriptedPrompter();
    api.setPrompter(ui);
  });
  after(async () => {
    api.setPrompter(vscodePrompter);
    await config().update('restoreEditors', undefined, vscode.ConfigurationTarget.Workspace);
    await config().update('git.checkoutOnSwitch', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.workspace.getConfiguration('files').update('autoSave', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('saves the editors of each tab group on switch, restores them on the way back, and never closes a dirty one', async () => {
    await config().update('restoreEditors', 'always', vscode.ConfigurationTarget.Workspace);
    await config().update('git.checkoutOnSwitch', 'never', vscode.ConfigurationTarget.Workspace);
    for (const name of ['one.txt', 'two.txt', 'three.txt', 'four.txt']) writeFileSync(path.join(root(), name), `${name}\n`);
    const a = (await cli(['create', '--name', 'Editors Alpha', '--type', 'feature', '--goal', 'g', '--ready'])).track_id;
    const b = (await cli(['create', '--name', 'Editors Beta', '--type', 'feature', '--goal', 'g', '--ready'])).track_id;
    await api.actions.switchTo(folder(), a);
    const open = async (file: string, column: vscode.ViewColumn) => vscode.window.showTextDocument(vscode.Uri.file(path.join(root(), file)), { viewColumn: column, preview: false });
    await open('one.txt', vscode.ViewColumn.One);
    const dirty = await open('two.txt', vscode.ViewColumn.One);
    await dirty.edit((edit) => edit.insert(new vscode.Position(0, 0), 'unsaved '));
    await open('three.txt', vscode.ViewColumn.Two);
    assert.deepEqual(openTabs(root()), { 1: ['one.txt', 'two.txt'], 2: ['three.txt'] });

    await api.actions.switchTo(folder(), b);
    assert.equal((await cli(['get-active']))?.track_id, b);
    const saved = (await cli(['show', '--track-id', a])).editors ?? [];
    assert.deepEqual(saved.map((g) => [g.column, [...g.files].sort()]), [[1, ['one.txt', 'two.txt']], [2, ['three.txt']]]);
    const checkpoint = (await cli(['checkpoint', 'list', '--track-id', a]))[0];
    assert.equal(checkpoint.event, 'switch');
    // The unchanged editors of the track left are closed; the one with an unsaved edit stays.
    assert.deepEqual(openTabs(root()), { 1: ['two.txt'] });
    assert.equal(dirty.document.isDirty, true);
    assert.match(dirty.document.getText(), /^unsaved /);

    await open('four.txt', vscode.ViewColumn.One);
    await api.actions.switchTo(folder(), a);
    assert.deepEqual(openTabs(root()), { 1: ['one.txt', 'two.txt'], 2: ['three.txt'] });
    assert.deepEqual(((await cli(['show', '--track-id', b])).editors ?? []).map((g) => g.files.sort()), [['four.txt', 'two.txt']]);
    const two = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === path.join(root(), 'two.txt'));
    assert.ok(two?.isDirty && two.getText().startsWith('unsaved '), `the unsaved edit survived both switches (first editor's document closed: ${dirty.document.isClosed}; now dirty: ${two?.isDirty}; text: ${JSON.stringify(two?.getText())})`);
    await vscode.window.showTextDocument(two);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('with checkoutOnSwitch=always a switch checks the track\'s branch out through the git extension', async () => {
    execFileSync('git', ['init', '--quiet', '--initial-branch=main'], { cwd: root() });
    for (const [key, value] of [['user.name', 'Track Test'], ['user.email', 'track-test@example.invalid'], ['commit.gpgsign', 'false']]) {
      execFileSync('git', ['config', key, value], { cwd: root() });
    }
    execFileSync('git', ['add', 'one.txt'], { cwd: root() });
    execFileSync('git', ['commit', '--quiet', '-m', 'initial'], { cwd: root() });
    // The test host disables git machine-wide; this workspace turns it on.
    await vscode.workspace.getConfiguration('git').update('enabled', true, vscode.ConfigurationTarget.Workspace);
    await waitFor(async () => (await gitApi()) ?? undefined, 'the git extension to be enabled', 20_000);
    const repository = await waitFor(async () => (await repositoryFor(folder())) ?? undefined, 'git to open the workspace repository', 20_000);
    await config().update('git.checkoutOnSwitch', 'always', vscode.ConfigurationTarget.Workspace);
    await config().update('restoreEditors', 'never', vscode.ConfigurationTarget.Workspace);
    const target = (await cli(['create', '--name', 'Branch Gamma', '--type', 'bugfix', '--goal', 'g', '--ready', '--new-branch'])).track_id;
    await api.actions.switchTo(folder(), target);
    assert.equal((await cli(['get-active']))?.track_id, target);
    assert.equal(execFileSync('git', ['symbolic-ref', '--short', 'HEAD'], { cwd: root(), encoding: 'utf8' }).trim(), 'bugfix/branch-gamma');
    await waitFor(() => repository.state.HEAD?.name === 'bugfix/branch-gamma', 'the git extension to see the new HEAD', 10_000);
    assert.deepEqual(ui.messages, [], 'always: no question asked');
    // Moving HEAD away shows the branch in the status bar; its click puts it back.
    execFileSync('git', ['checkout', '--quiet', 'main'], { cwd: root() });
    await api.refresh();
    assert.match(api.workingContext.branchItem.text, /bugfix\/branch-gamma ≠ main/);
    await vscode.commands.executeCommand('trackManager.checkoutTrackBranch');
    assert.equal(execFileSync('git', ['symbolic-ref', '--short', 'HEAD'], { cwd: root(), encoding: 'utf8' }).trim(), 'bugfix/branch-gamma');
  });

  it('Show Time Report opens a report of time per track for the week', async () => {
    const document = await vscode.commands.executeCommand<vscode.TextDocument>('trackManager.showTimeReport');
    assert.equal(document.languageId, 'markdown');
    assert.match(document.getText(), /^# Time per track — last 7 days/);
    assert.match(document.getText(), /\| Editors Alpha \| feature \|/);
    const rows = await api.tree.getChildren(await trackNode(api, 'Editors Alpha'));
    const time = rows.find((row) => row.kind === 'detail' && row.key === 'time');
    assert.ok(time && time.kind === 'detail' && /^Time: \d+ min$/.test(time.label), 'a Time row under the track');
    const node = await trackNode(api, 'Editors Alpha');
    const resolved = await api.tree.resolveTreeItem(api.tree.getTreeItem(node), node);
    assert.match((resolved.tooltip as vscode.MarkdownString).value, /\| Time worked \| \d+ min \(idle stretches not counted\) \|/);
  });
});
