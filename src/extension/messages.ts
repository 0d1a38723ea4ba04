import * as path from 'node:path';
import type { TrackError } from '../core/model/errors';

/**
 * The core's errors worded for the editor: built from the error's structured details, naming
 * tracks by name and commands by their palette title — never `track …` lines or raw ids.
 */
export function editorMessage(error: TrackError, names: (trackId: string) => string | undefined = () => undefined): string {
  const d = error.details;
  const nameOf = (idKey: string, nameKey: string) => {
    const name = typeof d[nameKey] === 'string' ? d[nameKey] : typeof d[idKey] === 'string' ? names(d[idKey]) : undefined;
    return name ? `"${name}"` : 'the track';
  };
  const file = typeof d.file === 'string' ? path.basename(path.dirname(d.file)) + path.sep + path.basename(d.file) : undefined;
  switch (error.code) {
    case 'E_ANOTHER_ACTIVE': {
      const plain = (label: string) => label.replace(/^"(.*)"$/, '$1');
      return `${plain(nameOf('active_track', 'active_track_name'))} is active. Pause it and switch to ${plain(nameOf('track_id', 'track_name'))}?`;
    }
    case 'E_INVALID_TRANSITION': {
      const action = typeof d.action === 'string' ? d.action : 'change';
      if (typeof d.run_id === 'string') return `This workflow run cannot be resumed: its track ${nameOf('track_id', 'track_name')} is ${String(d.status)}. Reopen the track first, or start a new run.`;
      const next = d.status === 'paused' ? ' Resume it instead.' : ['completed', 'failed', 'cancelled', 'archived'].includes(String(d.status)) ? ' Reopen it first (Track Manager: Reopen).' : d.status === 'draft' || d.status === 'ready' ? ' Activate it first.' : '';
      return `Cannot ${action} ${nameOf('track_id', 'track_name')}: it is ${String(d.status)}.${next}`;
    }
    case 'E_RUNS_IN_PROGRESS': {
      const runs = Array.isArray(d.runs) ? d.runs.length : 0;
      return `${nameOf('track_id', 'track_name')} has ${runs} workflow run${runs === 1 ? '' : 's'} still running.`;
    }
    case 'E_TRACK_NOT_FOUND':
      return 'That track no longer exists in this workspace (it was removed or renamed). Refresh the Tracks view.';
    case 'E_CORRUPT_FILE':
    case 'E_UNSUPPORTED_SCHEMA': {
      const where = typeof d.line === 'number' ? ` at line ${d.line}, column ${String(d.column)}` : typeof d.field === 'string' ? ` at field "${d.field}"` : '';
      const why = error.code === 'E_UNSUPPORTED_SCHEMA' ? 'was written by a newer Track Manager' : 'cannot be read';
      return `${file ?? 'A store file'} ${why}${where}. It was left untouched: open it to fix it, restore it from a checkpoint, or run Track Manager: Run Doctor.`;
    }
    case 'E_NO_SNAPSHOT':
      return `${nameOf('track_id', 'track_name')} has no checkpoint to restore from.`;
    case 'E_LOCK_TIMEOUT':
      return 'The track store is busy (another window, terminal or agent is writing). Retry in a moment.';
    default:
      return withoutCliHints(error.message, names);
  }
}

/** Removes CLI instructions (`track …` in backticks) and replaces known track ids by names. */
export function withoutCliHints(message: string, names: (trackId: string) => string | undefined = () => undefined): string {
  const sentences = message.split(/(?<=[.;:])\s+/).filter((sentence) => !/`track [^`]*`/.test(sentence));
  const text = (sentences.join(' ') || message.replace(/`track [^`]*`/g, 'Track Manager: Run Doctor'))
    .replace(/run `track doctor`/g, 'run Track Manager: Run Doctor')
    .replace(/\btrack-[a-z0-9-]+-\d{10,}\b/g, (id) => {
      const name = names(id);
      return name ? `"${name}"` : 'the track';
    });
  return text.replace(/[;:]$/, '.');
}
