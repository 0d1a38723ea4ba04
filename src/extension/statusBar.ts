import * as vscode from 'vscode';
import { appendWorkedTime } from './contextRows';
import { durationText } from './presentation';
import type { StoreService } from './storeService';
import { activeMs } from './tracksTree';

/** `$(target) <active track> · P1 · 45%`; a click opens Switch Track. Hidden by a setting. */
export class ActiveTrackStatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('trackManager.activeTrack', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;

  constructor(private readonly stores: StoreService) {
    this.item.name = 'Active Track';
    this.item.command = 'trackManager.switchTrack';
    this.item.text = '$(circle-slash) No active track';
    this.subscription = vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('trackManager.showStatusBar')) this.applyVisibility();
    });
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
    for (const folder of this.stores.folders()) {
      const active = await this.stores.storeFor(folder).getActiveTrack().catch(() => null);
      if (!active) continue;
      this.item.text = `$(target) ${active.name} · ${active.priority} · ${active.progress.percentage}%`;
      const tooltip = new vscode.MarkdownString();
      tooltip.appendMarkdown(`**${active.name}**${this.stores.folders().length > 1 ? ` (${folder.name})` : ''}\n\n`);
      tooltip.appendText(active.context.goal);
      tooltip.appendMarkdown(`\n\nActive for ${durationText(activeMs(active))} · click to switch track`);
      this.item.tooltip = await appendWorkedTime(this.stores, folder, active, tooltip);
      this.item.accessibilityInformation = { label: `Active track ${active.name}, ${active.priority}, ${active.progress.percentage} percent` };
      return;
    }
    this.item.text = '$(circle-slash) No active track';
    this.item.tooltip = 'No track is active · click to activate or switch to one';
    this.item.accessibilityInformation = { label: 'No active track' };
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
