import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TrackManagerApi } from '../../src/extension/extension';
import type { PickItem } from '../../src/extension/prompter';
import { activateExtension, allNodes, cli, ScriptedPrompter, itemText, trackNode, waitFor } from './helpers';

const statusOf = async (id: string) => (await cli(['show', '--track-id', id])).status as string;
const trackNames = async (api: TrackManagerApi) => (await allNodes(api)).flatMap((n) => (n.kind === 'track' ? [n.track.name] : []));

describe(`pickers, filter and small touches in VS Code ${vscode.version}`, () => {
  let api: TrackManagerApi;
  let ui: ScriptedPrompter;
  const ids: Record<string, string> = {};

  before(async () => {
    api = await activateExtension();
    await vscode.commands.executeCommand('trackManager.tracks.focus');
    ui = new ScriptedPrompter();
    api.setPrompter(ui);
    // Older first: "Paused Earlier" was paused before "Paused Lately".
    for (const [name, priority] of [['Paused Earlier', 'P0'], ['Paused Lately', 'P2'], ['Picker Active Track', 'P3']] as const) {
      ids[name] = (await cli(['create', '--name', name, '--type', 'refactor', '--goal', 'g', '--priority', priority])).track_id;
      await cli(['activate', '--track-id', ids[name], '--force']);
    }
    await api.refresh();
  });
  after(() => {
    api.setPrompter(new ScriptedPrompter());
  });

  it('Switch Track: ordered like the tree, opens on the most recently paused track, ids only when typed', async () => {
    let items: Array<PickItem<unknown>> = [];
    ui.pickAnswers.push((offered) => {
      items = offered;
      return offered.find((item) => item.preselect);
    });
    await vscode.commands.executeCommand('trackManager.switchTrack');
    const preselected = items.filter((item) => item.preselect);
    assert.deepEqual(preselected.map((item) => item.label), ['$(wrench) Paused Lately'], 'the last paused, not the active one');
    const paused = items.slice(items.findIndex((i) => i.label === 'Paused') + 1).filter((i) => i.kind !== vscode.QuickPickItemKind.Separator);
    const earlier = paused.findIndex((i) => i.label.endsWith('Paused Earlier'));
    assert.ok(earlier >= 0 && earlier < paused.findIndex((i) => i.label.endsWith('Paused Lately')), 'P0 before P2, as in the tree');
    for (const item of items.filter((i) => i.kind !== vscode.QuickPickItemKind.Separator)) {
      assert.equal(item.detail, undefined, 'no id on show');
      assert.match(item.hiddenDetail!, /^track-/);
      assert.doesNotMatch(`${item.label} ${item.description}`, /track-[a-z0-9-]+-\d{6,}/);
    }
    assert.equal(await statusOf(ids['Paused Lately']), 'active');
    assert.equal(await statusOf(ids['Picker Active Track']), 'paused');
  });

  it('Filter: one list; typing filters the view live; ticked criteria; "n of m" counts; the active track pinned', async () => {
    let liveNames: string[] = [];
    ui.manyAnswers.push(async (items, options) => {
      assert.ok(items.some((i) => i.label === 'P0') && items.some((i) => i.label === 'Paused') && items.some((i) => i.label.endsWith(' bugfix')));
      options.onDidChange!('Earlier', []);
      liveNames = await trackNames(api);
      const p0 = items.filter((i) => i.label === 'P0' || i.label === 'Paused');
      options.onDidChange!('', p0);
      return { items: p0, value: '' };
    });
    await vscode.commands.executeCommand('trackManager.filter');
    assert.deepEqual(liveNames.sort(), ['Paused Earlier', 'Paused Lately'].sort(), 'typed text filtered at once; the active track stays');
    const roots = await api.tree.getChildren();
    const labels = roots.map((node) => itemText(api.tree.getTreeItem(node).label));
    const all = (await api.actions.allTracks()).map((ref) => ref.track);
    const pausedTotal = all.filter((t) => t.status === 'paused').length;
    const pausedP0 = all.filter((t) => t.status === 'paused' && t.priority === 'P0').length;
    assert.deepEqual(labels, ['Active (1 of 1)', `Paused (${pausedP0} of ${pausedTotal})`]);
    assert.ok((await trackNames(api)).includes('Paused Lately'), 'the active track (P2) is pinned under a P0 filter');
    const shown = 1 + pausedP0;
    await waitFor(() => api.view.description === `filter: P0 · paused — ${shown} of ${all.length}`, `the view description (is "${api.view.description}")`);
    // Escape restores the filter the list started from.
    ui.manyAnswers.push((_items, options) => {
      options.onDidChange!('zzz-nothing', []);
      return Promise.resolve(undefined);
    });
    await vscode.commands.executeCommand('trackManager.filter');
    assert.deepEqual(api.tree.filter, { priorities: ['P0'], statuses: ['paused'] });
    await vscode.commands.executeCommand('trackManager.clearFilter');
    await waitFor(() => api.view.description === undefined, 'the description cleared');
  });

  it('Pause from the palette with no active track offers "Activate a Track…"', async () => {
    await cli(['pause', '--track-id', ids['Paused Lately'], '--reason', 'lunch']);
    ids['Ready To Go'] = (await cli(['create', '--name', 'Ready To Go', '--type', 'feature', '--goal', 'g', '--ready'])).track_id;
    await api.refresh();
    ui.messageAnswers.push('Activate a Track…');
    ui.pickAnswers.push('Ready To Go');
    await vscode.commands.executeCommand('trackManager.pause');
    const offer = ui.messages.find((m) => m.text.startsWith('No track is active'));
    assert.deepEqual(offer?.buttons, ['Activate a Track…']);
    assert.match(ui.picks.at(-1)!.placeHolder!, /Activate which track/);
    assert.equal(ui.inputs.length, 0, 'no pause reason asked');
    assert.equal(await statusOf(ids['Ready To Go']), 'active');
  });

  it('after Create, selects the new row and offers Activate Now', async () => {
    await cli(['pause', '--track-id', ids['Ready To Go'], '--reason', 'Making room']);
    await api.refresh();
    ui.createAnswers.push({ name: 'Created Then Activated', type: 'feature', goal: 'g', priority: 'P2', successCriteria: [] });
    ui.messageAnswers.push('Activate Now');
    const id = await vscode.commands.executeCommand<string>('trackManager.createTrack');
    const offer = ui.messages.find((m) => m.text === 'Created "Created Then Activated" as a draft.');
    assert.deepEqual(offer?.buttons, ['Activate Now']);
    const selectedId = () => (api.view.selection[0] as { track?: { track_id: string } } | undefined)?.track?.track_id;
    await waitFor(() => selectedId() === id, `the new row selected (selection: ${selectedId()}, view visible: ${api.view.visible})`);
    await waitFor(async () => (await statusOf(id)) === 'active', 'the new track activated');
  });

  it('an expanded row stays expanded when its track changes group', async () => {
    const node = await trackNode(api, 'Paused Earlier');
    // The view may be redrawing after the previous writes: expand again until it took.
    await waitFor(async () => {
      await api.view.reveal(await trackNode(api, 'Paused Earlier'), { expand: true, select: false, focus: false }).then(undefined, () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
      return api.tree.getTreeItem(node).collapsibleState === vscode.TreeItemCollapsibleState.Expanded;
    }, 'the row expanded');
    await cli(['ready', '--track-id', (await cli(['create', '--name', 'Unrelated', '--type', 'custom', '--goal', 'g'])).track_id]);
    await cli(['switch', '--to', ids['Paused Earlier']]);
    await api.refresh();
    const moved = await trackNode(api, 'Paused Earlier');
    assert.equal(moved.track.status, 'active');
    const item = api.tree.getTreeItem(moved);
    assert.equal(item.id, api.tree.getTreeItem(node).id, 'one id per track, whatever its group');
    assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
    assert.equal(api.tree.getTreeItem(await trackNode(api, 'Paused Lately')).collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
  });
});
