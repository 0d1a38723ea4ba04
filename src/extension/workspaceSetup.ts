import * as path from 'node:path';
import * as vscode from 'vscode';
import { toTrackError } from '../core/model/errors';
import { applyInitPlan, conflictsOf, detectOriginalSetup, planWorkspaceSetup, type InitPlan, type InitPlanEntry, type InitResult } from '../core/init';
import type { TrackActions } from './actions';
import type { PickItem, Prompter } from './prompter';
import type { StoreService } from './storeService';

/** Remembered per workspace: the offer to set up is made once, whatever the answer. */
export const SETUP_OFFERED_KEY = 'trackManager.setupOffered';

const ACTION_ICON: Record<InitPlanEntry['action'], string> = {
  create: '$(new-file)', upgrade: '$(arrow-up)', unchanged: '$(check)', leave: '$(circle-slash)', 'move-aside': '$(arrow-swap)',
};
const ACTION_WORDS: Record<InitPlanEntry['action'], string> = {
  create: 'will be written', upgrade: 'will be upgraded', unchanged: 'already up to date', leave: 'left as it is', 'move-aside': 'theirs kept as .orig, ours written',
};

type Choice = 'apply' | 'force' | 'cancel';

/**
 * "Set Up Workspace for Agents": the editor's `track init`. It previews the core's plan (every
 * file, what happens to it and why), then applies it; and it offers itself once in a workspace that
 * holds the original track-manager's scripts or a store in the original format.
 */
export class WorkspaceSetup {
  /** The offer check started at activation (tests await it). */
  lastOffer: Promise<boolean> = Promise.resolve(false);

  constructor(
    private readonly stores: StoreService,
    private readonly actions: TrackActions,
    private readonly ui: () => Prompter,
    private readonly log: vscode.LogOutputChannel,
    private readonly state: vscode.Memento,
    private readonly version: string,
    private readonly changed: (folder: vscode.WorkspaceFolder) => void,
  ) {}

  private plan(folder: vscode.WorkspaceFolder, force: boolean): Promise<InitPlan> {
    return planWorkspaceSetup({
      workspaceRoot: folder.uri.fsPath,
      conductorDir: this.stores.conductorPath(folder),
      version: this.version,
      force,
    });
  }

  /** The command. Resolves with what was done, or undefined when cancelled or failed. */
  async setUp(folderArg?: vscode.WorkspaceFolder): Promise<InitResult | undefined> {
    const folder = folderArg ?? (await this.actions.pickFolder());
    if (!folder) {
      await this.ui().message('info', 'Open a folder first: the agents\' scripts are set up in a workspace folder.');
      return undefined;
    }
    try {
      const preview = await this.plan(folder, false);
      const choice = await this.askToApply(folder, preview);
      if (choice === 'cancel') return undefined;
      const plan = choice === 'force' ? await this.plan(folder, true) : preview;
      this.log.info(`Set up workspace for agents in ${folder.name}${choice === 'force' ? ' (moving theirs aside)' : ''}`);
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Track Manager: setting up the workspace' }, () => applyInitPlan(plan));
      for (const file of result.files) this.log.info(`  ${file.action} ${file.path}${file.moved_to ? ` → ${file.moved_to}` : ''}: ${file.reason}`);
      this.changed(folder);
      void this.reportDone(folder, result);
      return result;
    } catch (error) {
      void this.actions.report(toTrackError(error), folder);
      return undefined;
    }
  }

