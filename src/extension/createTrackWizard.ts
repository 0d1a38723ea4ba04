import * as vscode from 'vscode';
import type { CreateTrackInput } from '../core/lifecycle';
import { PRIORITIES, TRACK_TYPES, type Priority, type TrackType } from '../core/model/schemas';
import { typeIcon } from './presentation';

const TOTAL_STEPS = 5;
// eslint-disable-next-line no-control-regex -- a typed name must not carry control characters; this finds them
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Create Track as a multi-step input: name, type, goal, priority, success criteria. Each step is
 * validated as you type; the Back button returns to the previous step; Escape cancels (after the
 * first step, only once the user confirms that what was entered may be discarded).
 */
export async function createTrackWizard(confirmDiscard: (name: string) => Thenable<boolean> = askDiscard): Promise<CreateTrackInput | undefined> {
  const state: Partial<CreateTrackInput> = {};
  let step = 1;
  while (step >= 1 && step <= TOTAL_STEPS) {
    const result = await runStep(step, state);
    if (result === 'cancel') {
      // Escape after the first step would throw away what was typed: ask first.
      if (step === 1 || (await confirmDiscard(state.name ?? ''))) return undefined;
      continue;
    }
    step += result === 'back' ? -1 : 1;
  }
  return step > TOTAL_STEPS ? (state as CreateTrackInput) : undefined;
}

/** A question in the same quick input the user is typing in; Escape here keeps what was entered. */
function askDiscard(name: string): Promise<boolean> {
  return new Promise((resolve) => {
    const question = vscode.window.createQuickPick();
    question.title = `Discard the new track${name ? ` "${name}"` : ''}?`;
    question.placeholder = 'What you entered so far is lost if you discard it';
    const keep = { label: '$(edit) Keep Editing', description: 'return to the step you left' };
    const discard = { label: '$(trash) Discard', description: 'close without creating a track' };
    question.items = [keep, discard];
    question.ignoreFocusOut = true;
    let done = false;
    const finish = (answer: boolean) => {
      if (done) return;
      done = true;
      question.dispose();
      resolve(answer);
    };
    question.onDidAccept(() => finish(question.activeItems[0] === discard));
    question.onDidHide(() => finish(false));
    question.show();
  });
}

/** Track types, the most used first, each with its icon and what it is for. */
export const TYPE_CHOICES: ReadonlyArray<{ type: TrackType; description: string }> = [
  { type: 'feature', description: 'New functionality for users' },
  { type: 'bugfix', description: 'Fix something that is broken' },
  { type: 'refactor', description: 'Restructure code without changing behaviour' },
  { type: 'testing', description: 'Add or improve tests' },
  { type: 'documentation', description: 'Write or update docs' },
  { type: 'performance', description: 'Make something faster or lighter' },
  { type: 'security', description: 'Close a vulnerability or harden a surface' },
  { type: 'migration', description: 'Move to a new version, platform or schema' },
  { type: 'maintenance', description: 'Upgrades, cleanup, chores' },
  { type: 'exploration', description: 'Spike or prototype to learn what works' },
  { type: 'learning', description: 'Study a codebase or technology' },
  { type: 'onboarding', description: 'Get a person or project set up' },
  { type: 'custom', description: 'Anything else' },
];

export function typePickItems(): Array<vscode.QuickPickItem & { type: TrackType }> {
  const known = new Set(TYPE_CHOICES.map((choice) => choice.type));
  const choices = [...TYPE_CHOICES, ...TRACK_TYPES.filter((type) => !known.has(type)).map((type) => ({ type, description: '' }))];
  return choices.map(({ type, description }) => ({ label: `$(${typeIcon(type, 'draft').id}) ${type}`, description, type }));
}

type StepResult = 'next' | 'back' | 'cancel';

