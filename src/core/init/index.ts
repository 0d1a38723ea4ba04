/**
 * `track init`: sets a workspace up for the usage guide as written. A plan of file changes is
 * built from contributors (the store, the guide's scripts; more parts add their own), shown or
 * applied. Nothing it does not own is ever overwritten.
 */
import * as path from 'node:path';
import { agentScriptsContributor } from './agent-scripts';
import { buildInitPlan, type InitContributor, type InitOptions, type InitPlan } from './plan';
import { storeContributor } from './store';

export { applyInitPlan, summarizePlan, type InitResult } from './apply';
export { AGENT_SCRIPT_FILES, RUNTIME_FILE } from './agent-scripts';
export { detectOriginalSetup, type OriginalSetup } from './detect';
export { ownershipOf, stamp, type MarkerStyle, type Ownership } from './marker';
export { buildInitPlan, conflictsOf, planManagedFile, type InitAction, type InitContributor, type InitOptions, type InitPlan, type InitPlanEntry, type ManagedFile } from './plan';

/** Where the bundles find the scripts' templates and the runtime: dist/init, beside them. */
export function bundledAssetsDir(): string {
  return path.join(__dirname, 'init');
}

export interface WorkspaceSetupOptions extends InitOptions {
  /** Folder holding the templates and the runtime bundle (default: dist/init beside the bundle). */
  assetsDir?: string;
  /** Parts added after the store and the guide's scripts. */
  extraContributors?: InitContributor[];
}

/** The plan of `track init`: the store, then the guide's scripts, then any extra parts. */
export function planWorkspaceSetup(options: WorkspaceSetupOptions): Promise<InitPlan> {
  const assets = options.assetsDir ?? bundledAssetsDir();
  return buildInitPlan(options, [storeContributor(), agentScriptsContributor(assets), ...(options.extraContributors ?? [])]);
}
