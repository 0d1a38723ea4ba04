import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import type { TrackManagerApi } from '../../src/extension/extension';
import type { PickItem, PickManyOptions, Prompter } from '../../src/extension/prompter';
import type { TreeNode } from '../../src/extension/tracksTree';
import type { CreateTrackInput } from '../../src/core/lifecycle';
import type { CliOutput } from '../helpers/cli-output';

export const EXTENSION_ID = 'track-manager.track-manager';

export async function activateExtension(): Promise<TrackManagerApi> {
  const extension = vscode.extensions.getExtension<TrackManagerApi>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed in this host`);
  return extension.activate();
}

/** The text a tree item's label, description or tooltip shows, whichever form it was given in. */
export function itemText(value: string | boolean | vscode.TreeItemLabel | vscode.MarkdownString | undefined): string {
  if (value === undefined || typeof value === 'boolean') return '';
  if (typeof value === 'string') return value;
  return 'value' in value ? value.value : value.label;
}

export function folders(): readonly vscode.WorkspaceFolder[] {
  const list = vscode.workspace.workspaceFolders ?? [];
  if (list.length === 0) throw new Error('the test host opened no folder');
  return list;
}

/**
 * The real CLI as a child process, as an agent in a terminal would call it, without blocking: the
 * tests run inside the extension host, and a synchronous spawn would freeze the host while it holds
 * the store lock (the CLI would then wait for a lock that can never be released: E_LOCK_TIMEOUT).
 */
export function cli<const A extends readonly string[]>(args: A, cwd = folders()[0].uri.fsPath): Promise<CliOutput<A>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [process.env.TRACK_TEST_CLI!, ...args], { cwd, encoding: 'utf8', env: { ...process.env, TRACK_MANAGER_ROOT: '' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`track ${args.join(' ')} exited ${String(error.code)}: ${stderr}`));
      else resolve((stdout.trim() ? JSON.parse(stdout) : null) as CliOutput<A>);
    });
  });
}

export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Walks the whole tree (every level), as the view would when everything is expanded. */
export async function allNodes(api: TrackManagerApi, parent?: TreeNode): Promise<TreeNode[]> {
  const children = await api.tree.getChildren(parent);
  const nested = await Promise.all(children.map((child) => allNodes(api, child)));
  return children.flatMap((child, i) => [child, ...nested[i]]);
}

export async function trackNode(api: TrackManagerApi, name: string): Promise<Extract<TreeNode, { kind: 'track' }>> {
  const node = (await allNodes(api)).find((n) => n.kind === 'track' && n.track.name === name);
  if (!node || node.kind !== 'track') throw new Error(`no row for track "${name}"`);
  return node;
}

type Answer<T> = string | ((items: Array<PickItem<T>>) => PickItem<T> | undefined);

/**
 * Scripted answers to the extension's questions. Each question takes the next queued answer; a
 * question with no answer queued fails the test (so a command that should not ask, does not).
 */
export class ScriptedPrompter implements Prompter {
  readonly picks: Array<{ placeHolder?: string; labels: string[]; items: Array<PickItem<unknown>> }> = [];
  readonly inputs: Array<vscode.InputBoxOptions> = [];
  readonly messages: Array<{ kind: string; text: string; buttons: string[] }> = [];
  /** Answers to lists of any item type: each is matched by label, or a function of the items shown. */
  pickAnswers: Array<Answer<unknown>> = [];
  inputAnswers: Array<string | undefined> = [];
  messageAnswers: Array<string | undefined> = [];
  confirmAnswers: boolean[] = [];
  readonly confirms: Array<{ text: string; action: string; detail?: string }> = [];
  readonly asks: Array<{ text: string; detail?: string; buttons: string[] }> = [];
  askAnswers: Array<string | undefined> = [];
  /** Status-bar confirmations (setStatusBarMessage in the real prompter). */
  readonly statuses: string[] = [];
  createAnswers: Array<CreateTrackInput | undefined> = [];
  /** Each plays the user on a tick-many list: it may type (options.onDidChange) and returns what is accepted. */
  manyAnswers: Array<(items: Array<PickItem<unknown>>, options: PickManyOptions<unknown>) => Promise<{ items: Array<PickItem<unknown>>; value: string } | undefined>> = [];

  async pick<T>(items: Array<PickItem<T>>, options: vscode.QuickPickOptions): Promise<PickItem<T> | undefined> {
    this.picks.push({ placeHolder: options.placeHolder, labels: items.map((i) => i.label), items });
    if (this.pickAnswers.length === 0) throw new Error(`unexpected quick pick: ${options.placeHolder}`);
    const answer = this.pickAnswers.shift()!;
    // The answer was written for this list, so what it picks is one of these items.
    if (typeof answer === 'function') return answer(items) as PickItem<T> | undefined;
    const found = items.find((item) => item.kind !== vscode.QuickPickItemKind.Separator && item.label.includes(answer));
    if (!found) throw new Error(`no item "${answer}" in ${items.map((i) => i.label).join(', ')}`);
    return found;
  }

  async input(options: vscode.InputBoxOptions): Promise<string | undefined> {
    this.inputs.push(options);
    if (this.inputAnswers.length === 0) throw new Error(`unexpected input box: ${options.prompt}`);
    const answer = this.inputAnswers.shift();
    if (answer !== undefined && options.validateInput) {
      const problem = await options.validateInput(answer);
      if (problem) throw new Error(`the input box refused "${answer}": ${typeof problem === 'string' ? problem : problem.message}`);
    }
    return answer;
  }

  async message(kind: 'info' | 'warning' | 'error', text: string, ...buttons: string[]): Promise<string | undefined> {
    this.messages.push({ kind, text, buttons });
    return this.messageAnswers.shift();
  }

  async confirm(text: string, action: string, detail?: string): Promise<boolean> {
    this.confirms.push({ text, action, detail });
    return this.confirmAnswers.shift() ?? false;
  }

  async ask(text: string, detail: string | undefined, ...buttons: string[]): Promise<string | undefined> {
    this.asks.push({ text, detail, buttons });
    return this.askAnswers.shift();
  }

  status(text: string): void {
    this.statuses.push(text);
  }

  async createTrack(): Promise<CreateTrackInput | undefined> {
    if (this.createAnswers.length === 0) throw new Error('unexpected Create Track input');
    return this.createAnswers.shift();
  }

  async pickMany<T>(items: Array<PickItem<T>>, options: PickManyOptions<T>): Promise<{ items: Array<PickItem<T>>; value: string } | undefined> {
    this.picks.push({ placeHolder: options.placeHolder, labels: items.map((i) => i.label), items });
    const answer = this.manyAnswers.shift();
    if (!answer) throw new Error(`unexpected list: ${options.placeHolder}`);
    // As in pick: the answer picks among these items.
    return answer(items, options as PickManyOptions<unknown>) as Promise<{ items: Array<PickItem<T>>; value: string } | undefined>;
  }

  lastMessage(): { kind: string; text: string; buttons: string[] } | undefined {
    return this.messages.at(-1);
  }
}