async function runStep(step: number, state: Partial<CreateTrackInput>): Promise<StepResult> {
  switch (step) {
    case 1:
      return text(step, 'Track name', 'Descriptive: "OAuth Authentication", not "Auth"', state.name ?? '', (value) => {
        const trimmed = value.trim();
        if (trimmed.length < 3) return 'At least 3 characters';
        if (trimmed.length > 100) return 'At most 100 characters';
        if (CONTROL.test(value)) return 'No control characters';
        return undefined;
      }, (value) => (state.name = value.trim()));
    case 2:
      return pick(step, 'Track type', typePickItems().map((item) => ({ ...item, value: item.type })), state.type, (value) => (state.type = value as TrackType));
    case 3:
      return text(step, 'Goal', 'What the track achieves', state.goal ?? '', (value) => {
        if (!value.trim()) return 'The goal must not be empty';
        if (value.length > 2000) return 'At most 2000 characters';
        return undefined;
      }, (value) => (state.goal = value.trim()));
    case 4:
      return pick(step, 'Priority', PRIORITIES.map((p, i) => ({ label: p, value: p, description: ['critical', 'high', 'normal', 'low'][i] })), state.priority ?? 'P2', (value) => (state.priority = value as Priority));
    default:
      return text(step, 'Success criteria (optional)', 'Separate criteria with ";" — e.g. "Loads in < 2 s; Works on mobile"', (state.successCriteria ?? []).join('; '), (value) => {
        const criteria = value.split(';').map((c) => c.trim()).filter(Boolean);
        if (criteria.some((c) => c.length > 500)) return 'Each criterion at most 500 characters';
        if (CONTROL.test(value)) return 'No control characters';
        return undefined;
      }, (value) => (state.successCriteria = value.split(';').map((c) => c.trim()).filter(Boolean)));
  }
}

function text(step: number, title: string, placeholder: string, value: string, validate: (value: string) => string | undefined, accept: (value: string) => void): Promise<StepResult> {
  return new Promise((resolve) => {
    const box = vscode.window.createInputBox();
    box.title = `Create Track: ${title}`;
    box.step = step;
    box.totalSteps = TOTAL_STEPS;
    box.placeholder = placeholder;
    box.value = value;
    box.ignoreFocusOut = true;
    box.buttons = step > 1 ? [vscode.QuickInputButtons.Back] : [];
    let done = false;
    const finish = (result: StepResult) => {
      if (done) return;
      done = true;
      box.dispose();
      resolve(result);
    };
    box.onDidChangeValue((current) => (box.validationMessage = validate(current)));
    box.onDidTriggerButton(() => finish('back'));
    box.onDidAccept(() => {
      const problem = validate(box.value);
      box.validationMessage = problem;
      if (problem) return;
      accept(box.value);
      finish('next');
    });
    box.onDidHide(() => finish('cancel'));
    box.show();
  });
}

function pick(step: number, title: string, items: Array<vscode.QuickPickItem & { value: string }>, current: string | undefined, accept: (value: string) => void): Promise<StepResult> {
  return new Promise((resolve) => {
    const quickPick = vscode.window.createQuickPick<vscode.QuickPickItem & { value: string }>();
    quickPick.title = `Create Track: ${title}`;
    quickPick.step = step;
    quickPick.totalSteps = TOTAL_STEPS;
    quickPick.items = items;
    quickPick.ignoreFocusOut = true;
    quickPick.buttons = step > 1 ? [vscode.QuickInputButtons.Back] : [];
    const active = items.find((item) => item.value === current);
    if (active) quickPick.activeItems = [active];
    let done = false;
    const finish = (result: StepResult) => {
      if (done) return;
      done = true;
      quickPick.dispose();
      resolve(result);
    };
    quickPick.onDidTriggerButton(() => finish('back'));
    quickPick.onDidAccept(() => {
      const chosen = quickPick.selectedItems[0] ?? quickPick.activeItems[0];
      if (!chosen) return;
      accept(chosen.value);
      finish('next');
    });
    quickPick.onDidHide(() => finish('cancel'));
    quickPick.show();
  });
}
