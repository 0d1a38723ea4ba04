import * as vscode from 'vscode';
import { formatDuration, parseSince, type TimeReport } from '../core/time';
import type { StoreService } from './storeService';

/** Track Manager: Show Time Report — time per track and per type for the last 7 days, as Markdown. */
export function timeReportMarkdown(reports: Array<{ folder: string; report: TimeReport }>): string {
  const lines = ['# Time per track — last 7 days', ''];
  for (const { folder, report } of reports) {
    if (reports.length > 1) lines.push(`## ${folder}`, '');
    lines.push(`From ${report.since?.slice(0, 10) ?? 'the start'} to ${report.until.slice(0, 10)} · total **${formatDuration(report.total_ms)}**`, '');
    if (report.by_track.length === 0) {
      lines.push('_No time recorded: time counts while a track is active and the editor, the CLI or a workflow run is seen working on it._', '');
      continue;
    }
    lines.push('| Track | Type | Status | Time |', '| --- | --- | --- | ---: |');
    for (const item of report.by_track) lines.push(`| ${escapeCell(item.name)} | ${item.type} | ${item.status} | ${formatDuration(item.worked_ms)} |`);
    lines.push('', '| Type | Time |', '| --- | ---: |');
    for (const [type, ms] of Object.entries(report.by_type)) lines.push(`| ${type} | ${formatDuration(ms ?? 0)} |`);
    lines.push('');
  }
  lines.push(`_Idle stretches longer than ${Math.round((reports[0]?.report.stale_after_ms ?? 0) / 60_000)} minutes without a heartbeat are not counted._`);
  return `${lines.join('\n')}\n`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export async function showTimeReport(stores: StoreService): Promise<vscode.TextDocument> {
  const reports = [];
  for (const folder of stores.folders()) {
    const store = stores.storeFor(folder);
    reports.push({ folder: folder.name, report: await store.timeReport({ since: parseSince('7d', store.ctx.now()) }) });
  }
  const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: timeReportMarkdown(reports) });
  const preview = await vscode.commands.executeCommand('markdown.showPreview', document.uri).then(() => true, () => false);
  if (!preview) await vscode.window.showTextDocument(document);
  return document;
}
