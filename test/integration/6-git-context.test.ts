import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrackManagerApi } from '../../src/extension/extension';
import { gitApi, repositoryFor } from '../../src/extension/gitApi';
import { vscodePrompter } from '../../src/extension/prompter';
import { activateExtension, cli, folders, ScriptedPrompter, trackNode, waitFor } from './helpers';

const RUNTIME = '.claude/skills/track-manager/track-manager-runtime.cjs';

/** An editor message: no CLI line, no raw track id. */
function assertEditorWording(text: string): void {
  assert.doesNotMatch(text, /`track |\btrack [a-z-]+ --|track-[a-z0-9-]+-\d{10,}/, text);
}

describe('git in the editor: merge set-up, stash on switch', function () {
  this.timeout(90_000);
  let api: TrackManagerApi;
  let ui: ScriptedPrompter;
  const folder = () => folders()[0];
  const root = () => folder().uri.fsPath;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root(), encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  const head = () => git('symbolic-ref', '--short', 'HEAD').trim();
  const commitAll = (message: string) => {
    git('add', '-A');
    if (git('status', '--porcelain').trim()) git('commit', '--quiet', '--no-verify', '-m', message);
  };
  const config = () => vscode.workspace.getConfiguration('trackManager', folder().uri);

  before(async () => {
    api = await activateExtension();
    if (!existsSync(path.join(root(), '.git'))) git('init', '--quiet', '--initial-branch=main');
    for (const [key, value] of [['user.name', 'Track Test'], ['user.email', 'track-test@example.invalid'], ['commit.gpgsign', 'false']]) git('config', key, value);
    await vscode.workspace.getConfiguration('git').update('enabled', true, vscode.ConfigurationTarget.Workspace);
    await waitFor(async () => (await gitApi()) ?? undefined, 'the git extension to be enabled', 20_000);
    await waitFor(async () => (await repositoryFor(folder())) ?? undefined, 'git to open the workspace repository', 20_000);
    const active = await cli(['get-active']);
    if (active) await cli(['pause', '--track-id', active.track_id, '--reason', 'git context tests']);
  });
  beforeEach(() => {
    ui = new ScriptedPrompter();
    api.setPrompter(ui);
  });
  after(async () => {
    api.setPrompter(vscodePrompter);
    await config().update('git.checkoutOnSwitch', undefined, vscode.ConfigurationTarget.Workspace);
    await config().update('restoreEditors', undefined, vscode.ConfigurationTarget.Workspace);
    rmSync(path.join(root(), '.claude', 'skills'), { recursive: true, force: true });
    rmSync(path.join(root(), '.claude', 'tools'), { recursive: true, force: true });
  });

  it('Set Up Git Merge for Tracks previews the .gitattributes line and git config, then a real merge uses the driver', async () => {
    const needsRuntime = !existsSync(path.join(root(), RUNTIME));
    // Without the workspace runtime, it offers the workspace set-up first (its own preview: Set Up).
    if (needsRuntime) {
      ui.messageAnswers.push('Set Up Workspace');
      ui.pickAnswers.push('Set Up');
      ui.messageAnswers.push(undefined); // the workspace set-up's "done" note
    }
    ui.pickAnswers.push('Set Up Git Merge');
    const result = await vscode.commands.executeCommand<{ attributes_line: string; gitattributes_changed: boolean }>('trackManager.setUpGitMerge', folder());
    assert.ok(result, `set up (messages: ${JSON.stringify(ui.messages)})`);
    const preview = ui.picks.find((pick) => pick.labels.some((label) => label.includes('Set Up Git Merge')));
    assert.ok(preview, 'a preview before anything is written');
    const details = preview.items.map((item) => `${item.label} ${item.detail ?? ''}`).join('\n');
    assert.match(details, /\.gitattributes \.claude\/conductor\/tracks\/\*\*\/\*\.json merge=track/);
    assert.match(details, /git config merge\.track\.driver node \.claude\/skills\/track-manager\/track-manager-runtime\.cjs merge-file %O %A %B %P/);
    assert.match(details, /git config merge\.track\.name/);
    for (const message of ui.messages) assertEditorWording(message.text);
    assert.match(readFileSync(path.join(root(), '.gitattributes'), 'utf8'), /^\.claude\/conductor\/tracks\/\*\*\/\*\.json merge=track$/m);
    assert.equal(git('config', '--get', 'merge.track.driver').trim(), 'node .claude/skills/track-manager/track-manager-runtime.cjs merge-file %O %A %B %P');
    assert.equal(git('check-attr', 'merge', '--', '.claude/conductor/tracks/x/track.json').trim(), '.claude/conductor/tracks/x/track.json: merge: track');
    // Run again: nothing left to do, nothing asked.
    ui.messages.length = 0;
    const picksBefore = ui.picks.length;
    await vscode.commands.executeCommand('trackManager.setUpGitMerge', folder());
    assert.equal(ui.picks.length, picksBefore);
    assert.match(ui.lastMessage()?.text ?? '', /already merges/);

    // A real merge through the registered driver: one side activates X, the other changes its priority.
    const x = (await cli(['create', '--name', 'Merge Target', '--type', 'feature', '--goal', 'g', '--ready'])).track_id;
    commitAll('merge base');
    const base = head();
    git('checkout', '--quiet', '-b', 'side-priority');
    await cli(['update', '--track-id', x, '--field', 'priority', '--value', 'P0']);
    commitAll('X is urgent');
    git('checkout', '--quiet', base);
    await cli(['activate', '--track-id', x]);
    commitAll('activate X');
    const merged = git('merge', '--no-edit', 'side-priority');
    assert.doesNotMatch(merged, /CONFLICT/);
    const track = JSON.parse(readFileSync(path.join(root(), '.claude', 'conductor', 'tracks', x, 'track.json'), 'utf8')) as { status: string; priority: string };
    assert.deepEqual([track.status, track.priority], ['active', 'P0'], 'both sides\' changes merged field by field');
    await cli(['pause', '--track-id', x, '--reason', 'merge test done']);
    commitAll('merge test done');
  });

  it('a switch refused by local changes asks; Cancel changes nothing; Stash Changes and Switch stashes under the track left; coming back offers them', async () => {
    await config().update('git.checkoutOnSwitch', 'always', vscode.ConfigurationTarget.Workspace);
    await config().update('restoreEditors', 'never', vscode.ConfigurationTarget.Workspace);
    const start = head();
    writeFileSync(path.join(root(), 'shared.txt'), 'base\n');
    commitAll('shared base');
    git('checkout', '--quiet', '-b', 'feature/stash-two');
    writeFileSync(path.join(root(), 'shared.txt'), 'two\n');
    commitAll('shared on two');
    git('checkout', '--quiet', start);
    const one = (await cli(['create', '--name', 'Stash One', '--type', 'feature', '--goal', 'g', '--ready', '--branch', start])).track_id;
    const two = (await cli(['create', '--name', 'Stash Two', '--type', 'feature', '--goal', 'g', '--ready', '--branch', 'feature/stash-two'])).track_id;
    await api.actions.switchTo(folder(), one);
    assert.equal((await cli(['get-active']))?.track_id, one);
    writeFileSync(path.join(root(), 'shared.txt'), 'local edit\n');

    ui.messageAnswers.push('Cancel');
    await api.actions.switchTo(folder(), two);
    const asked = ui.messages.find((message) => message.buttons.includes('Stash Changes and Switch'));
    assert.ok(asked, `asked (messages: ${JSON.stringify(ui.messages)})`);
    assert.deepEqual(asked.buttons, ['Stash Changes and Switch', 'Switch Without Checking Out', 'Cancel']);
    assertEditorWording(asked.text);
    assert.equal((await cli(['get-active']))?.track_id, one, 'Cancel: the track did not change');
    assert.equal(head(), start);
    assert.equal(readFileSync(path.join(root(), 'shared.txt'), 'utf8'), 'local edit\n');
    assert.equal(git('stash', 'list').trim(), '');

    ui.messages.length = 0;
    ui.messageAnswers.push('Stash Changes and Switch');
    await api.actions.switchTo(folder(), two);
    assert.equal((await cli(['get-active']))?.track_id, two);
    assert.equal(head(), 'feature/stash-two');
    assert.equal(readFileSync(path.join(root(), 'shared.txt'), 'utf8'), 'two\n');
    const stashes = git('stash', 'list', '--format=%gs');
    assert.match(stashes, new RegExp(`track-manager: ${one} \\(Stash One\\) on ${start}`), 'stashed under the track left');
    assert.doesNotMatch(git('stash', 'show', '--include-untracked', '--name-only', 'stash@{0}'), /\.claude\/conductor/, 'the store is never stashed');
    for (const message of ui.messages) assertEditorWording(message.text);

    ui.messages.length = 0;
    ui.messageAnswers.push('Restore Stashed Changes');
    await api.actions.switchTo(folder(), one);
    assert.equal((await cli(['get-active']))?.track_id, one);
    assert.equal(head(), start);
    const offer = ui.messages.find((message) => message.buttons.includes('Restore Stashed Changes'));
    assert.ok(offer, `offered (messages: ${JSON.stringify(ui.messages)})`);
    assert.match(offer.text, /"Stash One"/);
    assertEditorWording(offer.text);
    assert.equal(readFileSync(path.join(root(), 'shared.txt'), 'utf8'), 'local edit\n', 'the stashed edit is back');
    assert.equal(git('stash', 'list').trim(), '');

    // Switch Without Checking Out: the track changes, the repository and the edit stay.
    ui.messages.length = 0;
    ui.messageAnswers.push('Switch Without Checking Out');
    await api.actions.switchTo(folder(), two);
    assert.equal((await cli(['get-active']))?.track_id, two);
    assert.equal(head(), start);
    assert.equal(readFileSync(path.join(root(), 'shared.txt'), 'utf8'), 'local edit\n');
    git('checkout', '--', 'shared.txt');
    await cli(['pause', '--track-id', two, '--reason', 'stash test done']);
  });

  // A watcher event for a track file that the index does not explain (a pull, a hand edit) makes the
  // editor forget its cached index view, so paused tracks changed by git show too (3-live tests the same
  // without git).
  it('after a pull that changes a paused track\'s file, the tree shows the change with no manual refresh', async () => {
    const pulled = (await cli(['create', '--name', 'Pulled Track', '--type', 'feature', '--goal', 'g', '--ready'])).track_id;
    await cli(['activate', '--track-id', pulled]);
    await cli(['pause', '--track-id', pulled, '--reason', 'before the pull']);
    commitAll('pulled base');
    const start = head();
    git('checkout', '--quiet', '-b', 'teammate');
    // A teammate's commit: only the track's own file (teams do not commit the registry, an index).
    const file = path.join(root(), '.claude', 'conductor', 'tracks', pulled, 'track.json');
    const track = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, `${JSON.stringify({ ...track, name: 'Pulled Track Renamed', priority: 'P0', updated_at: new Date().toISOString() }, null, 2)}\n`);
    git('commit', '--quiet', '--no-verify', '-m', 'teammate renames the track', '--', file);
    git('checkout', '--quiet', start);
    await waitFor(async () => trackNode(api, 'Pulled Track').catch(() => undefined), 'the tree to show the track before the pull', 15_000);
    git('merge', '--quiet', '--ff-only', 'teammate'); // what `git pull` does to the working tree
    const shown = () => trackNode(api, 'Pulled Track Renamed').catch(() => undefined);
    const seen = await waitFor(shown, 'the tree to show the pulled change', 10_000).catch(() => undefined);
    if (!seen) {
      await vscode.commands.executeCommand('trackManager.refresh');
      const afterRefresh = await waitFor(shown, 'the tree after Refresh', 5_000).catch(() => undefined);
      assert.fail(`the pulled change to a paused track did not show by itself; after the Refresh command: ${afterRefresh ? 'shown' : 'still not shown'}`);
    }
    const node = seen;
    assert.equal(node.track.priority, 'P0');
    assert.equal(node.track.status, 'paused');
  });
});
