import * as path from 'node:path';
import { writeFileAtomic } from '../storage/files';
import { ensureFolder } from '../storage/folders';
import { keepUnderNewName } from '../storage/standalone-files';
import { TrackError } from '../model/errors';
import { readIfExists, type InitPlan, type InitPlanEntry } from './plan';

/** What applying a plan did, entry by entry (the plan's entries without their contents). */
export interface InitResult {
  workspace: string;
  version: string;
  dry_run: boolean;
  files: Array<{ path: string; action: InitPlanEntry['action']; purpose: string; reason: string; moved_to?: string }>;
  /** Files left in place because init does not own them. */
  left: string[];
}

export function summarizePlan(plan: InitPlan, dryRun: boolean): InitResult {
  return {
    workspace: plan.workspaceRoot,
    version: plan.version,
    dry_run: dryRun,
    files: plan.entries.map((entry) => ({
      path: entry.path, action: entry.action, purpose: entry.purpose, reason: entry.reason,
      ...(entry.movedTo ? { moved_to: entry.movedTo } : {}),
    })),
    left: plan.entries.filter((entry) => entry.action === 'leave').map((entry) => entry.path),
  };
}

/** Applies the plan in order. Each file is replaced atomically; an interrupted init can just be re-run. */
export async function applyInitPlan(plan: InitPlan): Promise<InitResult> {
  for (const entry of plan.entries) {
    if (entry.action === 'leave' || entry.action === 'unchanged') continue;
    if (entry.apply) {
      await entry.apply();
      continue;
    }
    const target = path.join(plan.workspaceRoot, entry.path);
    // The plan may have been shown for a while (the editor's preview): never write over a change made since.
    const current = entry.seen === undefined ? undefined : await readIfExists(target);
    // Another init (or the same set-up run twice at once) already wrote exactly this.
    if (current !== undefined && current === entry.content) continue;
    if (current !== undefined && current !== entry.seen) {
      throw new TrackError('E_INIT_CONFLICT', `${entry.path} changed after the set-up plan was made, so it was left as it is. Run the set-up again to see the new plan.`, { files: [entry.path] });
    }
    await ensureFolder(path.dirname(target));
    // Moved aside without a moment where the file is missing: the atomic write below replaces the old name.
    if (entry.action === 'move-aside' && entry.movedTo) {
      await keepUnderNewName(target, path.join(plan.workspaceRoot, entry.movedTo));
    }
    await writeFileAtomic(target, entry.content ?? '');
  }
  return summarizePlan(plan, false);
}
