import * as vscode from 'vscode';
import type { CreateTrackInput } from '../core/lifecycle';
import { createTrackWizard } from './createTrackWizard';

export interface PickItem<T> extends vscode.QuickPickItem {
  value?: T;
  /** The item the list opens on (at most one). */
  preselect?: boolean;
  /** Shown as the detail only while the typed text matches it (e.g. an id nobody needs to read). */
  hiddenDetail?: string;
}

export interface PickManyOptions<T> {
  title?: string;
  placeHolder?: string;
  value?: string;
  onDidChange?: (value: string, selection: ReadonlyArray<PickItem<T>>) => void;
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
  /** A list to tick items in while typing; `onDidChange` follows each keystroke and tick. */
  pickMany<T>(items: Array<PickItem<T>>, options: PickManyOptions<T>): Promise<{ items: Array<PickItem<T>>; value: string } | undefined>;
  /** The multi-step Create Track input. */
  createTrack(): Promise<CreateTrackInput | undefined>;
}

export const vscodePrompter: Prompter = {
  pick: showPick,
  input: (options) => Promise.resolve(vscode.window.showInputBox(options)),
  message: (kind, text, ...buttons) => {
    const show = kind === 'error' ? vscode.window.showErrorMessage : kind === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    return Promise.resolve(show(text, ...buttons));
  },
  confirm: async (text, action, detail) => (await vscode.window.showWarningMessage(text, { modal: true, detail }, action)) === action,
  ask: (text, detail, ...buttons) => Promise.resolve(vscode.window.showWarningMessage(text, { modal: true, detail }, ...buttons)),
  status: (text) => void vscode.window.setStatusBarMessage(text, 8000),
  createTrack: () => createTrackWizard(),
  pickMany: showPickMany,
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

function showPickMany<T>(items: Array<PickItem<T>>, options: PickManyOptions<T>): Promise<{ items: Array<PickItem<T>>; value: string } | undefined> {
  return new Promise((resolve) => {
    const quickPick = vscode.window.createQuickPick<PickItem<T>>();
    quickPick.title = options.title;
    quickPick.placeholder = options.placeHolder;
    quickPick.canSelectMany = true;
    quickPick.items = items;
    quickPick.selectedItems = items.filter((item) => item.picked);
    quickPick.value = options.value ?? '';
    const changed = () => options.onDidChange?.(quickPick.value, quickPick.selectedItems);
    quickPick.onDidChangeValue(changed);
    quickPick.onDidChangeSelection(changed);
    let done = false;
    const finish = (result: { items: Array<PickItem<T>>; value: string } | undefined) => {
      if (done) return;
      done = true;
      quickPick.dispose();
      resolve(result);
    };
    quickPick.onDidAccept(() => finish({ items: [...quickPick.selectedItems], value: quickPick.value }));
    quickPick.onDidHide(() => finish(undefined));
    quickPick.show();
  });
}

/** showQuickPick, plus an item to open on and details revealed by typing. */
function showPick<T>(items: Array<PickItem<T>>, options: vscode.QuickPickOptions): Promise<PickItem<T> | undefined> {
  return new Promise((resolve) => {
    const quickPick = vscode.window.createQuickPick<PickItem<T>>();
    quickPick.title = options.title;
    quickPick.placeholder = options.placeHolder;
    quickPick.matchOnDescription = Boolean(options.matchOnDescription);
    quickPick.matchOnDetail = Boolean(options.matchOnDetail) || items.some((item) => item.hiddenDetail);
    quickPick.ignoreFocusOut = Boolean(options.ignoreFocusOut);
    const shownFor = (value: string) => {
      const needle = value.trim().toLowerCase();
      return items.map((item) => (item.hiddenDetail && needle && item.hiddenDetail.toLowerCase().includes(needle) ? { ...item, detail: item.hiddenDetail } : item));
    };
    let shown = shownFor('');
    quickPick.items = shown;
    const preselected = shown.find((item) => item.preselect);
    if (preselected) quickPick.activeItems = [preselected];
    if (items.some((item) => item.hiddenDetail)) {
      quickPick.onDidChangeValue((value) => {
        shown = shownFor(value);
        quickPick.items = shown;
      });
    }
    let done = false;
    const finish = (item: PickItem<T> | undefined) => {
      if (done) return;
      done = true;
      quickPick.dispose();
      resolve(item === undefined ? undefined : items[shown.indexOf(item)] ?? item);
    };
    quickPick.onDidAccept(() => finish(quickPick.selectedItems[0] ?? quickPick.activeItems[0]));
    quickPick.onDidHide(() => finish(undefined));
    quickPick.show();
  });
}
