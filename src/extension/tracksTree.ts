import * as vscode from 'vscode';
import type { TrackSummary } from '../core/queries';
import type { StoreService } from './storeService';

export interface TrackNode {
  kind: 'track';
  folder: vscode.WorkspaceFolder;
  track: TrackSummary;
}

export interface MessageNode {
  kind: 'message';
  label: string;
  detail?: string;
}

export type TreeNode = TrackNode | MessageNode;

/** The Tracks view: the tracks of every workspace folder's store. */
export class TracksTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly stores: StoreService) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(element?: TreeNode): Promise<TreeNode[]> {
    if (element) return [];
    const nodes: TreeNode[] = [];
    for (const folder of this.stores.folders()) {
      try {
        const { tracks, problems } = await this.stores.storeFor(folder).listTracks();
        nodes.push(...tracks.map((track) => ({ kind: 'track' as const, folder, track })));
        nodes.push(...problems.map((problem) => ({ kind: 'message' as const, label: `Cannot read ${problem.file}`, detail: problem.message })));
      } catch (error) {
        nodes.push({ kind: 'message', label: `Cannot read the tracks of ${folder.name}`, detail: (error as Error).message });
      }
    }
    return nodes;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon('warning');
      item.tooltip = node.detail;
      item.contextValue = 'problem';
      return item;
    }
    const { track } = node;
    const item = new vscode.TreeItem(track.name, vscode.TreeItemCollapsibleState.None);
    item.id = `${node.folder.uri.toString()}#${track.track_id}`;
    item.description = `${track.status} · ${track.priority} · ${track.progress_percentage}%`;
    item.tooltip = `${track.name}\n${track.track_id}`;
    item.contextValue = `track.${track.status}`;
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
