import { constants } from 'node:fs';
import { copyFile, link, mkdir, rename, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../storage/files';
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

/**
 * Moves a file aside without a moment where it is missing: a hard link under the new name first
 * (which fails rather than overwrite if that name was taken meanwhile); the atomic write of ours
 * then replaces the old name. A folder in the way is renamed whole.
 */
async function moveAside(workspaceRoot: string, from: string, to: string): Promise<void> {
  const source = path.join(workspaceRoot, from);
  const destination = path.join(workspaceRoot, to);
  if ((await stat(source)).isDirectory()) await rename(source, destination);
  else {
    await link(source, destination).catch(async (error: NodeJS.ErrnoException) => {
      // File systems without hard links: a copy that still refuses to overwrite.
      if (error.code === 'EEXIST') throw error;
      await copyFile(source, destination, constants.COPYFILE_EXCL);
    });
  }
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
    await mkdir(path.dirname(target), { recursive: true });
    if (entry.action === 'move-aside' && entry.movedTo) await moveAside(plan.workspaceRoot, entry.path, entry.movedTo);
    await writeFileAtomic(target, entry.content ?? '');
  }
  return summarizePlan(plan, false);
}
