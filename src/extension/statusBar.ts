import * as vscode from 'vscode';
import type { Track } from '../core/model/schemas';
import { workedTimeLine } from './contextRows';
import type { StoreService } from './storeService';

/**
 * `$(target) <active track> · P1 · 45%`; a click opens Switch Track. Hidden by a setting. In a
 * multi-root workspace it shows the active track of the focused editor's folder (else the first
 * folder with one), and the tooltip lists every folder's active track.
 */
export class ActiveTrackStatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('trackManager.activeTrack', vscode.StatusBarAlignment.Left, 50);
  private readonly subscriptions: vscode.Disposable[];
  private actives: Array<{ folder: vscode.WorkspaceFolder; track: Track | null; worked: string | null }> = [];
  /** The folder whose track the item shows now (undefined: none has an active track). */
  shownFolder: vscode.WorkspaceFolder | undefined;

  /** A retry after a read that failed (a writer holding the lock, a file mid-repair): one pending at a time. */
  private retry: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(private readonly stores: StoreService, private readonly log?: vscode.LogOutputChannel) {
    this.item.name = 'Active Track';
    this.item.command = 'trackManager.switchTrack';
    this.item.text = '$(circle-slash) No active track';
    this.item.tooltip = 'No track is active · click to activate or switch to one';
    this.subscriptions = [
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('trackManager.showStatusBar')) this.applyVisibility();
      }),
      // Focusing an editor of another folder shows that folder's track: no store read needed.
      vscode.window.onDidChangeActiveTextEditor(() => this.render()),
    ];
    this.applyVisibility();
  }

  get visible(): boolean {
    return vscode.workspace.getConfiguration('trackManager').get<boolean>('showStatusBar', true);
  }

  private applyVisibility(): void {
    if (this.visible) this.item.show();
    else this.item.hide();
  }

  async refresh(): Promise<void> {
    const folders = this.stores.folders();
    const previous = this.actives;
    let failed = false;
    // Read once per refresh: focusing another editor only re-renders what was read here.
    this.actives = await Promise.all(folders.map(async (folder) => {
      let track: Track | null;
      try {
        track = await this.stores.storeFor(folder).getActiveTrack();
      } catch (error) {
        // Shown as it was until a read succeeds: a failed read is no news about the active track.
        failed = true;
        this.log?.warn(`Status bar: could not read the active track of ${folder.name}; trying again shortly. ${error instanceof Error ? error.message : String(error)}`);
        track = previous.find((entry) => sameFolder(entry.folder, folder))?.track ?? null;
      }
      return { folder, track, worked: track ? await workedTimeLine(this.stores, folder, track).catch(() => null) : null };
    }));
    this.render();
    if (failed) this.retrySoon();
  }

  private retrySoon(): void {
    if (this.retry || this.disposed) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.refresh();
    }, 1000);
  }

  /** The folder of the focused editor, if it belongs to one of the workspace's folders. */
  private focusedFolder(): vscode.WorkspaceFolder | undefined {
    const uri = vscode.window.activeTextEditor?.document.uri;
    return uri ? vscode.workspace.getWorkspaceFolder(uri) : undefined;
  }

  private render(): void {
    const multiRoot = this.actives.length > 1;
    const focused = this.focusedFolder();
    const focusedEntry = focused && this.actives.find((entry) => sameFolder(entry.folder, focused));
    // A folder added since the last read: read it (its track is not known yet).
    if (focused && !focusedEntry && this.stores.folders().some((folder) => sameFolder(folder, focused))) this.retrySoon();
    const shown = focusedEntry ?? this.actives.find((entry) => entry.track);
    const active = shown?.track;
    this.shownFolder = active ? shown.folder : undefined;
    if (!active) {
      this.item.text = '$(circle-slash) No active track';
      const others = this.actives.filter((entry) => entry.track);
      this.item.tooltip = multiRoot && focusedEntry && others.length
        ? this.listTooltip(`No track is active in ${focusedEntry.folder.name} · click to activate or switch to one`)
        : 'No track is active · click to activate or switch to one';
      this.item.accessibilityInformation = { label: multiRoot && focusedEntry ? `No active track in ${focusedEntry.folder.name}` : 'No active track' };
      return;
    }
    this.item.text = `$(target) ${active.name} · ${active.priority} · ${active.progress.percentage}%`;
    if (multiRoot) {
      this.item.tooltip = this.listTooltip(`${shown.worked ? `${shown.worked} · ` : ''}click to switch track`);
    } else {
      const tooltip = new vscode.MarkdownString();
      tooltip.appendMarkdown(`**${escape(active.name)}**\n\n`);
      tooltip.appendText(active.context.goal);
      // Only the worked time: the time since activation would count nights and closed windows.
      tooltip.appendMarkdown(`\n\n${shown.worked ? `${shown.worked} · ` : ''}click to switch track`);
      this.item.tooltip = tooltip;
    }
    this.item.accessibilityInformation = {
      label: `Active track ${active.name}${multiRoot ? ` in ${shown.folder.name}` : ''}, ${active.priority}, ${active.progress.percentage} percent`,
    };
  }

  /** Every folder's active track, the one shown first. */
  private listTooltip(footer: string): vscode.MarkdownString {
    const tooltip = new vscode.MarkdownString();
    tooltip.appendMarkdown('**Active tracks**\n\n');
    for (const { folder, track } of this.actives) {
      const marker = folder.uri.toString() === this.shownFolder?.uri.toString() ? '$(target) ' : '';
      tooltip.appendMarkdown(`- ${marker}${escape(folder.name)}: ${track ? `**${escape(track.name)}** · ${track.priority} · ${track.progress.percentage}%` : '*none*'}\n`);
    }
    tooltip.supportThemeIcons = true;
    tooltip.appendMarkdown(`\n${footer}`);
    return tooltip;
  }

  dispose(): void {
    this.disposed = true;
    if (this.retry) clearTimeout(this.retry);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.item.dispose();
  }
}

function sameFolder(a: vscode.WorkspaceFolder, b: vscode.WorkspaceFolder): boolean {
  return a.uri.toString() === b.uri.toString();
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
