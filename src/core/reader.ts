import { createContext, type StoreContext, type StoreOptions } from './storage/context';
import * as queries from './queries';
import type { Track } from './model/schemas';
import { surface } from './surface';
import * as time from './time';

/**
 * The read half of TrackStore on its own (TrackStore extends it), for code that only reads: the
 * CLI's read commands load this and none of the write operations, so `track get-active` starts as
 * fast as a process can.
 */
export class TrackReader {
  readonly ctx: StoreContext;

  constructor(options: StoreOptions = {}) {
    this.ctx = createContext(options);
  }

  get paths() { return this.ctx.paths; }

  listTracks(filter?: queries.TrackFilter) { return surface(() => queries.listTracks(this.ctx, filter)); }
  getStats() { return surface(() => queries.getStats(this.ctx)); }
  getTrack(trackId: string) { return surface(() => queries.getTrack(this.ctx, trackId)); }
  getTrackDetails(trackId: string, options?: queries.TrackDetailsOptions) { return surface(() => queries.getTrackDetails(this.ctx, trackId, options)); }
  getActiveTrack() { return surface(() => queries.getActiveTrack(this.ctx)); }
  timeReport(options?: { since?: string; staleMs?: number }) { return time.timeReport(this.ctx, options); }
  trackTime(track: Track, staleMs?: number) { return time.trackTime(this.ctx, track, staleMs); }
}

/** What the read commands use (a TrackReader, or the TrackStore the whole CLI opens). */
export type StoreReads = Pick<TrackReader, 'ctx' | 'paths' | 'listTracks' | 'getStats' | 'getTrack' | 'getTrackDetails' | 'getActiveTrack' | 'timeReport' | 'trackTime'>;
