import { spawnSync } from 'node:child_process';
import * as vscode from 'vscode';
import type { TrackManagerApi } from '../../src/extension/extension';

export const EXTENSION_ID = 'track-manager.track-manager';

export async function activateExtension(): Promise<TrackManagerApi> {
  const extension = vscode.extensions.getExtension<TrackManagerApi>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed in this host`);
  return extension.activate();
}

export function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the test host opened no folder');
  return folder.uri.fsPath;
}

/** The real CLI as a child process, as an agent in a terminal would call it. */
export function cli(...args: string[]): any {
  const result = spawnSync(process.execPath, [process.env.TRACK_TEST_CLI!, ...args], {
    cwd: workspaceDir(), encoding: 'utf8', env: { ...process.env, TRACK_MANAGER_ROOT: '' },
  });
  if (result.status !== 0) throw new Error(`track ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
