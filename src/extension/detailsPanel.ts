import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { TrackDetails } from '../core/queries';
import type { TrackStatus } from '../core/model/schemas';
import { ago, localTime, STATUS_LABEL } from './presentation';
import type { StoreService } from './storeService';
import { checkpointLabel, lastCheckpointText, reasonFor, runStatusText, stepText, workflowName } from './trackText';
import type { TrackNode } from './tracksTree';
import { IDLE_NOT_COUNTED, workedTime } from './contextRows';

/** A lifecycle step the page offers: the command it runs and the statuses that allow it. */
interface PageAction {
  command: string;
  label: string;
  statuses: TrackStatus[];
}

const ACTIONS: PageAction[] = [
  { command: 'markReady', label: 'Mark Ready', statuses: ['draft'] },
  { command: 'activate', label: 'Activate', statuses: ['draft', 'ready'] },
  { command: 'switchTrack', label: 'Switch to This Track', statuses: ['ready', 'paused'] },
  { command: 'pause', label: 'Pause', statuses: ['active'] },
  { command: 'resume', label: 'Resume', statuses: ['paused'] },
  { command: 'complete', label: 'Complete', statuses: ['active', 'paused'] },
  { command: 'fail', label: 'Fail', statuses: ['active', 'paused'] },
  { command: 'cancel', label: 'Cancel Track', statuses: ['draft', 'ready', 'active', 'paused'] },
  { command: 'createCheckpoint', label: 'Create Checkpoint', statuses: ['draft', 'ready', 'active', 'paused', 'completed', 'failed', 'cancelled'] },
  { command: 'restoreCheckpoint', label: 'Restore Checkpoint…', statuses: ['active', 'paused'] },
  { command: 'archive', label: 'Archive', statuses: ['completed', 'failed', 'cancelled'] },
  { command: 'reopen', label: 'Reopen', statuses: ['completed', 'failed', 'cancelled', 'archived'] },
];

export function actionsFor(status: TrackStatus): PageAction[] {
  return ACTIONS.filter((action) => action.statuses.includes(status));
}

interface OpenPanel {
  panel: vscode.WebviewPanel;
  folder: vscode.WorkspaceFolder;
  trackId: string;
  status?: TrackStatus;
  /** The track as a tree row passes it to the commands, so they act in this panel's folder. */
  row?: TrackNode;
  /** The last body rendered (the tests read it; the page receives it as an update). */
  body: string;
  nonce: string;
  disposed: boolean;
}

/**
 * Track Manager: Show Track Details — one read-only webview panel per track, redrawn when the
 * store changes. It reads through the core only; its buttons post a message and the extension runs
 * the same commands the tree runs (the page itself can do nothing but ask).
 */
export class TrackDetailsPanels implements vscode.Disposable {
  private readonly open = new Map<string, OpenPanel>();
  private readonly rendered = new vscode.EventEmitter<{ trackId: string; body: string }>();
  /** Fired after a panel's content was (re)drawn. */
  readonly onDidRender = this.rendered.event;

  constructor(private readonly stores: StoreService, private readonly iconPath?: vscode.Uri) {}

  private key(folder: vscode.WorkspaceFolder, trackId: string): string {
    return `${folder.uri.toString()}#${trackId}`;
  }

  /** Opens (or reveals) the track's page; `section` scrolls to it, e.g. `run-<run id>`. */
  async show(folder: vscode.WorkspaceFolder, trackId: string, section?: string): Promise<vscode.WebviewPanel> {
    const key = this.key(folder, trackId);
    const existing = this.open.get(key);
    if (existing) {
      existing.panel.reveal(undefined, false);
      if (section) void existing.panel.webview.postMessage({ type: 'focus', id: section });
      return existing.panel;
    }
    const panel = vscode.window.createWebviewPanel('trackManager.details', 'Track Details', vscode.ViewColumn.Active, {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [],
      retainContextWhenHidden: false,
    });
    if (this.iconPath) panel.iconPath = this.iconPath;
    const entry: OpenPanel = { panel, folder, trackId, body: '', nonce: randomBytes(16).toString('base64'), disposed: false };
    this.open.set(key, entry);
    panel.onDidDispose(() => {
      entry.disposed = true;
      this.open.delete(key);
    });
    panel.webview.onDidReceiveMessage((message) => void this.receive(entry, message));
    entry.body = await this.body(entry);
    if (entry.disposed) return panel;
    panel.webview.html = this.page(entry, section);
    this.rendered.fire({ trackId, body: entry.body });
    return panel;
  }

