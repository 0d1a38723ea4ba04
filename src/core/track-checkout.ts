import * as path from 'node:path';
import type { StoreContext } from './storage/context';
import { TrackError } from './model/errors';
import {
  branchExists, currentBranch, filesBlockingCheckout, git, listStashes, repositoryRoot, runGit, type StashEntry,
} from './git-process';
import { assertId } from './model/ids';
import * as lifecycle from './lifecycle';
import { getActiveTrack, getTrack, listTracks } from './queries';
import type { Track } from './model/schemas';

/**
 * Puts the repository on a track's branch around a lifecycle change. The order is what keeps the
 * promise "refused means nothing changed": the transition is checked first (read-only), then the
 * checkout runs (git refuses on its own if local changes would be overwritten), and only then is
 * the transition written; if that write fails, the previous branch is checked out again.
 */
export interface CheckoutOptions {
  /** Switch the repository to the track's branch (created from HEAD when missing). */
  checkout?: boolean;
  /** Stash local changes (outside the store) first, under a message naming the track they belong to. */
  stash?: boolean;
  /** Pop the stash saved when this track was left, if there is one. */
  popStash?: boolean;
}

export interface CheckoutReport {
  branch: string | null;
  previous_branch: string | null;
  created: boolean;
  switched: boolean;
  /** The stash made by --stash. */
  stashed: StashEntry | null;
  /** A stash saved when the target track was left; `--pop-stash` pops it. */
  stash_available: StashEntry | null;
  stash_popped: boolean;
}

const STASH_PREFIX = 'track-manager:';

/** The stash message that names the track whose uncommitted work it holds. */
export function stashMessage(track: Pick<Track, 'track_id' | 'name'> | null, branch: string | null, target: string): string {
  return track
    ? `${STASH_PREFIX} ${track.track_id} (${track.name}) on ${branch ?? 'detached HEAD'}`
    : `${STASH_PREFIX} before ${target} on ${branch ?? 'detached HEAD'}`;
}

export async function findTrackStash(cwd: string, trackId: string): Promise<StashEntry | null> {
  const stashes = await listStashes(cwd);
  return stashes.find((entry) => entry.message.includes(`${STASH_PREFIX} ${trackId} (`)) ?? null;
}

type Preflight = (target: Track, active: Track | null) => void;

async function aroundCheckout<T>(
  ctx: StoreContext,
  trackId: string,
  options: CheckoutOptions,
  preflight: Preflight,
  operation: () => Promise<T>,
): Promise<{ result: T; git: CheckoutReport | null }> {
  if (!options.checkout && !options.stash && !options.popStash) return { result: await operation(), git: null };
  const target = await getTrack(ctx, trackId);
  const active = await getActiveTrack(ctx);
  preflight(target, active);
  const cwd = ctx.paths.workspaceRoot;
  const root = await repositoryRoot(cwd);
  if (!root) {
    throw new TrackError('E_GIT', `The workspace ${cwd} is not in a git repository; run without --checkout/--stash, or \`git init\` first.`, { workspace: cwd });
  }
  const previous = await currentBranch(cwd);
  const report: CheckoutReport = {
    branch: target.branch ?? null, previous_branch: previous, created: false, switched: false, stashed: null, stash_available: null, stash_popped: false,
  };
  const wantsSwitch = Boolean(options.checkout && target.branch && target.branch !== previous);
  if (options.stash && (wantsSwitch || !options.checkout)) {
    const owner = active && active.track_id !== trackId ? active : await trackOnBranch(ctx, previous, trackId);
    report.stashed = await stashOutsideStore(ctx, root, stashMessage(owner, previous, trackId));
  }
  if (wantsSwitch) {
    try {
      report.created = await checkoutBranch(cwd, target.branch!, target.track_id);
      report.switched = true;
    } catch (error) {
      if (report.stashed) await runGit(cwd, ['stash', 'pop', '--index', report.stashed.ref]);
      throw error;
    }
  }
  let result: T;
  try {
    result = await operation();
  } catch (error) {
    // The transition was refused after all (a race with another writer): put the repository back.
    if (report.switched && previous) await runGit(cwd, ['checkout', previous]);
    if (report.stashed) await runGit(cwd, ['stash', 'pop', '--index', report.stashed.ref]);
    throw error;
  }
  report.stash_available = await findTrackStash(cwd, trackId);
  if (options.popStash && report.stash_available) {
    await git(cwd, ['stash', 'pop', report.stash_available.ref]);
    report.stash_popped = true;
    report.stash_available = null;
  }
  return { result, git: report };
}

