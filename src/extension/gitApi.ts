import * as vscode from 'vscode';

/**
 * The small typed subset of the built-in git extension's API (`vscode.git`, getAPI(1)) that the
 * working context uses. Declared here because the extension publishes no types package.
 */
export interface GitRef {
  name?: string;
  commit?: string;
}

export interface GitRepositoryState {
  readonly HEAD: GitRef | undefined;
  readonly onDidChange: vscode.Event<void>;
}

export interface GitRepository {
  readonly rootUri: vscode.Uri;
  readonly state: GitRepositoryState;
  checkout(treeish: string): Promise<void>;
  createBranch(name: string, checkout: boolean, ref?: string): Promise<void>;
  getBranch(name: string): Promise<GitRef>;
}

export interface GitApi {
  readonly state: 'uninitialized' | 'initialized';
  readonly onDidChangeState: vscode.Event<'uninitialized' | 'initialized'>;
  readonly repositories: GitRepository[];
  getRepository(uri: vscode.Uri): GitRepository | null;
  openRepository?(root: vscode.Uri): Promise<GitRepository | null>;
}

interface GitExtensionExports {
  readonly enabled: boolean;
  getAPI(version: 1): GitApi;
}

/** The git API, or null when the git extension is missing or disabled (`git.enabled: false`). */
export async function gitApi(): Promise<GitApi | null> {
  const extension = vscode.extensions.getExtension<GitExtensionExports>('vscode.git');
  if (!extension) return null;
  const exports = extension.isActive ? extension.exports : await extension.activate().then((e) => e, () => undefined);
  if (!exports?.enabled) return null;
  const api = exports.getAPI(1);
  if (api.state !== 'initialized') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { listener.dispose(); resolve(); }, 10_000);
      const listener = api.onDidChangeState((state) => {
        if (state === 'initialized') { clearTimeout(timer); listener.dispose(); resolve(); }
      });
    });
  }
  return api;
}

/** The repository holding the folder, opening it if git has not discovered it yet. */
export async function repositoryFor(folder: vscode.WorkspaceFolder): Promise<GitRepository | null> {
  const api = await gitApi();
  if (!api) return null;
  return api.getRepository(folder.uri) ?? (await api.openRepository?.(folder.uri).catch(() => null)) ?? null;
}

/** Checks out the branch, creating it from HEAD when it does not exist; returns whether it was created. */
export async function checkoutBranch(repository: GitRepository, branch: string): Promise<boolean> {
  const exists = await repository.getBranch(branch).then(() => true, () => false);
  if (exists) await repository.checkout(branch);
  else await repository.createBranch(branch, true);
  return !exists;
}