  /** Redraws the open pages of a folder (or of all folders) from the store. */
  async refresh(folder?: vscode.WorkspaceFolder): Promise<void> {
    const targets = [...this.open.values()].filter((entry) => !folder || entry.folder.uri.toString() === folder.uri.toString());
    await Promise.all(targets.map(async (entry) => {
      const body = await this.body(entry);
      // The panel may have been closed while the store was read.
      if (entry.disposed || body === entry.body) return;
      entry.body = body;
      // A hidden page is not kept alive: it reloads from `html` when shown, so that must be current.
      if (entry.panel.visible) await entry.panel.webview.postMessage({ type: 'update', html: body });
      else entry.panel.webview.html = this.page(entry);
      this.rendered.fire({ trackId: entry.trackId, body });
    }));
  }

  /** The content of an open page, as last drawn (for tests and accessibility checks). */
  bodyOf(folder: vscode.WorkspaceFolder, trackId: string): string | undefined {
    return this.open.get(this.key(folder, trackId))?.body;
  }

  panelOf(folder: vscode.WorkspaceFolder, trackId: string): vscode.WebviewPanel | undefined {
    return this.open.get(this.key(folder, trackId))?.panel;
  }

  /** A message from the page: only a lifecycle step its track's status allows is run. */
  private async receive(entry: OpenPanel, message: unknown): Promise<void> {
    if (!message || typeof message !== 'object') return;
    const { type, command } = message as { type?: unknown; command?: unknown };
    if (type !== 'run' || typeof command !== 'string' || !entry.status || !entry.row) return;
    const action = actionsFor(entry.status).find((candidate) => candidate.command === command);
    if (!action) return;
    await vscode.commands.executeCommand(`trackManager.${action.command}`, entry.row);
  }

  async receiveFor(folder: vscode.WorkspaceFolder, trackId: string, message: unknown): Promise<void> {
    const entry = this.open.get(this.key(folder, trackId));
    if (entry) await this.receive(entry, message);
  }

  private async body(entry: OpenPanel): Promise<string> {
    let details: TrackDetails;
    try {
      details = await this.stores.storeFor(entry.folder).getTrackDetails(entry.trackId, { runSteps: true });
    } catch (error) {
      entry.status = undefined;
      entry.row = undefined;
      if (!entry.disposed) entry.panel.title = 'Track Details';
      return `<h1>Track details unavailable</h1><p class="problem">${html((error as Error).message)}</p>`;
    }
    const { track } = details;
    entry.status = track.status;
    entry.row = {
      kind: 'track', folder: entry.folder,
      track: { track_id: track.track_id, name: track.name, type: track.type, status: track.status, priority: track.priority, progress_percentage: track.progress.percentage, created_at: track.created_at, updated_at: track.updated_at },
    };
    if (!entry.disposed) entry.panel.title = track.name;
    return renderDetails(details, Date.now(), await workedTime(this.stores, entry.folder, track));
  }

