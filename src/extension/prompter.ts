import * as vscode from 'vscode';
import type { CreateTrackInput } from '../core/lifecycle';
import { createTrackWizard } from './createTrackWizard';

export interface PickItem<T> extends vscode.QuickPickItem {
  value?: T;
}

/**
 * Every question the extension asks the user. The integration tests replace it with scripted
 * answers; everything else (commands, core, tree) runs for real.
 */
export interface Prompter {
  pick<T>(items: Array<PickItem<T>>, options: vscode.QuickPickOptions): Promise<PickItem<T> | undefined>;
  input(options: vscode.InputBoxOptions): Promise<string | undefined>;
  /** A notification with buttons; resolves with the button chosen. */
  message(kind: 'info' | 'warning' | 'error', text: string, ...buttons: string[]): Promise<string | undefined>;
  confirm(text: string, action: string): Promise<boolean>;
  /** The multi-step Create Track input. */
  createTrack(): Promise<CreateTrackInput | undefined>;
}

export const vscodePrompter: Prompter = {
  pick: (items, options) => Promise.resolve(vscode.window.showQuickPick(items, options)),
  input: (options) => Promise.resolve(vscode.window.showInputBox(options)),
  message: (kind, text, ...buttons) => {
    const show = kind === 'error' ? vscode.window.showErrorMessage : kind === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    return Promise.resolve(show(text, ...buttons));
  },
  confirm: async (text, action) => (await vscode.window.showWarningMessage(text, { modal: true }, action)) === action,
  createTrack: createTrackWizard,
};
