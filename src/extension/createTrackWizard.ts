import * as vscode from 'vscode';
import type { CreateTrackInput } from '../core/lifecycle';
import { PRIORITIES, TRACK_TYPES, type Priority, type TrackType } from '../core/schemas';

const TOTAL_STEPS = 5;
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Create Track as a multi-step input: name, type, goal, priority, success criteria. Each step is
 * validated as you type; the Back button returns to the previous step, Escape cancels.
 */
export async function createTrackWizard(): Promise<CreateTrackInput | undefined> {
  const state: Partial<CreateTrackInput> = {};
  let step = 1;
  while (step >= 1 && step <= TOTAL_STEPS) {
    const result = await runStep(step, state);
    if (result === 'cancel') return undefined;
    step += result === 'back' ? -1 : 1;
  }
  return step > TOTAL_STEPS ? (state as CreateTrackInput) : undefined;
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
      return pick(step, 'Track type', TRACK_TYPES.map((type) => ({ label: type })), state.type, (value) => (state.type = value as TrackType));
    case 3:
      return text(step, 'Goal', 'What the track achieves', state.goal ?? '', (value) => {
        if (!value.trim()) return 'The goal must not be empty';
        if (value.length > 2000) return 'At most 2000 characters';
        return undefined;
      }, (value) => (state.goal = value.trim()));
    case 4:
      return pick(step, 'Priority', PRIORITIES.map((p, i) => ({ label: p, description: ['critical', 'high', 'normal', 'low'][i] })), state.priority ?? 'P2', (value) => (state.priority = value as Priority));
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

function pick(step: number, title: string, items: vscode.QuickPickItem[], current: string | undefined, accept: (value: string) => void): Promise<StepResult> {
  return new Promise((resolve) => {
    const quickPick = vscode.window.createQuickPick();
    quickPick.title = `Create Track: ${title}`;
    quickPick.step = step;
    quickPick.totalSteps = TOTAL_STEPS;
    quickPick.items = items;
    quickPick.ignoreFocusOut = true;
    quickPick.buttons = step > 1 ? [vscode.QuickInputButtons.Back] : [];
    const active = items.find((item) => item.label === current);
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
      accept(chosen.label);
      finish('next');
    });
    quickPick.onDidHide(() => finish('cancel'));
    quickPick.show();
  });
}