/**
 * For the editor, which checks out through VS Code's git extension and stashes only when the user
 * says so: stashes local changes (never the store's files) under the name of the track they belong
 * to — the active track being left, else the track whose branch HEAD is on. Null stash: nothing to stash.
 */
export async function stashLocalChanges(ctx: StoreContext, targetTrackId: string): Promise<{ stash: StashEntry | null; owner: Track | null }> {
  const cwd = ctx.paths.workspaceRoot;
  const root = await repositoryRoot(cwd);
  if (!root) throw new TrackError('E_GIT', `The workspace ${cwd} is not in a git repository.`, { workspace: cwd });
  const branch = await currentBranch(cwd);
  const active = await getActiveTrack(ctx);
  const owner = active && active.track_id !== targetTrackId ? active : await trackOnBranch(ctx, branch, targetTrackId);
  return { stash: await stashOutsideStore(ctx, root, stashMessage(owner, branch, targetTrackId)), owner };
}

/** Puts a stash back (after a checkout that failed even so); git's words on failure. */
export async function popStash(ctx: StoreContext, stash: StashEntry): Promise<void> {
  await git(ctx.paths.workspaceRoot, ['stash', 'pop', '--index', stash.ref]);
}

/** Pops the stash saved when `trackId` was left; null when there is none. */
export async function popTrackStash(ctx: StoreContext, trackId: string): Promise<StashEntry | null> {
  const stash = await findTrackStash(ctx.paths.workspaceRoot, trackId);
  if (stash) await git(ctx.paths.workspaceRoot, ['stash', 'pop', stash.ref]);
  return stash;
}

async function trackOnBranch(ctx: StoreContext, branch: string | null, exceptId: string): Promise<Track | null> {
  if (!branch) return null;
  const { tracks } = await listTracks(ctx);
  for (const summary of tracks) {
    if (summary.track_id === exceptId || !['paused', 'active', 'ready', 'draft'].includes(summary.status)) continue;
    const track = await getTrack(ctx, summary.track_id).catch(() => null);
    if (track?.branch === branch) return track;
  }
  return null;
}

/** Stashes tracked and untracked changes, except the store's own files (they are the state). */
async function stashOutsideStore(ctx: StoreContext, root: string, message: string): Promise<StashEntry | null> {
  const storeInRepo = path.relative(root, ctx.paths.conductorDir);
  const pathspec = storeInRepo && !storeInRepo.startsWith('..') ? [':/', `:(top,exclude)${storeInRepo.split(path.sep).join('/')}`] : [':/'];
  const status = await git(root, ['status', '--porcelain', '--untracked-files=all', '--', ...pathspec]);
  if (!status.trim()) return null;
  await git(root, ['stash', 'push', '--include-untracked', '-m', message, '--', ...pathspec]);
  const [top] = await listStashes(root);
  return top ?? null;
}

