import * as vscode from 'vscode';
import type { StoreService } from './storeService';

/** Shows the active track of the first workspace folder that has one. */
export class ActiveTrackStatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('trackManager.activeTrack', vscode.StatusBarAlignment.Left, 50);

  constructor(private readonly stores: StoreService) {
    this.item.name = 'Active Track';
    this.item.text = '$(circle-slash) No active track';
    this.item.show();
  }

  async refresh(): Promise<void> {
    for (const folder of this.stores.folders()) {
      const active = await this.stores.storeFor(folder).getActiveTrack().catch(() => null);
      if (active) {
        this.item.text = `$(target) ${active.name} · ${active.priority} · ${active.progress.percentage}%`;
        this.item.tooltip = active.context.goal;
        return;
      }
    }
    this.item.text = '$(circle-slash) No active track';
    this.item.tooltip = 'No track is active';
  }

  dispose(): void {
    this.item.dispose();
  }
}
