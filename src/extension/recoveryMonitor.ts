import * as vscode from 'vscode';
import { recoveryCheckDue, type RecoveryWatch } from '../core/recovery';
import type { TrackActions } from './actions';
import { showStatus, type Prompter } from './prompter';
import type { StoreService } from './storeService';
import type { Interruption } from './treeMarks';

export type { Interruption } from './treeMarks';

/** How often the timer asks whether anything can have become interrupted (no file read). */
export const RECOVERY_TICK_MS = 2_000;

/**
 * Keeps interrupted work visible while it happens: detects after every change of the store, and
 * between changes a timer re-checks — but only reads the store when something can have changed
 * (a stale instant passed, a known agent process died; see recoveryCheckDue). New items are
 * announced once, by name: "OAuth Authentication was interrupted" [Resume] [Show in Tree] [Dismiss].
 */
export class RecoveryMonitor implements vscode.Disposable {
  private readonly announced = new Set<string>();
  private current: Interruption[] = [];
  private readonly watches = new Map<string, RecoveryWatch>();
  private readonly trackNames = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<Interruption[]>();
  /** After each detection: what is interrupted now. */
  readonly onDidDetect = this.changed.event;
  /** Every notification shown, for the log and the tests. */
  readonly announcements: Array<{ message: string; items: string[] }> = [];
  /** Timer ticks, and the detections (store reads) they caused: the tests and the log read them. */
  ticks = 0;
  tickDetections = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<Interruption[]> | undefined;
  private again = false;
  private readonly subscriptions: vscode.Disposable[] = [this.changed];

