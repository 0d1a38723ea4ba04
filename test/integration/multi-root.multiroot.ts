import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, allNodes, cli, folders } from './helpers';

describe(`multi-root workspaces in VS Code ${vscode.version}`, () => {
  it('shows one store per workspace folder, with the folders at the top level', async () => {
    const api = await activateExtension();
    assert.equal(folders().length, 2);
    cli(['create', '--name', 'Second Folder Track', '--type', 'feature', '--goal', 'g'], folders()[1].uri.fsPath);
    await api.refresh();
    const roots = await api.tree.getChildren();
    assert.deepEqual(roots.map((node) => api.tree.getTreeItem(node).label), folders().map((f) => f.name));
    const nodes = await allNodes(api);
    const second = nodes.find((n) => n.kind === 'track' && n.track.name === 'Second Folder Track');
    assert.ok(second && second.kind === 'track');
    assert.equal(second.folder.uri.fsPath, folders()[1].uri.fsPath);
    assert.ok(nodes.some((n) => n.kind === 'track' && n.track.name === 'OAuth Authentication' && n.folder.uri.fsPath === folders()[0].uri.fsPath));
    await api.statusBar.refresh();
    assert.equal(api.statusBar.item.text, '$(target) OAuth Authentication · P1 · 45%');
  });
});
