import * as path from 'node:path';
import { readTextIfExists } from '../storage/file-reads';
import { createContext } from '../storage/context';
import { mutate } from '../storage/transaction';
import type { InitContributor, InitPlanEntry } from './plan';

/** Whether a registry file is in the original track-manager's format (no schema_version). */
export function isOriginalFormat(document: unknown): boolean {
  return Boolean(document) && typeof document === 'object' && !Array.isArray(document) && !('schema_version' in (document as object));
}

/** Creates the store if there is none: init is the explicit way to start one. */
export function storeContributor(): InitContributor {
  return async (options) => {
    const ctx = createContext({ root: options.workspaceRoot, conductorDir: options.conductorDir, env: {} });
    const registry = ctx.paths.registryFile;
    const relative = path.relative(options.workspaceRoot, registry).split(path.sep).join('/');
    const purpose = 'the track store (tracks, checkpoints, runs)';
    const text = await readTextIfExists(registry);
    let entry: InitPlanEntry;
    if (text === null) {
      entry = { path: relative, action: 'create', purpose, reason: 'no store in this workspace yet', apply: () => mutate(ctx, 'init', () => Promise.resolve(undefined), { createsStore: true }) };
    } else {
      let original = false;
      try {
        original = isOriginalFormat(JSON.parse(text));
      } catch {
        // A damaged registry is doctor's business, not init's.
      }
      entry = {
        path: relative, action: 'unchanged', purpose,
        reason: original
          ? 'a store the original track-manager wrote: read as it is, each file upgraded when next written (`track doctor` tells how many remain)'
          : 'the store already exists',
      };
    }
    return [entry];
  };
}
