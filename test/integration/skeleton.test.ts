import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TrackManagerApi } from '../../src/extension/extension';
import type { TrackNode } from '../../src/extension/tracksTree';
import { activateExtension, cli, EXTENSION_ID } from './helpers';

describe(`the extension in VS Code ${vscode.version}`, () => {
  let api: TrackManagerApi;
  before(async () => {
    api = await activateExtension();
  });

  it('activates in the real extension host (Node, no mocks)', () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.equal(extension.isActive, true);
    assert.equal(typeof process.versions.node, 'string');
    if (process.env.TRACK_TEST_VSCODE) assert.equal(vscode.version, process.env.TRACK_TEST_VSCODE);
  });

  it('lists the tracks the CLI created in the workspace', async () => {
    const nodes = (await api.tree.getChildren()) as TrackNode[];
    const names = nodes.map((node) => api.tree.getTreeItem(node).label);
    assert.deepEqual([...names].sort(), ['Login Timeout Fix', 'OAuth Authentication']);
    const oauth = nodes.find((node) => node.track.name === 'OAuth Authentication')!;
    const item = api.tree.getTreeItem(oauth);
    assert.equal(item.description, 'active · P1 · 45%');
    assert.equal(item.contextValue, 'track.active');
  });

  it('shows the active track in the status bar', async () => {
    await api.statusBar.refresh();
    assert.equal(api.statusBar.item.text, '$(target) OAuth Authentication · P1 · 45%');
  });

  it('Track Manager: Refresh shows a change made by the CLI, and the status bar follows', async () => {
    const created = cli('create', '--name', 'Created From A Terminal', '--type', 'refactor', '--goal', 'g', '--priority', 'P2');
    cli('switch', '--to', created.track_id);
    await vscode.commands.executeCommand('trackManager.refresh');
    const nodes = (await api.tree.getChildren()) as TrackNode[];
    assert.ok(nodes.some((node) => node.track.track_id === created.track_id));
    assert.equal(api.statusBar.item.text, '$(target) Created From A Terminal · P2 · 0%');
    cli('pause', '--track-id', created.track_id, '--reason', 'test done');
    await vscode.commands.executeCommand('trackManager.refresh');
    assert.equal(api.statusBar.item.text, '$(circle-slash) No active track');
  });

  it('contributes the Tracks view container, view and command', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('trackManager.refresh'));
    await vscode.commands.executeCommand('workbench.view.extension.trackManager');
  });
});
