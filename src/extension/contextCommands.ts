import * as vscode from 'vscode';
import { showTimeReport } from './timeReport';
import type { StoreService } from './storeService';
import type { WorkingContext } from './workingContext';

/** The working-context commands (issue 13), apart from commands.ts. */
export function registerContextCommands(stores: StoreService, workingContext: WorkingContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('trackManager.showTimeReport', () => showTimeReport(stores)),
    vscode.commands.registerCommand('trackManager.checkoutTrackBranch', () => workingContext.checkoutActiveBranch()),
  ];
}
