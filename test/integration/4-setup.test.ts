import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ownershipOf } from '../../src/core/init';
import type { TrackManagerApi } from '../../src/extension/extension';
import { vscodePrompter, type PickItem } from '../../src/extension/prompter';
import { activateExtension, folders, ScriptedPrompter } from './helpers';

const MANAGER = '.claude/skills/track-manager/manager.mjs';
const RECOVERY = '.claude/tools/session-recovery.mjs';

describe('Set Up Workspace for Agents', () => {
  let api: TrackManagerApi;
  let ui: ScriptedPrompter;
  const root = () => folders()[0].uri.fsPath;
  const file = (relative: string) => path.join(root(), relative);
  const writeOriginal = (relative: string, text: string) => {
    mkdirSync(path.dirname(file(relative)), { recursive: true });
    writeFileSync(file(relative), text);
  };
  const choose = (label: string) => (items: Array<PickItem<unknown>>) => items.find((item) => item.label.includes(label));

  before(async () => {
    api = await activateExtension();
  });
  beforeEach(() => {
    ui = new ScriptedPrompter();
    api.setPrompter(ui);
  });
  after(() => {
    api.setPrompter(vscodePrompter);
    rmSync(file('.claude/skills'), { recursive: true, force: true });
    rmSync(file('.claude/tools'), { recursive: true, force: true });
  });

  it('offers set-up once per workspace when the original scripts are found, whatever the answer', async () => {
    writeOriginal(RECOVERY, "// the original track-manager's session-recovery.mjs\n");
    ui.messageAnswers.push('Not Now');
    assert.equal(await api.setup.offerIfOriginal(), true);
    const offer = ui.messages[0];
    assert.match(offer.text, /original track-manager's scripts \(session-recovery\.mjs\)/);
    assert.deepEqual(offer.buttons, ['Set Up Workspace', 'Not Now']);
    assert.doesNotMatch(offer.text, /track init|track-[a-z]+-\d{13}/, 'no CLI lines or raw ids in the editor');
    assert.ok(!existsSync(file(MANAGER)), '"Not Now" writes nothing');
    // Once: the workspace's state remembers the offer (no file was written to remember it by).
    writeOriginal(MANAGER, '// original manager.mjs\n');
    assert.equal(await api.setup.offerIfOriginal(), false);
    assert.equal(ui.messages.length, 1);
  });

  it('the command previews every file, then moves theirs aside when asked', async () => {
    const original = "// the original track-manager's session-recovery.mjs\n";
    ui.pickAnswers.push(choose('Set Up and Move Theirs Aside'));
    const result = await vscode.commands.executeCommand<{ left: string[] }>('trackManager.setUpWorkspace');
    assert.deepEqual(result.left, []);
    const preview = ui.picks[0].labels;
    for (const relative of [MANAGER, '.claude/skills/track-manager/registry.mjs', RECOVERY, '.claude/tools/snapshot-manager.mjs', '.claude/tools/run-manager.mjs', '.claude/skills/track-manager/SKILL.md']) {
      assert.ok(preview.some((label) => label.endsWith(relative)), `preview lists ${relative}: ${preview.join(' | ')}`);
    }
    assert.equal(readFileSync(file(`${RECOVERY}.orig`), 'utf8'), original, 'theirs kept beside ours');
    assert.equal(readFileSync(file(`${MANAGER}.orig`), 'utf8'), '// original manager.mjs\n');
    assert.equal(ownershipOf(readFileSync(file(RECOVERY), 'utf8')).kind, 'ours');
    assert.equal(ownershipOf(readFileSync(file(MANAGER), 'utf8')).kind, 'ours');
    assert.match(ui.lastMessage()!.text, /agents: \d+ files written/);
  });

  it('the command leaves a file it did not write unless asked, and Cancel writes nothing', async () => {
    writeOriginal(MANAGER, '// a file of my own\n');
    ui.pickAnswers.push(choose('Cancel'));
    assert.equal(await vscode.commands.executeCommand('trackManager.setUpWorkspace'), undefined);
    assert.equal(readFileSync(file(MANAGER), 'utf8'), '// a file of my own\n');

    ui.pickAnswers.push(choose('$(check) Set Up'));
    const result = await vscode.commands.executeCommand<{ left: string[] }>('trackManager.setUpWorkspace');
    assert.deepEqual(result.left, [MANAGER]);
    assert.equal(readFileSync(file(MANAGER), 'utf8'), '// a file of my own\n');
    const warning = ui.lastMessage()!;
    assert.equal(warning.kind, 'warning');
    assert.match(warning.text, /left 1 file Track Manager did not write \(manager\.mjs\)/);
    assert.ok(!existsSync(file(`${MANAGER}.orig.2`)), 'nothing moved aside without asking');
  });
});