  constructor(
    private readonly stores: StoreService,
    private readonly actions: TrackActions,
    private readonly ui: () => Prompter,
    private readonly log: vscode.LogOutputChannel,
    /** Reveals and selects an item's row in the Tracks view. */
    private readonly reveal: (entry: Interruption) => Promise<void>,
    tickMs = RECOVERY_TICK_MS,
  ) {
    this.setTickInterval(tickMs);
    this.subscriptions.push(vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('trackManager.staleThresholdMinutes')) void this.check();
    }));
  }

  get interruptions(): readonly Interruption[] {
    return this.current;
  }

  /** The agent processes the timer watches (from the last detection). */
  watchedOwners(): number[] {
    return [...this.watches.values()].flatMap((watch) => watch.owner_pids);
  }

  setTickInterval(ms: number): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => this.tick(), ms);
    this.timer.unref?.();
  }

  /** One timer tick: decides from the last detection alone; reads the store only when due. */
  tick(now = Date.now()): boolean {
    this.ticks += 1;
    for (const watch of this.watches.values()) {
      if (recoveryCheckDue(watch, now)) {
        this.tickDetections += 1;
        void this.check();
        return true;
      }
    }
    return false;
  }

  private staleMinutes(folder: vscode.WorkspaceFolder): number {
    return vscode.workspace.getConfiguration('trackManager', folder.uri).get<number>('staleThresholdMinutes', 30);
  }

  /** Detects in every folder; announces what was not announced yet (or everything, when asked). */
  async check(options: { announceAll?: boolean } = {}): Promise<Interruption[]> {
    if (this.running) {
      this.again = true;
      await this.running;
      if (!this.again) return this.current;
    }
    this.again = false;
    this.running = this.detect(options);
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async detect(options: { announceAll?: boolean }): Promise<Interruption[]> {
    const found: Interruption[] = [];
    this.watches.clear();
    for (const folder of this.stores.folders()) {
      try {
        const { result, watch } = await this.stores.storeFor(folder).detectInterruptedWithWatch(this.staleMinutes(folder));
        found.push(...result.interrupted.map((item) => ({ folder, item })));
        this.watches.set(folder.uri.toString(), watch);
        for (const [id, name] of Object.entries(watch.track_names)) this.trackNames.set(`${folder.uri.toString()}#${id}`, name);
      } catch (error) {
        this.log.warn(`Recovery detection failed in ${folder.name}: ${(error as Error).message}`);
      }
    }
    this.current = found;
    this.changed.fire(found);
    const fresh = options.announceAll ? found : found.filter((entry) => !this.announced.has(keyOf(entry)));
    if (fresh.length > 0) void this.announce(fresh);
    return found;
  }

  /** How an item is named to people: the track's name, or the run's workflow and its track. */
  label(entry: Interruption): string {
    if (entry.item.kind === 'track') return entry.item.name;
    const track = this.trackNames.get(`${entry.folder.uri.toString()}#${entry.item.track_id}`) ?? 'its track';
    return `The ${entry.item.workflow} run of ${track}`;
  }

  private async announce(items: Interruption[]): Promise<void> {
    for (const entry of items) this.announced.add(keyOf(entry));
    const first = this.label(items[0]);
    const message = items.length === 1 ? `${first} was interrupted` : `${first} and ${items.length - 1} more were interrupted`;
    this.announcements.push({ message, items: items.map(keyOf) });
    this.log.info(`${message}: ${items.map(keyOf).join(', ')}`);
    const choice = await this.ui().message('warning', message, 'Resume', 'Show in Tree', 'Dismiss');
    if (choice === 'Resume') await this.resume(items);
    if (choice === 'Show in Tree') await this.reveal(items[0]);
  }

  /** Resumes one item, asking which when there are several. */
  async resume(items: readonly Interruption[] = this.current): Promise<void> {
    let chosen: Interruption | undefined = items[0];
    if (items.length > 1) {
      const picked = await this.ui().pick<Interruption>(
        items.map((entry) => ({
          label: `${entry.item.kind === 'track' ? '$(target)' : '$(run-all)'} ${this.label(entry)}`,
          description: entry.item.kind === 'track'
            ? `${entry.item.progress_percentage}% · ${entry.item.minutes_since_update} min ago`
            : `step ${entry.item.current_step}${entry.item.total_steps ? ` of ${entry.item.total_steps}` : ''} · ${entry.item.reason === 'owner-dead' ? 'its agent stopped' : `${entry.item.minutes_since_update} min ago`}`,
          value: entry,
        })),
        { placeHolder: 'Resume which interrupted work? (it restarts from its last checkpoint or completed step)' },
      );
      chosen = picked?.value;
    }
    if (chosen) await this.resumeOne(chosen);
  }

  async resumeOne(entry: Interruption): Promise<void> {
    const { folder, item } = entry;
    const name = this.label(entry);
    if (item.kind === 'track') {
      const result = await this.actions.run(`Recover "${name}"`, folder, (store) => store.recoverTrack(item.track_id));
      if (result) showStatus(this.ui(), `$(debug-continue) Resumed ${name} from its last checkpoint`);
    } else {
      const result = await this.actions.run(`Recover ${name}`, folder, (store) => store.recoverRun(item.run_id));
      if (result) showStatus(this.ui(), `$(debug-continue) ${name} resumed from step ${result.resumed_from_step}`);
    }
    this.announced.delete(keyOf(entry));
  }

  /** The inline Resume of an interrupted row. */
  async resumeNode(node: unknown): Promise<void> {
    const target = node as { kind?: string; folder?: vscode.WorkspaceFolder; track?: { track_id: string }; run?: { run_id: string } } | undefined;
    const entry = this.current.find((candidate) => candidate.folder.uri.toString() === target?.folder?.uri.toString() && (
      (target?.kind === 'track' && candidate.item.kind === 'track' && candidate.item.track_id === target.track?.track_id) ||
      (target?.kind === 'run' && candidate.item.kind === 'run' && candidate.item.run_id === target.run?.run_id)));
    if (entry) await this.resumeOne(entry);
    else await this.resume();
  }

  /** The palette command: detect now and say so even when nothing is found. */
  async detectNow(): Promise<void> {
    const found = await this.check({ announceAll: true });
    if (found.length === 0) await this.ui().message('info', 'No interrupted work: every active track and running workflow has been touched recently.');
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}

function keyOf(entry: Interruption): string {
  return `${entry.folder.uri.toString()}#${entry.item.kind === 'track' ? entry.item.track_id : entry.item.run_id}`;
}
