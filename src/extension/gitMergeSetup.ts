import * as vscode from 'vscode';
import type { GitSetupResult } from '../core/git-setup';
import { toTrackError } from '../core/model/errors';
import type { TrackActions } from './actions';
import type { PickItem, Prompter } from './prompter';
import type { StoreService } from './storeService';
import type { WorkspaceSetup } from './workspaceSetup';

type Choice = 'apply' | 'cancel';

/**
 * "Set Up Git Merge for Tracks": the editor's `init --git`. Through the core (setUpGitMerge) it
 * adds the .gitattributes line and registers the merge driver in the clone's git config, after a
 * preview of exactly what is written. The driver is the workspace runtime that "Set Up Workspace
 * for Agents" writes, so the set-up offers that first when the runtime is missing.
 */
export class GitMergeSetup {
  constructor(
    private readonly stores: StoreService,
    private readonly actions: TrackActions,
    private readonly ui: () => Prompter,
    private readonly log: vscode.LogOutputChannel,
    private readonly workspaceSetup: WorkspaceSetup,
  ) {}

  /** The command. Resolves with what was set up, or undefined when cancelled or impossible. */
  async setUp(folderArg?: vscode.WorkspaceFolder): Promise<GitSetupResult | undefined> {
    const folder = folderArg ?? (await this.actions.pickFolder());
    if (!folder) {
      await this.ui().message('info', 'Open a folder first: git merge is set up for the tracks of a workspace folder.');
      return undefined;
    }
    const store = this.stores.storeFor(folder);
    try {
      let driver = await store.workspaceMergeDriver();
      if (!driver.repository || !driver.driverCommand) {
        await this.ui().message('info', `${folder.name} is not in a git repository. Initialize one (Source Control view), then set up git merge again.`);
        return undefined;
      }
      if (!driver.runtimePresent) {
        const answer = await this.ui().message('info',
          `Git merges the tracks with Track Manager's runtime, which "Set Up Workspace for Agents" writes into ${folder.name} (commit it, so every clone has it). Set up the workspace first?`,
          'Set Up Workspace', 'Cancel');
        if (answer !== 'Set Up Workspace' || !(await this.workspaceSetup.setUp(folder))) return undefined;
        driver = await store.workspaceMergeDriver();
        if (!driver.runtimePresent || !driver.driverCommand) return undefined;
      }
      const preview = await store.setUpGitMerge({ driverCommand: driver.driverCommand, dryRun: true });
      if (!preview.gitattributes_changed && preview.config_set.length === 0) {
        await this.ui().message('info', `Git already merges the tracks of ${folder.name} field by field.`);
        return preview;
      }
      if ((await this.askToApply(folder, preview)) !== 'apply') return undefined;
      const result = await store.setUpGitMerge({ driverCommand: driver.driverCommand });
      this.log.info(`Set up git merge for ${folder.name}: ${result.gitattributes_changed ? `added "${result.attributes_line}" to ${result.gitattributes_file}; ` : ''}${result.config_set.map((entry) => `git config ${entry.key} "${entry.value}"`).join('; ')}`);
      void this.ui().message('info',
        `Git now merges the tracks of ${folder.name} field by field. Commit .gitattributes so every clone uses it; run this command once in each other clone (git settings stay in the clone).`);
      return result;
    } catch (error) {
      void this.actions.report(toTrackError(error), folder);
      return undefined;
    }
  }

  private async askToApply(folder: vscode.WorkspaceFolder, preview: GitSetupResult): Promise<Choice> {
    const writes = (preview.gitattributes_changed ? 1 : 0) + preview.config_set.length;
    const items: Array<PickItem<Choice>> = [
      {
        label: '$(check) Set Up Git Merge',
        description: `${writes} change${writes === 1 ? '' : 's'}`,
        detail: 'When both sides of a merge changed a track, the later change is kept and the other is noted on the track.',
        value: 'apply',
      },
      { label: '$(close) Cancel', value: 'cancel' },
      { label: 'Changes', kind: vscode.QuickPickItemKind.Separator },
      {
        label: `$(${preview.gitattributes_changed ? 'new-file' : 'check'}) .gitattributes`,
        description: preview.gitattributes_changed ? 'will gain a line' : 'already has the line',
        detail: preview.attributes_line,
      },
      ...preview.config_set.map((entry) => ({
        label: `$(gear) git config ${entry.key}`,
        description: 'this clone\'s settings',
        detail: entry.value,
      })),
    ];
    const chosen = await this.ui().pick(items, {
      title: `Set Up Git Merge for Tracks: ${folder.name}`,
      placeHolder: 'Review what is written, then choose Set Up Git Merge.',
      matchOnDetail: true,
      ignoreFocusOut: true,
    });
    return chosen?.value ?? 'cancel';
  }
}
