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
  confirm(text: string, action: string, detail?: string): Promise<boolean>;
  /** A modal question with several answers; resolves with the button chosen (undefined: cancelled). */
  ask?(text: string, detail: string | undefined, ...buttons: string[]): Promise<string | undefined>;
  /** A transient confirmation in the status bar's message area (not a popup). */
  status?(text: string): void;
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
  confirm: async (text, action, detail) => (await vscode.window.showWarningMessage(text, { modal: true, detail }, action)) === action,
  ask: (text, detail, ...buttons) => Promise.resolve(vscode.window.showWarningMessage(text, { modal: true, detail }, ...buttons)),
  status: (text) => void vscode.window.setStatusBarMessage(text, 8000),
  createTrack: createTrackWizard,
};

/** Asks a modal question with several answers, through the prompter when it can. */
export function askModal(ui: Prompter, text: string, detail: string | undefined, ...buttons: string[]): Promise<string | undefined> {
  return ui.ask ? ui.ask(text, detail, ...buttons) : Promise.resolve(vscode.window.showWarningMessage(text, { modal: true, detail }, ...buttons));
}

/** Confirms success in the status bar's message area, through the prompter when it can. */
export function showStatus(ui: Prompter, text: string): void {
  if (ui.status) ui.status(text);
  else vscode.window.setStatusBarMessage(text, 8000);
}
