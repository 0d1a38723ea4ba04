import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, allNodes, cli, folders, ScriptedPrompter, waitFor } from './helpers';

describe(`multi-root workspaces in VS Code ${vscode.version}`, () => {
  it('shows one store per workspace folder, with the folders at the top level', async () => {
    const api = await activateExtension();
    assert.equal(folders().length, 2);
    await cli(['create', '--name', 'Second Folder Track', '--type', 'feature', '--goal', 'g'], folders()[1].uri.fsPath);
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

describe(`the multi-root status bar and pickers in VS Code ${vscode.version}`, () => {
  it("shows the focused editor's folder's active track; the tooltip lists every folder's", async () => {
    const api = await activateExtension();
    const [first, second] = folders();
    const secondId = (await cli(['create', '--name', 'Second Folder Active', '--type', 'bugfix', '--goal', 'g'], second.uri.fsPath)).track_id;
    await cli(['activate', '--track-id', secondId], second.uri.fsPath);
    await api.refresh();
    const open = async (folder: vscode.WorkspaceFolder, name: string) => {
      const file = vscode.Uri.joinPath(folder.uri, name);
      await vscode.workspace.fs.writeFile(file, new TextEncoder().encode('notes\n'));
      await vscode.window.showTextDocument(file);
    };
    await open(second, 'notes-second.txt');
    await waitFor(() => api.statusBar.item.text === '$(target) Second Folder Active · P2 · 0%', `the second folder's track (is "${api.statusBar.item.text}")`);
    const tooltip = (api.statusBar.item.tooltip as vscode.MarkdownString).value.replace(/\\/g, '');
    assert.ok(tooltip.includes(`${first.name}: **OAuth Authentication**`), tooltip);
    assert.ok(tooltip.includes(`$(target) ${second.name}: **Second Folder Active**`), tooltip);
    await open(first, 'notes-first.txt');
    await waitFor(() => api.statusBar.item.text === '$(target) OAuth Authentication · P1 · 45%', 'the first folder\'s track');
    assert.equal(api.statusBar.shownFolder?.name, first.name);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('labels picker items with their folder', async () => {
    const api = await activateExtension();
    const ui = new ScriptedPrompter();
    api.setPrompter(ui);
    ui.pickAnswers.push(() => undefined);
    await vscode.commands.executeCommand('trackManager.switchTrack');
    const items = ui.picks[0].items.filter((item) => item.kind !== vscode.QuickPickItemKind.Separator);
    const [first, second] = folders();
    const described = (name: string) => items.find((item) => item.label.endsWith(name))?.description ?? '';
    assert.ok(described('OAuth Authentication').startsWith(`${first.name} · `), described('OAuth Authentication'));
    assert.ok(described('Second Folder Track').startsWith(`${second.name} · `), described('Second Folder Track'));
    api.setPrompter(new ScriptedPrompter());
  });
});
