import * as assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrackManagerApi } from '../../src/extension/extension';
import { vscodePrompter } from '../../src/extension/prompter';
import type { TreeNode } from '../../src/extension/tracksTree';
import { readIndexAsOneDocument } from '../helpers/index-files';
import { activateExtension, allNodes, cli, folders, ScriptedPrompter, itemText, trackNode, waitFor } from './helpers';

/** The CLI's exit code, without blocking the extension host while it runs. */
function cliExitCode(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    execFile(process.execPath, [process.env.TRACK_TEST_CLI!, ...args], { cwd: folders()[0].uri.fsPath, env: { ...process.env, TRACK_MANAGER_ROOT: '' } }, (error) => {
      resolve(error ? Number(error.code) : 0);
    });
  });
}

const conductor = () => path.join(folders()[0].uri.fsPath, '.claude', 'conductor');

/** Every file of the store with its mtime and size: equal before and after means "nothing was written". */
function storeFingerprint(): string {
  const lines: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        const info = statSync(full);
        lines.push(`${full}:${info.mtimeMs}:${info.size}`);
      }
    }
  };
  walk(conductor());
  return lines.sort().join('\n');
}

/** An agent: a real process that starts a run owned by its own pid, records a step, then idles. */
function startAgent(trackId: string): Promise<{ child: ChildProcess; runId: string }> {
  const script = `
    const { spawnSync } = require('node:child_process');
    const env = { ...process.env, TRACK_MANAGER_ROOT: '', TRACK_OWNER_PID: String(process.pid) };
    const track = (...args) => JSON.parse(spawnSync(process.execPath, [process.env.TRACK_TEST_CLI, ...args], { cwd: process.argv[1], env, encoding: 'utf8' }).stdout);
    const run = track('run', 'start', '--track-id', process.argv[2], '--workflow', 'deploy-pipeline', '--total', '5');
    track('run', 'step', '--run-id', run.run_id, '--step', '2');
    process.stdout.write(run.run_id + '\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['-e', script, folders()[0].uri.fsPath, trackId], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk) => resolve({ child, runId: String(chunk).trim() }));
    child.once('exit', (code) => reject(new Error(`the agent exited early (${code})`)));
  });
}

describe('live recovery, damaged files, editor wording, confirmed restores, runs of finishing tracks', () => {
  let api: TrackManagerApi;
  let ui: ScriptedPrompter;
  before(async () => {
    api = await activateExtension();
  });
  beforeEach(() => {
    ui = new ScriptedPrompter();
    api.setPrompter(ui);
  });
  after(() => {
    api.setPrompter(vscodePrompter);
    api.recovery.setTickInterval(2_000);
  });

  it('an agent killed after its last write is noticed by the timer alone: named notification, badge, marked row, Show in Tree, inline Resume', async () => {
    const track = await cli(['create', '--name', 'Agent Driven Track', '--type', 'feature', '--goal', 'g', '--ready']);
    await cli(['switch', '--to', track.track_id]);
    const { child, runId } = await startAgent(track.track_id);
    try {
      await api.refresh();
      await waitFor(async () => (await api.recovery.check(), api.recovery.watchedOwners().includes(child.pid!)), 'the agent to be watched');
      assert.equal(api.recovery.interruptions.some((e) => e.item.kind === 'run' && e.item.run_id === runId), false, 'alive: not interrupted');
      // Let the file events of the agent's own writes settle, so only the timer can find the death.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await api.recovery.check();
      api.recovery.setTickInterval(100);
      const before = storeFingerprint();
      const detections = api.recovery.tickDetections;
      ui.messageAnswers.push('Show in Tree');
      child.kill('SIGKILL');
      const message = 'The deploy-pipeline run of Agent Driven Track was interrupted';
      await waitFor(() => api.recovery.announcements.some((a) => a.message === message), 'the notification');
      assert.ok(api.recovery.tickDetections > detections, 'found by a timer tick');
      assert.equal(storeFingerprint(), before, 'no store write was needed to notice it');
      assert.deepEqual(ui.messages.find((m) => m.text === message)!.buttons, ['Resume', 'Show in Tree', 'Dismiss']);
      assert.ok((api.view.badge?.value ?? 0) >= 1);

      const selected = await waitFor(() => (api.view.selection as TreeNode[]).find((n) => n.kind === 'run' && n.run.run_id === runId), 'Show in Tree to select the run row');
      const runItem = api.tree.getTreeItem(selected);
      assert.equal(runItem.contextValue, 'run.interrupted');
      assert.match(String(runItem.description), /^interrupted · /);
      assert.equal((runItem.iconPath as vscode.ThemeIcon).id, 'warning');
      const trackItem = api.tree.getTreeItem(await trackNode(api, 'Agent Driven Track'));
      assert.match(String(trackItem.description), /^1 run interrupted · /);

      await vscode.commands.executeCommand('trackManager.resumeInterrupted', selected);
      assert.ok(ui.statuses.some((text) => text.includes('The deploy-pipeline run of Agent Driven Track resumed from step 2')), ui.statuses.join(' | '));
      await waitFor(() => !api.recovery.interruptions.some((e) => e.item.kind === 'run' && e.item.run_id === runId), 'the run to be resumed (owned by this window now)');
    } finally {
      child.kill('SIGKILL');
      api.recovery.setTickInterval(2_000);
    }
  });

  it('a damaged track keeps its name and place with an error icon and repair actions only; Problems panel; Open File at the error; doctor keeps it; Restore from Last Checkpoint', async () => {
    const created = await cli(['create', '--name', 'Damaged Row Track', '--type', 'bugfix', '--goal', 'Survive truncation', '--ready']);
    await cli(['checkpoint', 'create', '--track-id', created.track_id, '--name', 'Known good']);
    const file = path.join(conductor(), 'tracks', created.track_id, 'track.json');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.slice(0, good.indexOf('"context"') + 30));
    const lines = readFileSync(file, 'utf8').split('\n');
    await vscode.commands.executeCommand('trackManager.refresh');
    const row = await waitFor(async () => {
      const node = await trackNode(api, 'Damaged Row Track');
      return api.tree.getTreeItem(node).contextValue === 'track.damaged' ? node : undefined;
    }, 'the row to be marked damaged');
    const item = api.tree.getTreeItem(row);
    assert.equal(row.track.status, 'ready', 'in its group, by the index\'s last good entry');
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'error');
    assert.match(String(item.description), new RegExp(`^damaged · line ${lines.length} · `));
    assert.doesNotMatch(itemText(item.tooltip), /`track|track-/);
    const diagnostics = await waitFor(() => vscode.languages.getDiagnostics(vscode.Uri.file(file)).length > 0 && vscode.languages.getDiagnostics(vscode.Uri.file(file)), 'a diagnostic');
    assert.equal(diagnostics[0].severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diagnostics[0].range.start.line, lines.length - 1);

    await vscode.commands.executeCommand('trackManager.openDamagedFile', row);
    const editor = vscode.window.activeTextEditor!;
    assert.equal(editor.document.uri.fsPath, file);
    assert.equal(editor.selection.active.line, lines.length - 1, 'opened at the error line');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

    // Exit 15 (unhealthy) is expected: the damaged file is not repairable by doctor.
    // Asynchronous: a synchronous child would block this host, which may hold the store lock then.
    assert.equal(await cliExitCode(['doctor', '--repair']), 15);
    await vscode.commands.executeCommand('trackManager.refresh');
    assert.equal(api.tree.getTreeItem(await trackNode(api, 'Damaged Row Track')).contextValue, 'track.damaged', 'doctor --repair did not remove it');

    ui.confirmAnswers.push(true);
    await vscode.commands.executeCommand('trackManager.restoreDamagedTrack', await trackNode(api, 'Damaged Row Track'));
    assert.match(ui.confirms[0].text, /^Restore the track file of "Damaged Row Track" from its last checkpoint\?$/);
    assert.equal((await cli(['show', '--track-id', created.track_id])).status, 'ready');
    assert.ok(readdirSync(path.dirname(file)).some((name) => name.startsWith('track.json.damaged-')), 'the damaged bytes are kept aside');
    assert.ok(ui.statuses.some((text) => text.includes('Restored Damaged Row Track from "Known good"')));
    await waitFor(async () => api.tree.getTreeItem(await trackNode(api, 'Damaged Row Track')).contextValue === 'track.ready', 'the row to be healthy again');
    await waitFor(() => vscode.languages.getDiagnostics(vscode.Uri.file(file)).length === 0, 'the diagnostic to be cleared');
  });

  it('a damaged finished track is marked too (checked on Refresh), with only repair actions', async () => {
    const created = await cli(['create', '--name', 'Damaged Finished Track', '--type', 'custom', '--goal', 'Done, then truncated']);
    await cli(['checkpoint', 'create', '--track-id', created.track_id, '--name', 'Before cancel']);
    await cli(['cancel', '--track-id', created.track_id, '--reason', 'Dropped']);
    const file = path.join(conductor(), 'tracks', created.track_id, 'track.json');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.slice(0, good.indexOf('"context"') + 30));
    await vscode.commands.executeCommand('trackManager.refresh');
    await waitFor(async () => {
      const node = await trackNode(api, 'Damaged Finished Track');
      return node && api.tree.getTreeItem(node).contextValue === 'track.damaged';
    }, 'the cancelled track to be marked damaged');
    writeFileSync(file, good);
    await vscode.commands.executeCommand('trackManager.refresh');
    await waitFor(async () => {
      const node = await trackNode(api, 'Damaged Finished Track');
      return node && api.tree.getTreeItem(node).contextValue === 'track.cancelled';
    }, 'the row to be healthy again once the file is fixed');
  });

  it('an unindexed unreadable track folder: a problem row and a diagnostic, both gone after fixing the file and Refresh', async () => {
    const created = await cli(['create', '--name', 'Unindexed Broken', '--type', 'custom', '--goal', 'g']);
    const file = path.join(conductor(), 'tracks', created.track_id, 'track.json');
    const good = readFileSync(file, 'utf8');
    const registryFile = path.join(conductor(), 'tracks', 'track-registry.json');
    const index = readIndexAsOneDocument(path.dirname(registryFile));
    delete index.tracks[created.track_id];
    writeFileSync(registryFile, JSON.stringify(index));
    writeFileSync(file, '{\n  "broken": ');
    await vscode.commands.executeCommand('trackManager.refresh');
    const problem = await waitFor(async () => (await allNodes(api)).find((n) => n.kind === 'problem' && n.file === file), 'the problem row');
    assert.doesNotMatch(itemText(api.tree.getTreeItem(problem).tooltip), /`track/);
    await waitFor(() => vscode.languages.getDiagnostics(vscode.Uri.file(file)).length > 0, 'a diagnostic');
    await vscode.commands.executeCommand('trackManager.openProblemFile', problem);
    assert.equal(vscode.window.activeTextEditor?.selection.active.line, 1, 'at the error position');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    writeFileSync(file, good);
    await vscode.commands.executeCommand('trackManager.refresh');
    await waitFor(async () => {
      const nodes = await allNodes(api);
      return !nodes.some((n) => n.kind === 'problem' && n.file === file) && nodes.some((n) => n.kind === 'track' && n.track.name === 'Unindexed Broken');
    }, 'the problem row to go and the track to be listed');
    await waitFor(() => vscode.languages.getDiagnostics(vscode.Uri.file(file)).length === 0, 'the diagnostic to go');
  });

  it('Restore Checkpoint asks first, saying what changes; the status stays; success in the status bar with Undo', async () => {
    const created = await cli(['create', '--name', 'Restore Confirm Track', '--type', 'feature', '--goal', 'g', '--ready']);
    await cli(['switch', '--to', created.track_id]);
    await cli(['update', '--track-id', created.track_id, '--field', 'progress', '--value', '20']);
    const checkpoint = await cli(['checkpoint', 'create', '--track-id', created.track_id, '--name', 'At twenty']);
    await cli(['update', '--track-id', created.track_id, '--field', 'progress', '--value', '80']);
    await cli(['pause', '--track-id', created.track_id, '--reason', 'Later']);
    await api.refresh();
    const node = (await allNodes(api)).find((n) => n.kind === 'checkpoint' && n.checkpoint.snapshot_id === checkpoint.snapshot_id)!;
    ui.confirmAnswers.push(false);
    await vscode.commands.executeCommand('trackManager.restoreCheckpoint', node);
    const asked = ui.confirms[0];
    assert.equal(asked.text, 'Restore "At twenty" into "Restore Confirm Track"?');
    assert.match(asked.detail!, /Status: stays Paused\./);
    assert.match(asked.detail!, /Progress: 80% → 20%\./);
    assert.match(asked.detail!, /track\.json .*decisions\.json.*assumptions\.json/);
    assert.match(asked.detail!, /current state is saved as a checkpoint first/);
    assert.equal((await cli(['show', '--track-id', created.track_id])).progress_percentage, 80, 'Cancel changed nothing');

    ui.confirmAnswers.push(true);
    ui.messageAnswers.push('Undo');
    await vscode.commands.executeCommand('trackManager.restoreCheckpoint', node);
    assert.ok(ui.statuses.some((text) => text.includes('Restored "At twenty" into Restore Confirm Track')));
    assert.deepEqual(ui.messages.find((m) => m.text.startsWith('Restored'))!.buttons, ['Undo']);
    const after = await cli(['show', '--track-id', created.track_id]);
    assert.equal(after.status, 'paused', 'restoring does not activate');
    assert.equal(after.progress_percentage, 80, 'Undo put the state back');
    assert.ok(ui.statuses.some((text) => text.includes('Undid the restore')));
  });

  it('Complete with a running workflow run asks what to do with it; Fail the Runs fails it; cancelling changes nothing', async () => {
    const created = await cli(['create', '--name', 'Finishing With Runs', '--type', 'feature', '--goal', 'g', '--ready']);
    await cli(['switch', '--to', created.track_id]);
    const run = await cli(['run', 'start', '--track-id', created.track_id, '--workflow', 'nightly-build', '--total', '3']);
    await api.refresh();
    ui.askAnswers.push(undefined);
    await vscode.commands.executeCommand('trackManager.complete', await trackNode(api, 'Finishing With Runs'));
    assert.match(ui.asks[0].text, /^"Finishing With Runs" has 1 workflow run still running\. Complete the track and…$/);
    assert.deepEqual(ui.asks[0].buttons, ['Complete the Runs', 'Fail the Runs']);
    assert.equal((await cli(['show', '--track-id', created.track_id])).status, 'active', 'cancelled: nothing changed');

    ui.askAnswers.push('Fail the Runs');
    ui.inputAnswers.push('Shipped');
    await vscode.commands.executeCommand('trackManager.complete', await trackNode(api, 'Finishing With Runs'));
    assert.equal((await cli(['show', '--track-id', created.track_id])).status, 'completed');
    assert.equal((await cli(['run', 'list', '--track-id', created.track_id]))[0].status, 'failed');
    assert.equal(run.status, 'in_progress');
  });
});
