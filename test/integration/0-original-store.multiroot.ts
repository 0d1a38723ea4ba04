import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { copyOriginStore, filesUnder, ORIGIN_TRACKS } from '../helpers/origin-store';
import { activateExtension, allNodes, folders, itemText } from './helpers';

describe(`a store the original track-manager wrote, in VS Code ${vscode.version}`, () => {
  it('shows its tracks in the tree with names, statuses and progress, no error row, and writes nothing', async () => {
    const api = await activateExtension();
    const folder = folders()[1];
    copyOriginStore(folder.uri.fsPath);
    const claude = path.join(folder.uri.fsPath, '.claude');
    try {
      const before = filesUnder(claude);
      await api.refresh();
      const nodes = (await allNodes(api)).filter((node) => node.kind !== 'folder' && node.folder.uri.fsPath === folder.uri.fsPath);
      assert.deepEqual(nodes.filter((node) => node.kind === 'problem').map((node) => api.tree.getTreeItem(node).label), [], 'nothing of theirs is an error row');
      const groups = nodes.filter((node) => node.kind === 'group').map((node) => api.tree.getTreeItem(node).label);
      assert.deepEqual([...groups].sort(), ['Active (1)', 'Completed (1)', 'Draft (1)']);
      assert.equal(groups[0], 'Active (1)');
      const rows = Object.fromEntries(nodes.flatMap((node) => (node.kind === 'track' ? [[node.track.track_id, node]] : [])));
      const describe = (id: string) => {
        const node = rows[id];
        assert.ok(node && node.kind === 'track', id);
        // The original's active track was last touched long ago: live recovery may already mark it interrupted.
        return [node.track.name, node.track.status, String(api.tree.getTreeItem(node).description).replace(/^interrupted · /, '')];
      };
      assert.deepEqual(describe(ORIGIN_TRACKS.payments), ['Refactor Payments', 'active', 'P2 · 0%']);
      assert.deepEqual(describe(ORIGIN_TRACKS.login), ['Login Timeout Fix', 'draft', 'P0 · 0%']);
      assert.deepEqual(describe(ORIGIN_TRACKS.oauth), ['OAuth Authentication', 'completed', 'P1 · 0%']);
      const goals = nodes.filter((node) => node.kind === 'detail').map((node) => itemText(api.tree.getTreeItem(node).label));
      assert.ok(goals.includes('Add OAuth 2.0 login'), `goal row in ${goals.join(', ')}`);
      const oauth = rows[ORIGIN_TRACKS.oauth];
      const tooltip = (await api.tree.resolveTreeItem(api.tree.getTreeItem(oauth), oauth)).tooltip as vscode.MarkdownString;
      assert.match(tooltip.value, /OAuth Authentication/);
      const after = filesUnder(claude);
      assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), 'the view creates no file');
      for (const [file, bytes] of before) assert.ok(bytes.equals(after.get(file)!), `${file} unchanged by the view`);
    } finally {
      rmSync(claude, { recursive: true, force: true });
      await api.refresh();
    }
  });
});
