import * as vscode from 'vscode';

/** The "Track Manager" log (Output panel): every operation and every error. */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('Track Manager', { log: true });
}