/** Checks the branch out, creating it from HEAD when missing; returns whether it was created. */
async function checkoutBranch(cwd: string, branch: string, trackId: string): Promise<boolean> {
  const exists = await branchExists(cwd, branch);
  const result = await runGit(cwd, exists ? ['checkout', branch, '--'] : ['checkout', '-b', branch]);
  if (result.code === 0) return !exists;
  const files = filesBlockingCheckout(result.stderr);
  if (files) {
    throw new TrackError(
      'E_DIRTY_WORKTREE',
      `Cannot check out ${branch} for track ${trackId}: local changes would be overwritten in ${files.join(', ')}. Commit them, or add --stash to stash them under the name of the track they belong to. Nothing was changed.`,
      { branch, files, track_id: trackId },
    );
  }
  throw new TrackError('E_GIT', `Cannot check out ${branch} for track ${trackId}: ${result.stderr.trim().split('\n').slice(0, 4).join(' ')} Nothing was changed.`, { branch, track_id: trackId });
}

function refuseUnless(allowed: boolean, error: () => TrackError): void {
  if (!allowed) throw error();
}

const transitionCheck = (action: lifecycle.LifecycleAction) => (target: Track) =>
  refuseUnless(lifecycle.canTransition(target.status, action), () => new TrackError(
    'E_INVALID_TRANSITION',
    `Cannot ${action} track ${target.track_id}: it is ${target.status} (${action} applies to: ${lifecycle.TRANSITIONS[action].from.join(', ')}). Nothing was changed.`,
    { track_id: target.track_id, status: target.status, action },
  ));

function noOtherActive(target: Track, active: Track | null): void {
  if (active && active.track_id !== target.track_id) {
    throw new TrackError(
      'E_ANOTHER_ACTIVE',
      `Cannot activate track - another track is active: ${active.track_id} ("${active.name}"). Use \`track switch --to ${target.track_id}\` to pause it and activate this one, or pause it first.`,
      { active_track: active.track_id, track_id: target.track_id },
    );
  }
}

export async function activateWithCheckout(ctx: StoreContext, trackId: string, options: lifecycle.ActivateOptions & CheckoutOptions = {}) {
  assertId('track', trackId, '--track-id');
  return aroundCheckout(ctx, trackId, options, (target, active) => {
    transitionCheck('activate')(target);
    if (!options.force) noOtherActive(target, active);
  }, () => lifecycle.activateTrack(ctx, trackId, options));
}

export async function resumeWithCheckout(ctx: StoreContext, trackId: string, options: lifecycle.ResumeOptions & CheckoutOptions = {}) {
  assertId('track', trackId, '--track-id');
  return aroundCheckout(ctx, trackId, options, (target, active) => {
    transitionCheck('resume')(target);
    noOtherActive(target, active);
  }, () => lifecycle.resumeTrack(ctx, trackId, options));
}

export async function switchWithCheckout(ctx: StoreContext, toTrackId: string, options: lifecycle.SwitchOptions & CheckoutOptions = {}) {
  assertId('track', toTrackId, '--to');
  return aroundCheckout(ctx, toTrackId, options, (target) => {
    if (target.status !== 'active') transitionCheck(target.status === 'paused' ? 'resume' : 'activate')(target);
  }, () => lifecycle.switchTrack(ctx, toTrackId, options));
}

/**
 * `checkpoint restore --checkout`: puts the repository back on the checkpoint's branch. Never a
 * detached reset: a branch that no longer exists is reported with the commit to recreate it from.
 */
export async function checkoutCheckpointBranch(ctx: StoreContext, branch: string, head: string | null): Promise<{ branch: string; previous_branch: string | null; switched: boolean }> {
  const cwd = ctx.paths.workspaceRoot;
  const previous = await currentBranch(cwd);
  if (previous === branch) return { branch, previous_branch: previous, switched: false };
  if (!(await branchExists(cwd, branch))) {
    throw new TrackError(
      'E_GIT',
      `The checkpoint's branch ${branch} no longer exists${head ? `; recreate it at the checkpoint's commit with \`git branch ${branch} ${head}\`` : ''}. Nothing was changed.`,
      { branch, head },
    );
  }
  await checkoutBranch(cwd, branch, 'the checkpoint');
  return { branch, previous_branch: previous, switched: true };
}
