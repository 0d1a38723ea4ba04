import * as path from 'node:path';
import { ownershipOf, stamp, type MarkerStyle } from './marker';
import { readTextIfExists } from '../storage/file-reads';

/**
 * What `track init` will do to one file. The plan is built first (read-only: this is what
 * --dry-run prints and the editor previews), then applied.
 * - create: the file does not exist yet;
 * - upgrade: the file is ours, unchanged since we wrote it, and differs from this version's;
 * - unchanged: the file is ours and already what this version writes;
 * - leave: someone else's file (the original track-manager's, or one a user edited) stays as it is;
 * - move-aside: with --force, that file is renamed to `movedTo` and ours written in its place.
 */
export type InitAction = 'create' | 'upgrade' | 'unchanged' | 'leave' | 'move-aside';

export interface InitPlanEntry {
  /** Relative to the workspace, with forward slashes. */
  path: string;
  action: InitAction;
  /** Why this file is written (what it is for). */
  purpose: string;
  /** Why this action: shown beside `leave` and `move-aside` entries. */
  reason: string;
  /** For move-aside: where the existing file goes (relative to the workspace). */
  movedTo?: string;
  /** The content written by create, upgrade and move-aside. */
  content?: string;
  /** What the file held when the plan was made (null: absent); apply refuses if it changed since. */
  seen?: string | null;
  /** Instead of writing `content`: how to bring this entry about (e.g. creating the store). */
  apply?: () => Promise<void>;
}

export interface InitPlan {
  workspaceRoot: string;
  version: string;
  force: boolean;
  entries: InitPlanEntry[];
}

/** A file a part of init wants in the workspace, marked as ours so a later init can upgrade it. */
export interface ManagedFile {
  path: string;
  body: string;
  marker: MarkerStyle;
  purpose: string;
}

export interface InitOptions {
  workspaceRoot: string;
  version: string;
  /** The store's folder, relative to the workspace (default .claude/conductor). */
  conductorDir?: string;
  /** Move files init does not own aside (to `<name>.orig`) instead of leaving them. */
  force?: boolean;
}

/** One part of init (the guide's scripts, the store; later agent configs, git settings). */
export type InitContributor = (options: InitOptions) => Promise<Array<ManagedFile | InitPlanEntry>>;

function isManagedFile(item: ManagedFile | InitPlanEntry): item is ManagedFile {
  return 'body' in item && 'marker' in item;
}

export async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readTextIfExists(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') return '';
    throw error;
  }
}

async function firstFreeAsideName(workspaceRoot: string, relative: string, taken: Set<string>): Promise<string> {
  for (let n = 1; ; n += 1) {
    const candidate = n === 1 ? `${relative}.orig` : `${relative}.orig.${n}`;
    if (!taken.has(candidate) && (await readIfExists(path.join(workspaceRoot, candidate))) === null) return candidate;
  }
}

/** Compares one wanted file with what is on disk. */
export async function planManagedFile(file: ManagedFile, options: InitOptions, taken = new Set<string>()): Promise<InitPlanEntry> {
  const content = stamp(file.body, file.marker, options.version);
  const base = { path: file.path, purpose: file.purpose };
  const existing = await readIfExists(path.join(options.workspaceRoot, file.path));
  if (existing === null) return { ...base, action: 'create', reason: 'not there yet', content, seen: null };
  if (existing === content) return { ...base, action: 'unchanged', reason: `already written by this version (${options.version})` };
  const owner = ownershipOf(existing);
  if (owner.kind === 'ours') {
    return { ...base, action: 'upgrade', reason: `written by track init ${owner.version} and not changed since`, content, seen: existing };
  }
  const reason = owner.kind === 'edited'
    ? `changed since track init ${owner.version} wrote it`
    : 'not written by track init (the original track-manager\'s or your own)';
  if (!options.force) return { ...base, action: 'leave', reason: `${reason}; run init with --force to move it aside and write ours` };
  const movedTo = await firstFreeAsideName(options.workspaceRoot, file.path, taken);
  taken.add(movedTo);
  return { ...base, action: 'move-aside', reason: `${reason}; kept as ${movedTo}`, movedTo, content, seen: existing };
}

/** Builds the whole plan from its parts, in order. Reads only; writes nothing. */
export async function buildInitPlan(options: InitOptions, contributors: InitContributor[]): Promise<InitPlan> {
  const entries: InitPlanEntry[] = [];
  const taken = new Set<string>();
  for (const contribute of contributors) {
    for (const item of await contribute(options)) {
      entries.push(isManagedFile(item) ? await planManagedFile(item, options, taken) : item);
    }
  }
  return { workspaceRoot: options.workspaceRoot, version: options.version, force: Boolean(options.force), entries };
}

/** The entries left because someone else owns the file (init did not finish the set-up). */
export function conflictsOf(plan: InitPlan): InitPlanEntry[] {
  return plan.entries.filter((entry) => entry.action === 'leave');
}
