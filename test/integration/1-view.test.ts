import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TrackManagerApi } from '../../src/extension/extension';
import { activateExtension, allNodes, cli, EXTENSION_ID, folders, itemText, trackNode } from './helpers';

describe(`the Tracks view and status bar in VS Code ${vscode.version}`, () => {
  let api: TrackManagerApi;
  before(async () => {
    api = await activateExtension();
    await vscode.commands.executeCommand('trackManager.tracks.focus');
  });

  it('activates in the real extension host (Node, no mocks)', () => {
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)!.isActive, true);
    console.log(`      activate() took ${api.activationMs.toFixed(1)} ms`);
    if (process.env.TRACK_TEST_VSCODE) assert.equal(vscode.version, process.env.TRACK_TEST_VSCODE);
  });

  it('groups the tracks the CLI created by status, in order, with counts, hiding empty groups', async () => {
    const roots = await api.tree.getChildren();
    const labels = roots.map((node) => api.tree.getTreeItem(node).label);
    assert.deepEqual(labels, ['Active (1)', 'Draft (1)']);
    const items = roots.map((node) => api.tree.getTreeItem(node));
    assert.equal(items[0].collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
  });

  it('shows a track row with type icon, priority and progress, a stable id and a markdown tooltip', async () => {
    const node = await trackNode(api, 'OAuth Authentication');
    const item = api.tree.getTreeItem(node);
    assert.equal(item.description, 'P1 · 45%');
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'lightbulb');
    assert.equal(item.contextValue, 'track.active');
    assert.equal(item.id, `track:${folders()[0].uri.toString()}:${node.track.track_id}`);
    assert.equal(api.tree.getTreeItem(await trackNode(api, 'OAuth Authentication')).id, item.id, 'same id after a refresh');
    const resolved = await api.tree.resolveTreeItem(item, node);
    const tooltip = (resolved.tooltip as vscode.MarkdownString).value;
    for (const expected of ['OAuth Authentication', 'Add OAuth 2\\.0 login', 'Priority | P1', 'Progress | 45%', 'Time worked', 'Last checkpoint']) {
      assert.ok(tooltip.includes(expected), `${expected} in ${tooltip}`);
    }
    // One time figure, the worked time: the raw time since activation (nights, closed windows) is gone.
    assert.doesNotMatch(tooltip, /Time active|Active for/);
    const bug = api.tree.getTreeItem(await trackNode(api, 'Login Timeout Fix'));
    assert.equal((bug.iconPath as vscode.ThemeIcon).id, 'bug');
    assert.equal(bug.description, 'P0 · 0%');
  });

  it('opens a track to its goal, criteria, checkpoints (newest first), runs with step progress and artifacts', async () => {
    const id = (await trackNode(api, 'OAuth Authentication')).track.track_id;
    await cli(['update', '--track-id', id, '--field', 'success_criteria', '--value', 'Google login works; GitHub login works'.replace(';', ',')]);
    await cli(['checkpoint', 'create', '--track-id', id, '--name', 'First checkpoint']);
    await cli(['checkpoint', 'create', '--track-id', id, '--name', 'Second checkpoint']);
    const run = await cli(['run', 'start', '--track-id', id, '--workflow', 'greenfield-fullstack.yaml', '--total', '10']);
    await cli(['run', 'step', '--run-id', run.run_id, '--step', '3']);
    await cli(['context', 'add-artifact', '--track-id', id, '--name', 'prd.md', '--content', '# PRD']);
    await api.refresh();
    const nodes = await allNodes(api);
    const labelOf = (kind: string) => nodes.filter((n) => n.kind === kind).map((n) => api.tree.getTreeItem(n));
    assert.ok(labelOf('detail').some((item) => item.label === 'Add OAuth 2.0 login'));
    assert.deepEqual(labelOf('detail').filter((i) => (i.iconPath as vscode.ThemeIcon).id === 'checklist').map((i) => i.label), ['Google login works', 'GitHub login works']);
    assert.deepEqual(labelOf('checkpoint').map((i) => i.label), ['Second checkpoint', 'First checkpoint']);
    const runItem = labelOf('run')[0];
    assert.equal(runItem.label, 'greenfield-fullstack');
    assert.equal(runItem.description, 'In progress');
    assert.match(itemText(runItem.tooltip), /In progress · step 3\/10/);
    const artifact = labelOf('artifact')[0];
    assert.equal(artifact.label, 'prd.md');
    assert.equal(artifact.command?.command, 'vscode.open');
    await vscode.commands.executeCommand(artifact.command.command, ...(artifact.command.arguments as unknown[]));
    assert.ok(vscode.window.activeTextEditor?.document.uri.fsPath.endsWith('prd.md'));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('shows the active track in the status bar; a click opens Switch Track', async () => {
    await api.statusBar.refresh();
    assert.equal(api.statusBar.item.text, '$(target) OAuth Authentication · P1 · 45%');
    assert.equal(api.statusBar.item.command, 'trackManager.switchTrack');
    const tooltip = (api.statusBar.item.tooltip as vscode.MarkdownString).value;
    assert.match(tooltip, /Worked: \d+ (min|h)[^\n]*idle stretches not counted[^\n]*click to switch track/);
    assert.doesNotMatch(tooltip, /Active for/);
  });

  it('hides the status bar item by a setting', async () => {
    const config = vscode.workspace.getConfiguration('trackManager');
    await config.update('showStatusBar', false, vscode.ConfigurationTarget.Workspace);
    assert.equal(api.statusBar.visible, false);
    await config.update('showStatusBar', undefined, vscode.ConfigurationTarget.Workspace);
    assert.equal(api.statusBar.visible, true);
  });
});
