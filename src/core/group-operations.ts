import { updateTrack } from './editing';
import * as lifecycle from './lifecycle';
import type { StoreContext } from './storage/context';
import { registerGroupOperation, runGrouped } from './storage/group-commit';

/**
 * The writes another process's lock holder may run for us (group commit, storage/group-commit.ts):
 * pure changes of the store, decided by their JSON arguments and the store alone — nothing that
 * depends on the caller's working folder, environment, editor or git checkout. Arguments come back
 * from JSON, so an absent option arrives as null.
 */
const optional = <T>(value: unknown): T | undefined => (value === null || value === undefined ? undefined : value as T);
type Action = Parameters<typeof lifecycle.transitionTrack>[2];

const OPERATIONS = {
  create: (ctx: StoreContext, [input]: unknown[]) => lifecycle.createTrack(ctx, input as lifecycle.CreateTrackInput),
  switch: (ctx: StoreContext, [to, options]: unknown[]) => lifecycle.switchTrack(ctx, to as string, optional(options)),
  activate: (ctx: StoreContext, [id, options]: unknown[]) => lifecycle.activateTrack(ctx, id as string, optional(options)),
  suspend: (ctx: StoreContext, [id, reason, leave]: unknown[]) => lifecycle.suspendTrack(ctx, id as string, reason as string, optional(leave)),
  resume: (ctx: StoreContext, [id, options]: unknown[]) => lifecycle.resumeTrack(ctx, id as string, optional(options)),
  complete: (ctx: StoreContext, [id, details]: unknown[]) => lifecycle.completeTrack(ctx, id as string, optional(details)),
  transition: (ctx: StoreContext, [id, action, reason, options]: unknown[]) =>
    lifecycle.transitionTrack(ctx, id as string, action as Action, optional(reason), optional(options)),
  update: (ctx: StoreContext, [id, field, value]: unknown[]) => updateTrack(ctx, id as string, field as string, value),
};

type Operations = typeof OPERATIONS;
export type GroupableName = keyof Operations;

for (const [name, operation] of Object.entries(OPERATIONS)) registerGroupOperation(name, operation);

/** Runs the operation through group commit: alone when the lock is free, else queued for its holder. */
export function grouped<N extends GroupableName>(ctx: StoreContext, name: N, ...args: unknown[]): Promise<Awaited<ReturnType<Operations[N]>>> {
  return runGrouped(ctx, name, args);
}
