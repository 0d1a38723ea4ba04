import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrackManagerApi } from '../../src/extension/extension';
import { vscodePrompter } from '../../src/extension/prompter';
import { changesNothingShown } from '../../src/extension/storeWatcher';
import { readIndexAsOneDocument } from '../helpers/index-files';
import { activateExtension, allNodes, cli, folders, ScriptedPrompter, itemText, waitFor } from './helpers';
import type { Track } from '../../src/core/model/schemas';

describe('live refresh, recovery and a corrupt store', () => {
  let api: TrackManagerApi;
  let ui: ScriptedPrompter;
  before(async () => {
    api = await activateExtension();
    ui = new ScriptedPrompter();
    api.setPrompter(ui);
  });
  after(() => api.setPrompter(vscodePrompter));

  it('a track created by the CLI in a terminal shows up with no manual refresh (file watcher)', async () => {
    const latencies: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const name = `Watched Track ${i}`;
      const seen = new Promise<number>((resolve) => {
        const subscription = api.onDidRefresh(async () => {
          const found = (await allNodes(api)).some((n) => n.kind === 'track' && n.track.name === name);
          if (found) {
            subscription.dispose();
            resolve(Date.now());
          }
        });
      });
      await cli(['create', '--name', name, '--type', 'feature', '--goal', 'g']);
      const doneWriting = Date.now();
      const at = await Promise.race([seen, new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`${name} never appeared`)), 10_000))]);
      latencies.push(at - doneWriting);
    }
    latencies.sort((a, b) => a - b);
    console.log(`      CLI write → tree refreshed: median ${latencies[2]} ms, max ${latencies[4]} ms`);
  });

  it('a pull that changes a paused track\'s file (no index write) shows in the tree', async () => {
    const created = await cli(['create', '--name', 'Pulled Paused', '--type', 'feature', '--goal', 'g', '--ready']);
    const previous = await cli(['get-active']);
    await cli(['activate', '--track-id', created.track_id, '--force']);
    await cli(['pause', '--track-id', created.track_id, '--reason', 'pulled later']);
    if (previous) (await cli(['resume', '--track-id', previous.track_id]));
    await waitFor(async () => (await allNodes(api)).some((n) => n.kind === 'track' && n.track.name === 'Pulled Paused' && n.track.status === 'paused'), 'the paused track');
    // What a teammate's commit brings: the track file alone changes (renamed in place), the index not.
    const file = path.join(folders()[0].uri.fsPath, '.claude', 'conductor', 'tracks', created.track_id, 'track.json');
    const track = JSON.parse(readFileSync(file, 'utf8')) as Track;
    writeFileSync(file, JSON.stringify({ ...track, name: 'Pulled Paused Renamed', updated_at: new Date().toISOString() }, null, 2));
    await waitFor(async () => (await allNodes(api)).some((n) => n.kind === 'track' && n.track.name === 'Pulled Paused Renamed'), 'the pulled name in the tree');
  });

  it('one CLI write refreshes the views once (VS Code\'s later events for the same files are not a second change), and a hand edit in the same moment still shows', async () => {
    let refreshes = 0;
    const counting = api.onDidRefresh(() => { refreshes += 1; });
    try {
      await waitFor(async () => {
        const before = refreshes;
        await new Promise((resolve) => setTimeout(resolve, 600));
        return refreshes === before;
      }, 'the views to settle');
      refreshes = 0;
      await cli(['create', '--name', 'Refreshed Once', '--type', 'feature', '--goal', 'g']);
      await waitFor(async () => (await allNodes(api)).some((n) => n.kind === 'track' && n.track.name === 'Refreshed Once'), 'the new track');
      // VS Code's own watcher reports the write's files well within this (about 150 ms after it).
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(refreshes, 1, 'one refresh for one write');
    } finally {
      counting.dispose();
    }

    // An atomic write's temp file, seen created and then gone, is not a change of its own.
    assert.equal(changesNothingShown(vscode.Uri.file(path.join(folders()[0].uri.fsPath, '.claude', 'conductor', 'tracks', 'track-x', '.track.json.4242.7.0a1b2c3d.tmp'))), true);
    assert.equal(changesNothingShown(vscode.Uri.file(path.join(folders()[0].uri.fsPath, '.claude', 'conductor', 'tracks', 'track-x', 'track.json'))), false);

    // A teammate's pull changes a paused track's file right after an agent's write: the write's
    // refresh comes first, the pull's file must still be read when VS Code's watcher reports it.
    const paused = (await allNodes(api)).find((n) => n.kind === 'track' && n.track.name === 'Pulled Paused Renamed');
    assert.ok(paused && paused.kind === 'track');
    const file = path.join(folders()[0].uri.fsPath, '.claude', 'conductor', 'tracks', paused.track.track_id, 'track.json');
    await cli(['create', '--name', 'Written With A Pull', '--type', 'feature', '--goal', 'g']);
    const track = JSON.parse(readFileSync(file, 'utf8')) as Track;
    writeFileSync(file, JSON.stringify({ ...track, name: 'Pulled Again', updated_at: new Date().toISOString() }, null, 2));
    await waitFor(async () => (await allNodes(api)).some((n) => n.kind === 'track' && n.track.name === 'Pulled Again'), 'the pulled name in the tree');
  });

  it('the status bar follows a switch made by the CLI', async () => {
    const created = await cli(['create', '--name', 'Switched By CLI', '--type', 'bugfix', '--goal', 'g', '--priority', 'P3']);
    await cli(['switch', '--to', created.track_id]);
    await waitFor(() => api.statusBar.item.text === '$(target) Switched By CLI · P3 · 0%', 'the status bar to follow');
  });

  it('a status bar read that fails keeps the active track shown and is tried again by itself (nothing on disk in the store changes)', async () => {
    const created = await cli(['create', '--name', 'Read Retried', '--type', 'bugfix', '--goal', 'g', '--priority', 'P1']);
    const before = (await cli(['get-active']))!.track_id;
    await cli(['switch', '--to', created.track_id]);
    await waitFor(() => api.statusBar.item.text === '$(target) Read Retried · P1 · 0%', 'the status bar to show the track');
    // The track file becomes a link to a file outside the store: changes to that file make no event
    // in the store's folder, so only the status bar's own retry can see the file mended.
    const file = path.join(folders()[0].uri.fsPath, '.claude', 'conductor', 'tracks', created.track_id, 'track.json');
    const outside = path.join(mkdtempSync(path.join(tmpdir(), 'track-status-retry-')), 'track.json');
    const text = readFileSync(file, 'utf8');
    writeFileSync(outside, text);
    unlinkSync(file);
    symlinkSync(outside, file);
    // Counted as they finish, the retries included (they call refresh through the instance).
    const statusBar = api.statusBar as unknown as { refresh: () => Promise<void> };
    const original = statusBar.refresh.bind(api.statusBar);
    let refreshes = 0;
    statusBar.refresh = async () => {
      await original();
      refreshes += 1;
    };
    try {
      writeFileSync(outside, text.replace('"priority": "P1"', '"priority": 17'));
      const seen = refreshes;
      await cli(['create', '--name', 'Wakes The Status Bar', '--type', 'feature', '--goal', 'g']);
      await waitFor(() => refreshes > seen, 'a refresh after the write');
      // The write's later file events (VS Code's own watcher comes after the extension's) settle.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      assert.equal(api.statusBar.item.text, '$(target) Read Retried · P1 · 0%', 'a failed read is no news: the track stays shown');
      writeFileSync(outside, text.replace('"priority": "P1"', '"priority": "P0"'));
      await waitFor(() => api.statusBar.item.text === '$(target) Read Retried · P0 · 0%', 'the retry to read the mended file', 5_000);
    } finally {
      statusBar.refresh = original;
      unlinkSync(file);
      writeFileSync(file, readFileSync(outside, 'utf8'));
      await cli(['switch', '--to', before]);
    }
  });

  it('detects interrupted work, raises one notification with Resume/Show/Dismiss, badges the view, never twice', async () => {
    await vscode.workspace.getConfiguration('trackManager').update('staleThresholdMinutes', 0, vscode.ConfigurationTarget.Workspace);
    ui.messageAnswers.push('Dismiss');
    await api.recovery.check();
    await waitFor(() => api.recovery.announcements.length > 0, 'an announcement');
    const first = api.recovery.announcements.at(-1)!;
    assert.match(first.message, /^.+ (was interrupted|and \d+ more were interrupted)$/);
    assert.doesNotMatch(first.message, /track-|run-\d/, 'named, not ids');
    const notice = ui.messages.find((m) => m.text === first.message)!;
    assert.deepEqual(notice.buttons, ['Resume', 'Show in Tree', 'Dismiss']);
    assert.equal(api.view.badge?.value, api.recovery.interruptions.length);
    const count = api.recovery.announcements.length;
    await api.recovery.check();
    assert.equal(api.recovery.announcements.length, count, 'the same items are not announced twice');

    ui.messageAnswers.push('Resume');
    ui.pickAnswers.push((items) => items.find((item) => item.label.includes('Switched By CLI')));
    const checkpoint = await cli(['checkpoint', 'create', '--track-id', (await cli(['get-active']))!.track_id]);
    await vscode.commands.executeCommand('trackManager.detectInterrupted');
    await waitFor(() => ui.statuses.some((text) => text.includes('Resumed Switched By CLI')), 'the resume to finish');
    assert.ok(checkpoint.snapshot_id);
    await vscode.workspace.getConfiguration('trackManager').update('staleThresholdMinutes', undefined, vscode.ConfigurationTarget.Workspace);
    await api.recovery.check();
    assert.equal(api.view.badge, undefined);
  });

  it('a corrupt track file becomes an error row naming the file, the rest still shows, nothing crashes', async () => {
    const victim = await cli(['create', '--name', 'Soon Corrupt', '--type', 'custom', '--goal', 'g']);
    const file = path.join(folders()[0].uri.fsPath, '.claude', 'conductor', 'tracks', victim.track_id, 'track.json');
    const registry = path.join(folders()[0].uri.fsPath, '.claude', 'conductor', 'tracks', 'track-registry.json');
    const index = readIndexAsOneDocument(path.dirname(registry));
    delete index.tracks[victim.track_id];
    writeFileSync(registry, JSON.stringify(index));
    writeFileSync(file, '{"truncated":');
    await api.refresh();
    const nodes = await allNodes(api);
    const problem = nodes.find((n) => n.kind === 'problem');
    assert.ok(problem && problem.kind === 'problem');
    assert.equal(problem.file, file);
    const item = api.tree.getTreeItem(problem);
    assert.match(itemText(item.label), /Cannot read .*track\.json/);
    assert.equal(item.contextValue, 'problem');
    assert.ok(nodes.some((n) => n.kind === 'track' && n.track.name === 'OAuth Authentication'));
    await vscode.commands.executeCommand('trackManager.openProblemFile', problem);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, file);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    writeFileSync(file, JSON.stringify({ ...victim, progress_percentage: undefined }));
    await cli(['doctor', '--repair']);
  });
});
