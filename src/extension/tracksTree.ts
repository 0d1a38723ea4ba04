import * as vscode from 'vscode';
import { isTrackError, toTrackError } from '../core/model/errors';
import { contextRows, IDLE_NOT_COUNTED, workedTime } from './contextRows';
import { compareText } from '../core/model/ids';
import type { CheckpointEntry } from '../core/checkpoints';
import type { TrackSummary } from '../core/queries';
import type { Problem } from '../core/storage/registry';
import type { RunSummaryEntry, Track, TrackStatus } from '../core/model/schemas';
import { ago, FINISHED, localTime, STATUS_LABEL, STATUS_ORDER, statusIcon, typeIcon } from './presentation';
import type { StoreService } from './storeService';
import { editorMessage } from './messages';
import { TreeMarks } from './treeMarks';
import { isFilterActive, matchesFilter, type TrackFilter } from './filter';
import { lastCheckpointText, reasonFor, runTreeItem } from './trackText';

export type { TrackFilter } from './filter';

type Section = 'criteria' | 'checkpoints' | 'runs' | 'artifacts';

export type TreeNode =
  | { kind: 'folder'; folder: vscode.WorkspaceFolder }
  | { kind: 'group'; folder: vscode.WorkspaceFolder; status: TrackStatus; count: number; of?: number }
  | { kind: 'track'; folder: vscode.WorkspaceFolder; track: TrackSummary }
  | { kind: 'detail'; folder: vscode.WorkspaceFolder; trackId: string; key: string; label: string; icon: string; tooltip?: string }
  | { kind: 'section'; folder: vscode.WorkspaceFolder; trackId: string; section: Section; count: number }
  | { kind: 'checkpoint'; folder: vscode.WorkspaceFolder; trackId: string; checkpoint: CheckpointEntry }
  | { kind: 'run'; folder: vscode.WorkspaceFolder; trackId: string; run: RunSummaryEntry & { run_id: string } }
  | { kind: 'artifact'; folder: vscode.WorkspaceFolder; trackId: string; name: string; path: string }
  | { kind: 'problem'; folder: vscode.WorkspaceFolder; file: string; message: string };

export type TrackNode = Extract<TreeNode, { kind: 'track' }>;

interface FolderState {
  tracks: TrackSummary[];
  problems: Problem[];
}

/**
 * The Tracks view: tracks grouped by status (per workspace folder when there are several), each
 * opening to its goal, criteria, checkpoints, runs and artifacts. It reads only through the core.
 */
