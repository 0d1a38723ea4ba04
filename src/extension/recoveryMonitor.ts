import * as vscode from 'vscode';
import { formatDetectReport, type InterruptedItem } from '../core/recovery';
import type { TrackActions } from './actions';
import type { PickItem, Prompter } from './prompter';
import type { StoreService } from './storeService';

export interface Interruption {
  folder: vscode.WorkspaceFolder;
  item: InterruptedItem;
}

const REPORT_SCHEME = 'track-manager-report';

/**
 * Looks for interrupted work on activation and after every change, shows the count as a badge on
 * the view, and announces new items once per session: "Detected 2 interrupted session(s)".
 */
export class RecoveryMonitor implements vscode.Disposable {
  private readonly announced = new Set<string>();
  private current: Interruption[] = [];
  private report = '';
  private readonly changed = new vscode.EventEmitter<Interruption[]>();
  /** After each detection: what is interrupted now. */
  readonly onDidDetect = this.changed.event;
  /** Every notification shown, for the log and the tests. */
  readonly announcements: Array<{ message: string; items: string[] }> = [];
  private readonly reportChanged = new vscode.EventEmitter<vscode.Uri>();
  private readonly subscriptions: vscode.Disposable[] = [this.changed, this.reportChanged];
  private provider: vscode.Disposable | undefined;

  constructor(
    private readonly stores: StoreService,
    private readonly actions: TrackActions,
    private readonly ui: () => Prompter,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get interruptions(): readonly Interruption[] {
    return this.current;
  }

  private staleMinutes(folder: vscode.WorkspaceFolder): number {
    return vscode.workspace.getConfiguration('trackManager', folder.uri).get<number>('staleThresholdMinutes', 30);
  }

  /** Detects in every folder; announces what was not announced yet (or everything, when asked). */
  async check(options: { announceAll?: boolean } = {}): Promise<Interruption[]> {
    const found: Interruption[] = [];
    const reports: string[] = [];
    for (const folder of this.stores.folders()) {
      try {
        const result = await this.stores.storeFor(folder).detectInterrupted(this.staleMinutes(folder));
        found.push(...result.interrupted.map((item) => ({ folder, item })));
        if (result.count > 0) reports.push(`${this.stores.folders().length > 1 ? `# ${folder.name}\n\n` : ''}${formatDetectReport(result, new Date())}`);
      } catch (error) {
        this.log.warn(`Recovery detection failed in ${folder.name}: ${(error as Error).message}`);
      }
    }
    this.current = found;
    this.report = reports.join('\n') || 'No interrupted sessions detected.\n';
    this.reportChanged.fire(vscode.Uri.parse(`${REPORT_SCHEME}:/Interrupted work.md`));
    this.changed.fire(found);
    const fresh = options.announceAll ? found : found.filter((entry) => !this.announced.has(keyOf(entry)));
    if (fresh.length > 0) void this.announce(fresh);
    return found;
  }

  private async announce(items: Interruption[]): Promise<void> {
    for (const entry of items) this.announced.add(keyOf(entry));
    const message = `Detected ${items.length} interrupted session(s)`;
    this.announcements.push({ message, items: items.map(keyOf) });
    this.log.info(`${message}: ${items.map(keyOf).join(', ')}`);
    const choice = await this.ui().message('warning', message, 'Resume', 'Show', 'Dismiss');
    if (choice === 'Resume') await this.resume(items);
    if (choice === 'Show') await this.show();
  }

  async show(): Promise<void> {
    // Registered on first use: nothing of it is needed to activate.
    this.provider ??= vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, {
      onDidChange: this.reportChanged.event,
      provideTextDocumentContent: () => this.report,
    });
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(`${REPORT_SCHEME}:/Interrupted work.md`));
    await vscode.window.showTextDocument(document, { preview: true });
  }

  /** Resumes one item, asking which when there are several. */
  async resume(items: Interruption[] = this.current): Promise<void> {
    let chosen: Interruption | undefined = items[0];
    if (items.length > 1) {
      const picked = await this.ui().pick<Interruption>(
        items.map((entry) => ({
          label: entry.item.kind === 'track' ? `$(target) ${entry.item.name}` : `$(run-all) ${entry.item.run_id}`,
          description: entry.item.kind === 'track' ? `${entry.item.progress_percentage}% · ${entry.item.minutes_since_update} min ago` : `${entry.item.workflow} · step ${entry.item.current_step}`,
          value: entry,
        })) as Array<PickItem<Interruption>>,
        { placeHolder: 'Resume which interrupted session? (restores its newest checkpoint or snapshot)' },
      );
      chosen = picked?.value;
    }
    if (!chosen) return;
    const { folder, item } = chosen;
    const result = item.kind === 'track'
      ? await this.actions.run(`Recover "${item.name}"`, folder, (store) => store.recoverTrack(item.track_id))
      : await this.actions.run(`Recover run ${item.run_id}`, folder, (store) => store.recoverRun(item.run_id));
    if (result) await this.ui().message('info', item.kind === 'track' ? `Resumed "${item.name}" from its last checkpoint.` : `Resumed ${item.run_id} from step ${(result as { resumed_from_step: number }).resumed_from_step}.`);
  }

  /** The palette command: detect now and say so even when nothing is found. */
  async detectNow(): Promise<void> {
    const found = await this.check({ announceAll: true });
    if (found.length === 0) await this.ui().message('info', 'No interrupted work: every active track and running workflow has been touched recently.');
  }

  dispose(): void {
    this.provider?.dispose();
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}

function keyOf(entry: Interruption): string {
  return `${entry.folder.uri.toString()}#${entry.item.kind === 'track' ? entry.item.track_id : entry.item.run_id}`;
}
