import * as path from 'node:path';
import { readText } from './storage/file-reads';
import { pathExists } from './storage/file-info';
import type { StoreContext } from './storage/context';
import { TrackError } from './model/errors';
import { writeFileAtomic } from './storage/files';
import { git, repositoryRoot, runGit } from './git-process';
import { RUNTIME_FILE } from './init/agent-scripts';

/**
 * `track init --git`: makes the store merge cleanly in git. A pure plan (what .gitattributes and
 * the repository's config must say), then an apply step, so the plan can be shown or tested alone.
 */
export const MERGE_DRIVER_NAME = 'track';
export const MERGE_DRIVER_LABEL = 'Track Manager three-way merge of track JSON files';
const ATTRIBUTES_COMMENT = '# Track Manager: merge the tracks\' JSON files field by field (`track merge-file`)';

export interface GitSetupInput {
  /** The conductor directory relative to the repository root, with forward slashes. */
  storeInRepo: string;
  /** The current .gitattributes at the repository root, or null. */
  gitattributes: string | null;
  /** Current values of merge.track.driver and merge.track.name. */
  currentDriver: string | null;
  currentName: string | null;
  /** The command git runs, with %O %A %B %P. */
  driverCommand: string;
}

export interface GitSetupPlan {
  attributesLine: string;
  /** The new .gitattributes content, or null when it already has the line. */
  gitattributes: string | null;
  config: Array<{ key: string; value: string; current: string | null }>;
}

export function planGitSetup(input: GitSetupInput): GitSetupPlan {
  if (!/%O/.test(input.driverCommand) || !/%A/.test(input.driverCommand) || !/%B/.test(input.driverCommand)) {
    throw new TrackError('E_INVALID_INPUT', `The merge driver command must pass %O %A %B (and %P), e.g. "track merge-file %O %A %B %P"; got "${input.driverCommand}".`, { field: 'driver-command' });
  }
  const prefix = input.storeInRepo ? `${input.storeInRepo.replace(/\/+$/, '')}/` : '';
  const attributesLine = `${prefix.replace(/ /g, '[[:space:]]')}tracks/**/*.json merge=${MERGE_DRIVER_NAME}`;
  const existing = input.gitattributes ?? '';
  const present = existing.split(/\r?\n/).some((line) => line.trim() === attributesLine);
  const gitattributes = present ? null : `${existing}${existing && !existing.endsWith('\n') ? '\n' : ''}${ATTRIBUTES_COMMENT}\n${attributesLine}\n`;
  const config = [
    { key: `merge.${MERGE_DRIVER_NAME}.name`, value: MERGE_DRIVER_LABEL, current: input.currentName },
    { key: `merge.${MERGE_DRIVER_NAME}.driver`, value: input.driverCommand, current: input.currentDriver },
  ].filter((entry) => entry.current !== entry.value);
  return { attributesLine, gitattributes, config };
}

export interface GitSetupResult {
  repository: string;
  /** The line .gitattributes holds (or will hold). */
  attributes_line: string;
  gitattributes_file: string;
  gitattributes_changed: boolean;
  config_set: Array<{ key: string; value: string }>;
  driver_command: string;
}

export interface WorkspaceMergeDriver {
  /** The repository's root, or null when the workspace is not in a git repository. */
  repository: string | null;
  /** The workspace runtime (written by the workspace set-up); git runs it to merge. */
  runtimeFile: string;
  runtimePresent: boolean;
  /** `node <runtime, relative to the repository root> merge-file %O %A %B %P`. */
  driverCommand: string | null;
}

/**
 * The driver the editor registers: the runtime the workspace set-up writes (and the team commits),
 * named by its path in the repository — git runs drivers from the top of the working tree — so
 * every clone runs the same file whatever is installed, and no `track` is needed on PATH.
 */
export async function workspaceMergeDriver(ctx: StoreContext): Promise<WorkspaceMergeDriver> {
  const runtimeFile = path.join(ctx.paths.workspaceRoot, ...RUNTIME_FILE.split('/'));
  const [root, runtimePresent] = await Promise.all([repositoryRoot(ctx.paths.workspaceRoot), pathExists(runtimeFile)]);
  const relative = root ? path.relative(root, runtimeFile).split(path.sep).join('/') : null;
  return {
    repository: root,
    runtimeFile,
    runtimePresent,
    driverCommand: relative && !relative.startsWith('..') ? `node ${shellWord(relative)} merge-file %O %A %B %P` : null,
  };
}

function shellWord(text: string): string {
  return /^[\w./@:+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export async function setUpGitMerge(ctx: StoreContext, options: { driverCommand: string; dryRun?: boolean }): Promise<GitSetupResult> {
  const root = await repositoryRoot(ctx.paths.workspaceRoot);
  if (!root) {
    throw new TrackError('E_GIT', `The workspace ${ctx.paths.workspaceRoot} is not in a git repository: run \`git init\` first, then \`track init --git\`.`);
  }
  const attributesFile = path.join(root, '.gitattributes');
  const storeInRepo = path.relative(root, ctx.paths.conductorDir).split(path.sep).join('/');
  if (storeInRepo.startsWith('..')) throw new TrackError('E_GIT', `The store ${ctx.paths.conductorDir} is outside the repository ${root}.`);
  const configValue = async (key: string) => {
    const result = await runGit(root, ['config', '--local', '--get', key]);
    return result.code === 0 ? result.stdout.trim() : null;
  };
  const plan = planGitSetup({
    storeInRepo,
    gitattributes: await readText(attributesFile).catch(() => null),
    currentDriver: await configValue(`merge.${MERGE_DRIVER_NAME}.driver`),
    currentName: await configValue(`merge.${MERGE_DRIVER_NAME}.name`),
    driverCommand: options.driverCommand,
  });
  if (!options.dryRun) {
    if (plan.gitattributes !== null) await writeFileAtomic(attributesFile, plan.gitattributes);
    for (const entry of plan.config) await git(root, ['config', '--local', entry.key, entry.value]);
  }
  return {
    repository: root,
    attributes_line: plan.attributesLine,
    gitattributes_file: attributesFile,
    gitattributes_changed: plan.gitattributes !== null,
    config_set: plan.config.map(({ key, value }) => ({ key, value })),
    driver_command: options.driverCommand,
  };
}