export class TracksTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly states = new Map<string, Promise<FolderState>>();
  private readonly details = new Map<string, ReturnType<StoreService['detailsOf']>>();
  private filterState: TrackFilter = {};
  private readonly loaded = new vscode.EventEmitter<{ total: number; shown: number; problems: number }>();
  /** After each load of the root: how many tracks exist and how many the filter lets through. */
  readonly onDidLoad = this.loaded.event;
  /** Interrupted and damaged marks, drawn over the rows (see treeMarks.ts). */
  readonly marks = new TreeMarks();
  private readonly rowsProvided = new vscode.EventEmitter<number>();
  /** Each time the rows of a group are handed to the view (the benchmark times the first screen by it). */
  readonly onDidProvideRows = this.rowsProvided.event;

  /** Tracks the user expanded, by id: a track that changes group opens where it lands as it was. */
  private readonly expandedTracks = new Set<string>();

  constructor(private readonly stores: StoreService) {}

  setExpanded(node: TreeNode, expanded: boolean): void {
    if (node.kind !== 'track') return;
    const key = `${node.folder.uri.toString()}#${node.track.track_id}`;
    if (expanded) this.expandedTracks.add(key);
    else this.expandedTracks.delete(key);
  }

  /** The row of a track as the view shows it now (undefined when it is filtered out or unknown). */
  async trackNode(folder: vscode.WorkspaceFolder, trackId: string): Promise<TrackNode | undefined> {
    const track = (await this.state(folder)).tracks.find((t) => t.track_id === trackId);
    return track && this.matches(track) ? { kind: 'track', folder, track } : undefined;
  }

  get filter(): TrackFilter {
    return this.filterState;
  }

  setFilter(filter: TrackFilter): void {
    this.filterState = { ...filter };
    this.changed.fire(undefined);
  }

  /** Forgets what was read (all folders, or one) and redraws. */
  refresh(folder?: vscode.WorkspaceFolder): void {
    if (folder) {
      this.states.delete(folder.uri.toString());
      for (const key of [...this.details.keys()]) if (key.startsWith(folder.uri.toString())) this.details.delete(key);
    } else {
      this.states.clear();
      this.details.clear();
    }
    this.changed.fire(undefined);
  }

  /**
   * Reads the store of a folder (or every folder) now, rather than when the view next asks: after a
   * change on disk the view's rows and the status bar then share one read of the index.
   */
  async load(folder?: vscode.WorkspaceFolder): Promise<void> {
    await Promise.all((folder ? [folder] : this.stores.folders()).map((f) => this.state(f)));
  }

  private state(folder: vscode.WorkspaceFolder): Promise<FolderState> {
    const key = folder.uri.toString();
    let state = this.states.get(key);
    if (!state) {
      state = this.stores.storeFor(folder).listTracks().catch((error: unknown) => ({
        tracks: [],
        problems: [{ code: isTrackError(error) ? error.code : 'E_INTERNAL', file: (isTrackError(error) && typeof error.details.file === 'string' && error.details.file) || this.stores.storeFor(folder).conductorDir, message: (error as Error).message }],
      }));
      this.states.set(key, state);
    }
    return state;
  }

  private matches(track: TrackSummary): boolean {
    return matchesFilter(track, this.filterState);
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (!node) return this.roots();
    switch (node.kind) {
      case 'folder':
        return this.folderChildren(node.folder);
      case 'group': {
        const { tracks } = await this.state(node.folder);
        const rows = tracks.filter((t) => t.status === node.status && this.matches(t)).sort(byPriorityThenUpdate).map((track) => ({ kind: 'track' as const, folder: node.folder, track }));
        this.rowsProvided.fire(rows.length);
        return rows;
      }
      case 'track':
        return this.trackChildren(node);
      case 'section':
        return this.sectionChildren(node);
      default:
        return [];
    }
  }

  private async roots(): Promise<TreeNode[]> {
    const folders = this.stores.folders();
    const states = await Promise.all(folders.map((folder) => this.state(folder)));
    const total = states.reduce((sum, s) => sum + s.tracks.length, 0);
    const shown = states.reduce((sum, s) => sum + s.tracks.filter((t) => this.matches(t)).length, 0);
    const problems = states.reduce((sum, s) => sum + s.problems.length, 0);
    this.loaded.fire({ total, shown, problems });
    if (folders.length > 1) return folders.map((folder) => ({ kind: 'folder' as const, folder }));
    return folders.length === 1 ? this.folderChildren(folders[0]) : [];
  }

  private async folderChildren(folder: vscode.WorkspaceFolder): Promise<TreeNode[]> {
    const { tracks, problems } = await this.state(folder);
    const nodes: TreeNode[] = problems.map((problem) => ({ kind: 'problem' as const, folder, file: problem.file, message: problem.message }));
    for (const status of STATUS_ORDER) {
      const inStatus = tracks.filter((t) => t.status === status);
      const count = inStatus.filter((t) => this.matches(t)).length;
      if (count > 0) nodes.push({ kind: 'group', folder, status, count, ...(isFilterActive(this.filterState) ? { of: inStatus.length } : {}) });
    }
    return nodes;
  }

  private async trackChildren(node: TrackNode): Promise<TreeNode[]> {
    const { folder, track } = node;
    let details: Awaited<ReturnType<StoreService['detailsOf']>>;
    try {
      details = await this.detailsOf(folder, track.track_id);
    } catch (error) {
      const file = (isTrackError(error) && typeof error.details.file === 'string' && error.details.file) || this.stores.storeFor(folder).paths.trackFile(track.track_id);
      return [{ kind: 'problem', folder, file, message: (error as Error).message }];
    }
    const id = track.track_id;
    const nodes: TreeNode[] = [{ kind: 'detail', folder, trackId: id, key: 'goal', label: details.track.context.goal, icon: 'target', tooltip: 'Goal' }];
    for (const row of await contextRows(this.stores, folder, details.track)) nodes.push({ kind: 'detail', folder, trackId: id, ...row });
    const sections: Array<[Section, number]> = [
      ['criteria', details.track.context.success_criteria.length],
      ['checkpoints', details.checkpoints.length],
      ['runs', details.runs.length],
      ['artifacts', details.artifacts.length],
    ];
    for (const [section, count] of sections) if (count > 0) nodes.push({ kind: 'section', folder, trackId: id, section, count });
    nodes.push(...details.problems.map((problem) => ({ kind: 'problem' as const, folder, file: problem.file, message: problem.message })));
    return nodes;
  }

  private async sectionChildren(node: Extract<TreeNode, { kind: 'section' }>): Promise<TreeNode[]> {
    const { folder, trackId } = node;
    const details = await this.detailsOf(folder, trackId);
    switch (node.section) {
      case 'criteria':
        return details.track.context.success_criteria.map((text, i) => ({ kind: 'detail' as const, folder, trackId, key: `criterion-${i}`, label: text, icon: 'checklist' }));
      case 'checkpoints':
        return details.checkpoints.map((checkpoint) => ({ kind: 'checkpoint' as const, folder, trackId, checkpoint }));
      case 'runs':
        return details.runs.map((run) => ({ kind: 'run' as const, folder, trackId, run }));
      case 'artifacts':
        return details.artifacts.map((artifact) => ({ kind: 'artifact' as const, folder, trackId, name: artifact.name, path: artifact.path }));
    }
  }

  private detailsOf(folder: vscode.WorkspaceFolder, trackId: string) {
    const key = `${folder.uri.toString()}#${trackId}`;
    let details = this.details.get(key);
    if (!details) {
      details = this.stores.detailsOf(folder, trackId);
      details.catch(() => this.details.delete(key));
      this.details.set(key, details);
    }
    return details;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return this.marks.decorate(node, this.baseTreeItem(node));
  }

  private baseTreeItem(node: TreeNode): vscode.TreeItem {
    const base = node.folder.uri.toString();
    switch (node.kind) {
      case 'folder': {
        const item = new vscode.TreeItem(node.folder.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `folder:${base}`;
        item.iconPath = vscode.ThemeIcon.Folder;
        item.contextValue = 'folder';
        return item;
      }
      case 'group': {
        const finished = FINISHED.includes(node.status);
        const item = new vscode.TreeItem(`${STATUS_LABEL[node.status]} (${node.of !== undefined ? `${node.count} of ${node.of}` : node.count})`, finished ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
        item.id = `group:${base}:${node.status}`;
        item.iconPath = statusIcon(node.status);
        item.contextValue = `group.${node.status}`;
        return item;
      }
      case 'track': {
        const { track } = node;
        const expanded = this.expandedTracks.has(`${base}#${track.track_id}`);
        const item = new vscode.TreeItem(track.name, expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `track:${base}:${track.track_id}`;
        item.description = `${track.priority} · ${track.progress_percentage}%`;
        item.iconPath = typeIcon(track.type, track.status);
        item.contextValue = `track.${track.status}`;
        item.accessibilityInformation = { label: `${track.name}, ${track.status}, priority ${track.priority}, ${track.progress_percentage} percent` };
        item.command = { command: 'trackManager.showTrackDetails', title: 'Show Track Details', arguments: [node] };
        return item;
      }
      case 'detail': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.id = `detail:${base}:${node.trackId}:${node.key}`;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.tooltip = node.tooltip ? `${node.tooltip}: ${node.label}` : node.label;
        item.contextValue = 'detail';
        return item;
      }
      case 'section': {
        const labels: Record<Section, string> = { criteria: 'Success criteria', checkpoints: 'Checkpoints', runs: 'Workflow runs', artifacts: 'Artifacts' };
        const icons: Record<Section, string> = { criteria: 'checklist', checkpoints: 'history', runs: 'run-all', artifacts: 'files' };
        const item = new vscode.TreeItem(labels[node.section], vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `section:${base}:${node.trackId}:${node.section}`;
        item.description = String(node.count);
        item.iconPath = new vscode.ThemeIcon(icons[node.section]);
        item.contextValue = `section.${node.section}`;
        return item;
      }
      case 'checkpoint': {
        const { checkpoint } = node;
        const label = checkpoint.name ?? checkpoint.description ?? checkpoint.event ?? checkpoint.snapshot_id;
        const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
        item.id = `checkpoint:${base}:${node.trackId}:${checkpoint.snapshot_id}`;
        item.description = `${checkpoint.type === 'recovery' ? 'saved before a restore · ' : ''}${ago(checkpoint.created_at)}`;
        item.tooltip = new vscode.MarkdownString(`**${label}**\n\n\`${checkpoint.snapshot_id}\`\n\n${localTime(checkpoint.created_at)}${checkpoint.event ? ` · ${checkpoint.event}` : ''}`);
        item.iconPath = new vscode.ThemeIcon(checkpoint.type === 'recovery' ? 'discard' : 'history');
        item.contextValue = 'checkpoint';
        return item;
      }
      case 'run': {
        const item = runTreeItem(node.run);
        item.id = `run:${base}:${node.run.run_id}`;
        item.command = { command: 'trackManager.showTrackDetails', title: 'Show Run Details', arguments: [node] };
        return item;
      }
      case 'artifact': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
        item.id = `artifact:${base}:${node.trackId}:${node.name}`;
        item.resourceUri = vscode.Uri.file(node.path);
        item.iconPath = vscode.ThemeIcon.File;
        item.command = { command: 'vscode.open', title: 'Open Artifact', arguments: [vscode.Uri.file(node.path)] };
        item.contextValue = 'artifact';
        return item;
      }
      case 'problem': {
        const item = new vscode.TreeItem(`Cannot read ${vscode.workspace.asRelativePath(node.file)}`, vscode.TreeItemCollapsibleState.None);
        item.id = `problem:${base}:${node.file}`;
        item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        item.tooltip = node.message;
        item.description = 'Run doctor';
        item.contextValue = 'problem';
        return item;
      }
    }
  }

  /** The track tooltip needs the full record: read it only when the user hovers. */
  async resolveTreeItem(item: vscode.TreeItem, node: TreeNode): Promise<vscode.TreeItem> {
    if (node.kind !== 'track' || this.marks.damagedTrack(node.folder, node.track.track_id)) return item;
    try {
      const details = await this.detailsOf(node.folder, node.track.track_id);
      item.tooltip = trackTooltip(details.track, details.checkpoints, await workedTime(this.stores, node.folder, details.track));
    } catch (error) {
      item.tooltip = editorMessage(toTrackError(error));
    }
    return item;
  }

  /** Redraws the rows from what was read (marks changed; nothing to re-read). */
  redraw(): void {
    this.changed.fire(undefined);
  }

  /** Needed by TreeView.reveal: a run's parent is its track's Workflow runs section, and so on up. */
  async getParent(node: TreeNode): Promise<TreeNode | undefined> {
    const multiRoot = this.stores.folders().length > 1;
    switch (node.kind) {
      case 'folder':
        return undefined;
      case 'group':
        return multiRoot ? { kind: 'folder', folder: node.folder } : undefined;
      case 'track': {
        const { tracks } = await this.state(node.folder);
        const count = tracks.filter((t) => t.status === node.track.status && this.matches(t)).length;
        return { kind: 'group', folder: node.folder, status: node.track.status, count };
      }
      case 'problem':
        return multiRoot ? { kind: 'folder', folder: node.folder } : undefined;
      default: {
        const track = await this.trackNode(node.folder, node.trackId);
        if (!track) return undefined;
        if (node.kind === 'section' || (node.kind === 'detail' && !node.key.startsWith('criterion-'))) return track;
        const section: Section = node.kind === 'checkpoint' ? 'checkpoints' : node.kind === 'run' ? 'runs' : node.kind === 'artifact' ? 'artifacts' : 'criteria';
        const details = await this.detailsOf(node.folder, node.trackId).catch(() => undefined);
        const counts: Record<Section, number> = {
          criteria: details?.track.context.success_criteria.length ?? 0,
          checkpoints: details?.checkpoints.length ?? 0,
          runs: details?.runs.length ?? 0,
          artifacts: details?.artifacts.length ?? 0,
        };
        return { kind: 'section', folder: node.folder, trackId: node.trackId, section, count: counts[section] };
      }
    }
  }

  /** The row of a workflow run, as getChildren builds it (for reveal). */
  async runNode(folder: vscode.WorkspaceFolder, trackId: string, runId: string): Promise<TreeNode | undefined> {
    const details = await this.detailsOf(folder, trackId).catch(() => undefined);
    const run = details?.runs.find((r) => r.run_id === runId);
    return run ? { kind: 'run', folder, trackId, run } : undefined;
  }

  dispose(): void {
    this.changed.dispose();
    this.loaded.dispose();
    this.rowsProvided.dispose();
  }
}

function byPriorityThenUpdate(a: TrackSummary, b: TrackSummary): number {
  return compareText(a.priority, b.priority) || compareText(b.updated_at, a.updated_at);
}

/** `worked`: the track's worked time (the one time figure shown), or null when it cannot be read. */
export function trackTooltip(track: Track, checkpoints: readonly CheckpointEntry[] = [], worked: string | null = null): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${escape(track.name)}** — ${STATUS_LABEL[track.status]}\n\n`);
  md.appendMarkdown(`${escape(track.context.goal)}\n\n`);
  const pauseReason = track.status === 'paused' ? reasonFor(track, 'paused') : undefined;
  if (pauseReason) md.appendMarkdown(`*Paused because:* ${escape(pauseReason)}\n\n`);
  md.appendMarkdown('| | |\n|---|---|\n');
  md.appendMarkdown(`| Type | ${track.type} |\n| Priority | ${track.priority} |\n| Progress | ${track.progress.percentage}% |\n`);
  md.appendMarkdown(`| Created | ${localTime(track.created_at)} |\n| Updated | ${localTime(track.updated_at)} |\n`);
  if (worked) md.appendMarkdown(`| Time worked | ${worked} (${IDLE_NOT_COUNTED}) |\n`);
  md.appendMarkdown(`| Last checkpoint | ${escape(lastCheckpointText(track, checkpoints))} |\n\n`);
  md.appendMarkdown(`\`${track.track_id}\``);
  return md;
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