  private page(entry: OpenPanel, focus?: string): string {
    const { nonce } = entry;
    const csp = `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';`;
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Track Details</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body data-focus="${html(focus ?? '')}">
<main id="content">${entry.body}</main>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>`;
  }

  dispose(): void {
    for (const entry of [...this.open.values()]) entry.panel.dispose();
    this.rendered.dispose();
  }
}

export function renderDetails(details: TrackDetails, now = Date.now(), worked: string | null = null): string {
  const { track, context, checkpoints, runs, artifacts } = details;
  const parts: string[] = [];
  parts.push(`<header><h1>${html(track.name)}</h1><p class="meta"><span class="badge status-${track.status}">${STATUS_LABEL[track.status]}</span> ${html(track.type)} · ${html(track.priority)} · ${track.progress.percentage}% done</p></header>`);
  const buttons = actionsFor(track.status).map((action) => `<button type="button" data-command="${action.command}">${html(action.label)}</button>`);
  if (buttons.length) parts.push(`<nav class="actions" aria-label="Lifecycle">${buttons.join('')}</nav>`);

  const notes: string[] = [];
  const pause = track.status === 'paused' ? reasonFor(track, 'paused') : undefined;
  if (pause) notes.push(note('Paused because', pause));
  const failure = track.status === 'failed' ? reasonFor(track, 'failed') : undefined;
  if (failure) notes.push(note('Failed because', failure, 'problem'));
  const cancelled = track.status === 'cancelled' ? reasonFor(track, 'cancelled') : undefined;
  if (cancelled) notes.push(note('Cancelled because', cancelled));
  if (track.outcomes?.summary) notes.push(note('Completion summary', track.outcomes.summary));
  parts.push(...notes);

  parts.push(section('goal', 'Goal', `<p>${html(track.context.goal)}</p>${track.description ? `<p>${html(track.description)}</p>` : ''}`));
  if (track.context.success_criteria.length) parts.push(section('criteria', 'Success criteria', list(track.context.success_criteria.map(html))));
  const lessons = track.outcomes?.lessons_learned ?? [];
  if (lessons.length) parts.push(section('lessons', 'Lessons learned', list(lessons.map(html))));
  parts.push(section('facts', 'Facts', table([
    ['Created', `${localTime(track.created_at)} (${ago(track.created_at, now)})`],
    ['Updated', `${localTime(track.updated_at)} (${ago(track.updated_at, now)})`],
    ...(worked ? [['Time worked', `${worked} (${IDLE_NOT_COUNTED})`] as [string, string]] : []),
    ['Last checkpoint', lastCheckpointText(track, checkpoints, now)],
    ['Tags', track.metadata?.tags?.length ? track.metadata.tags.map((tag) => `<span class="tag">${html(tag)}</span>`).join(' ') : 'none', true],
  ])));
  const entries = (items: typeof context.decisions) => list(items.map((item) => `${html(item.text)}${item.rationale ? `<div class="muted">${html(item.rationale)}</div>` : ''}`));
  parts.push(section('decisions', `Decisions (${context.decisions.length})`, context.decisions.length ? entries(context.decisions) : '<p class="muted">None recorded.</p>'));
  parts.push(section('assumptions', `Assumptions (${context.assumptions.length})`, context.assumptions.length ? entries(context.assumptions) : '<p class="muted">None recorded.</p>'));
  parts.push(section('checkpoints', `Checkpoints (${checkpoints.length})`, checkpoints.length
    ? list(checkpoints.map((c) => `${html(checkpointLabel(c))} <span class="muted">· ${html(ago(c.created_at, now))}${c.type === 'recovery' ? ' · saved before a restore' : ''}</span>`))
    : '<p class="muted">None yet.</p>'));
  parts.push(section('runs', `Workflow runs (${runs.length})`, runs.length ? '' : '<p class="muted">None.</p>'));
  for (const run of runs) {
    const steps = run.steps ?? [];
    parts.push(section(`run-${run.run_id}`, `${workflowName(run.workflow)} — ${runStatusText(run.status)}`, `<p class="muted">${stepText(run)} · updated ${html(ago(run.updated_at, now))}</p>${steps.length
      ? table(steps.map((s) => [`Step ${s.step}`, `${localTime(s.at)} (${ago(s.at, now)})`]))
      : '<p class="muted">No step recorded yet.</p>'}`, 'run'));
  }
  if (artifacts.length) parts.push(section('artifacts', `Artifacts (${artifacts.length})`, list(artifacts.map((a) => html(a.name)))));
  parts.push(section('history', 'Status history', table([...track.status_history].reverse().map((change) => [
    `${change.from ? `${STATUS_LABEL[change.from]} → ` : ''}${STATUS_LABEL[change.to]}`,
    `${localTime(change.at)}${change.reason ? ` — ${change.reason}` : ''}`,
  ]))));
  for (const problem of details.problems) parts.push(`<p class="problem">${html(problem.message)}</p>`);
  return parts.join('\n');
}

function note(title: string, text: string, kind = 'note'): string {
  return `<section class="${kind}" aria-label="${html(title)}"><h2>${html(title)}</h2><p>${html(text)}</p></section>`;
}

function section(id: string, title: string, content: string, kind = ''): string {
  return `<section id="${html(id)}"${kind ? ` class="${kind}"` : ''}><h2>${html(title)}</h2>${content}</section>`;
}

function list(items: string[]): string {
  return `<ul>${items.map((item) => `<li>${item}</li>`).join('')}</ul>`;
}

/** Rows of [label, value]; values are escaped unless the row says it is markup already. */
function table(rows: Array<[string, string] | [string, string, boolean]>): string {
  return `<table>${rows.map(([label, value, markup]) => `<tr><th scope="row">${html(label)}</th><td>${markup ? value : html(value)}</td></tr>`).join('')}</table>`;
}

export function html(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 0 20px 20px; line-height: 1.5; }
h1 { font-size: 1.6em; font-weight: 600; margin: 16px 0 4px; }
h2 { font-size: 1.1em; font-weight: 600; margin: 18px 0 6px; border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent)); padding-bottom: 2px; }
.meta, .muted { color: var(--vscode-descriptionForeground); }
.badge { border-radius: 2px; padding: 1px 6px; background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); }
.tag { border-radius: 2px; padding: 0 5px; background: var(--vscode-textBlockQuote-background); border: 1px solid var(--vscode-widget-border, transparent); }
.actions { display: flex; flex-wrap: wrap; gap: 6px; margin: 12px 0; }
button { font: inherit; color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground); border: 1px solid var(--vscode-button-border, transparent); padding: 4px 12px; border-radius: 2px; cursor: pointer; }
button:first-child { color: var(--vscode-button-foreground); background: var(--vscode-button-background); }
button:hover { background: var(--vscode-button-secondaryHoverBackground); }
button:first-child:hover { background: var(--vscode-button-hoverBackground); }
button:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 2px; }
.note, .problem { border-left: 3px solid var(--vscode-textLink-foreground); background: var(--vscode-textBlockQuote-background); padding: 2px 12px; margin: 10px 0; }
.problem { border-left-color: var(--vscode-errorForeground); }
.note h2, .problem h2 { border: none; margin: 6px 0 0; font-size: 1em; }
table { border-collapse: collapse; }
th { text-align: left; font-weight: normal; color: var(--vscode-descriptionForeground); padding: 2px 16px 2px 0; vertical-align: top; }
td { padding: 2px 0; }
ul { padding-left: 20px; margin: 4px 0; }
section.run { margin-left: 12px; }
section.focused { outline: 1px solid var(--vscode-focusBorder); outline-offset: 4px; }
`;

// Buttons only ask: the extension decides whether the step is allowed and runs the command.
const SCRIPT = `
const vscode = acquireVsCodeApi();
const content = document.getElementById('content');
function focusSection(id) {
  const target = id && document.getElementById(id);
  if (!target) return;
  for (const old of document.querySelectorAll('.focused')) old.classList.remove('focused');
  target.classList.add('focused');
  target.scrollIntoView({ block: 'start' });
}
content.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-command]');
  if (button) vscode.postMessage({ type: 'run', command: button.dataset.command });
});
window.addEventListener('message', (event) => {
  const message = event.data;
  if (message.type === 'update') content.innerHTML = message.html;
  if (message.type === 'focus') focusSection(message.id);
});
focusSection(document.body.dataset.focus);
`;
