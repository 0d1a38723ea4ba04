import { TrackError } from './errors';
import type { Track, TrackStatus } from './schemas';

export type LifecycleAction =
  | 'ready' | 'activate' | 'pause' | 'resume' | 'complete' | 'fail' | 'cancel' | 'archive' | 'reopen';

const TERMINAL: TrackStatus[] = ['completed', 'failed', 'cancelled'];

/** The whole state machine: which statuses each action accepts and where it leads. */
export const TRANSITIONS: Record<LifecycleAction, { from: TrackStatus[]; to: TrackStatus }> = {
  ready: { from: ['draft'], to: 'ready' },
  activate: { from: ['draft', 'ready'], to: 'active' },
  pause: { from: ['active'], to: 'paused' },
  resume: { from: ['paused'], to: 'active' },
  complete: { from: ['active', 'paused'], to: 'completed' },
  fail: { from: ['active', 'paused'], to: 'failed' },
  cancel: { from: ['draft', 'ready', 'active', 'paused'], to: 'cancelled' },
  archive: { from: TERMINAL, to: 'archived' },
  reopen: { from: [...TERMINAL, 'archived'], to: 'ready' },
};

export function canTransition(status: TrackStatus, action: LifecycleAction): boolean {
  return TRANSITIONS[action].from.includes(status);
}

/** Applies one transition: status, history, timestamps and metrics. Throws when not allowed. */
export function applyTransition(track: Track, action: LifecycleAction, now: string, reason?: string): Track {
  if (!canTransition(track.status, action)) throw invalidTransition(track, action);
  const to = TRANSITIONS[action].to;
  const nowMs = Date.parse(now);
  const metrics = { ...track.metrics };
  const next: Track = { ...track, status: to, updated_at: now };
  if (track.status === 'active' && track.last_activated_at) {
    metrics.active_duration_ms += Math.max(0, nowMs - Date.parse(track.last_activated_at));
  }
  if (to === 'active') {
    next.started_at = track.started_at ?? now;
    next.last_activated_at = now;
  }
  if (action === 'pause') metrics.pause_count += 1;
  if (to === 'completed') next.completed_at = now;
  if (action === 'reopen') delete next.completed_at;
  next.metrics = metrics;
  next.status_history = [...track.status_history, { from: track.status, to, at: now, ...(reason ? { reason } : {}) }];
  return next;
}

export function invalidTransition(track: Track, action: LifecycleAction): TrackError {
  const id = track.track_id;
  const status = track.status;
  const hints: Partial<Record<LifecycleAction, Partial<Record<TrackStatus, string>>>> = {
    activate: {
      active: 'it is already active',
      paused: `it is paused: resume it with \`track resume --track-id ${id}\``,
    },
    resume: {
      active: 'it is already active',
      draft: `it has not started: activate it with \`track activate --track-id ${id}\``,
      ready: `it has not started: activate it with \`track activate --track-id ${id}\``,
    },
    pause: { paused: 'it is already paused' },
  };
  let hint = hints[action]?.[status];
  if (!hint && TERMINAL.concat('archived').includes(status) && action !== 'archive') {
    hint = `it is ${status}: reopen it first with \`track reopen --track-id ${id}\``;
  }
  if (!hint && (status === 'draft' || status === 'ready') && ['pause', 'complete', 'fail'].includes(action)) {
    hint = `it is ${status}: activate it first with \`track activate --track-id ${id}\``;
  }
  if (!hint && action === 'archive') hint = `only completed, failed or cancelled tracks can be archived; it is ${status}`;
  if (!hint && action === 'reopen') hint = `it is ${status}, not finished`;
  const allowed = TRANSITIONS[action].from.join(', ');
  return new TrackError(
    'E_INVALID_TRANSITION',
    `Cannot ${action} track ${id}: ${hint ?? `it is ${status}`} (${action} applies to: ${allowed}).`,
    { track_id: id, track_name: track.name, status, action },
  );
}