  private async askToApply(folder: vscode.WorkspaceFolder, plan: InitPlan): Promise<Choice> {
    const count = (action: InitPlanEntry['action']) => plan.entries.filter((entry) => entry.action === action).length;
    const writes = count('create') + count('upgrade');
    const theirs = conflictsOf(plan);
    const items: Array<PickItem<Choice>> = [
      {
        label: '$(check) Set Up',
        description: writes === 0 ? 'nothing to write' : `write ${writes} file${writes === 1 ? '' : 's'}`,
        detail: theirs.length > 0 ? `Leaves ${theirs.length} file${theirs.length === 1 ? '' : 's'} Track Manager did not write: agents running them keep using them.` : 'Agents following the usage guide will run Track Manager.',
        value: 'apply',
      },
    ];
    if (theirs.length > 0) {
      items.push({
        label: '$(arrow-swap) Set Up and Move Theirs Aside',
        description: 'keep each as <name>.orig',
        detail: `Replaces ${theirs.map((entry) => path.posix.basename(entry.path)).join(', ')} with Track Manager's; the originals stay beside them.`,
        value: 'force',
      });
    }
    items.push({ label: '$(close) Cancel', value: 'cancel' });
    items.push({ label: 'Files', kind: vscode.QuickPickItemKind.Separator });
    for (const entry of plan.entries) {
      items.push({
        label: `${ACTION_ICON[entry.action]} ${entry.path}`,
        description: ACTION_WORDS[entry.action],
        detail: entry.action === 'create' || entry.action === 'upgrade' ? entry.purpose : entry.reason,
      });
    }
    const chosen = await this.ui().pick(items, {
      title: `Set Up Workspace for Agents: ${folder.name}`,
      placeHolder: 'Track Manager will write the usage guide\'s scripts, run by Track Manager. Review the files, then choose Set Up.',
      matchOnDetail: true,
      ignoreFocusOut: true,
    });
    return chosen?.value ?? 'cancel';
  }

  private async reportDone(folder: vscode.WorkspaceFolder, result: InitResult): Promise<void> {
    const written = result.files.filter((file) => file.action === 'create' || file.action === 'upgrade' || file.action === 'move-aside').length;
    if (result.left.length > 0) {
      const choice = await this.ui().message('warning',
        `Set up ${folder.name} for agents, but left ${result.left.length} file${result.left.length === 1 ? '' : 's'} Track Manager did not write (${result.left.map((file) => path.posix.basename(file)).join(', ')}). Agents running them do not use Track Manager.`,
        'Move Theirs Aside', 'Show Log');
      if (choice === 'Move Theirs Aside') await this.applyForced(folder);
      else if (choice === 'Show Log') this.log.show();
      return;
    }
    const choice = await this.ui().message('info',
      written === 0 ? `${folder.name} is already set up for agents.` : `Set up ${folder.name} for agents: ${written} file${written === 1 ? '' : 's'} written. Agents following the usage guide now run Track Manager.`,
      'Open SKILL.md');
    if (choice === 'Open SKILL.md') await vscode.window.showTextDocument(vscode.Uri.file(path.join(folder.uri.fsPath, '.claude', 'skills', 'track-manager', 'SKILL.md')));
  }

  private async applyForced(folder: vscode.WorkspaceFolder): Promise<void> {
    try {
      const result = await applyInitPlan(await this.plan(folder, true));
      this.changed(folder);
      void this.reportDone(folder, result);
    } catch (error) {
      void this.actions.report(toTrackError(error), folder);
    }
  }

  /**
   * Offers set-up once per workspace when a folder holds the original scripts or a store in the
   * original format. Resolves true when the offer was made.
   */
  offerIfOriginal(): Promise<boolean> {
    this.lastOffer = this.checkAndOffer().catch((error) => {
      this.log.warn(`Could not look for the original track-manager: ${(error as Error).message}`);
      return false;
    });
    return this.lastOffer;
  }

  private async checkAndOffer(): Promise<boolean> {
    if (this.state.get<boolean>(SETUP_OFFERED_KEY)) return false;
    for (const folder of this.stores.folders()) {
      const found = await detectOriginalSetup(folder.uri.fsPath, this.stores.conductorPath(folder));
      // A folder already set up is left alone: an original script back in it is someone's choice.
      if (found.setUp || (found.originalScripts.length === 0 && !found.originalStore)) continue;
      await this.state.update(SETUP_OFFERED_KEY, true);
      const what = found.originalScripts.length > 0
        ? `the original track-manager's scripts (${found.originalScripts.map((file) => path.posix.basename(file)).join(', ')})`
        : 'tracks written by the original track-manager';
      this.log.info(`${folder.name} holds ${what}; offering set-up`);
      const choice = await this.ui().message('info',
        `${folder.name} holds ${what}. Set it up so agents following the usage guide run Track Manager? You see every file before anything is written; yours are kept.`,
        'Set Up Workspace', 'Not Now');
      if (choice === 'Set Up Workspace') await this.setUp(folder);
      return true;
    }
    return false;
  }
}
