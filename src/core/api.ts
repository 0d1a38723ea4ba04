import type { StoreOptions } from './storage/context';
import type { CompleteDetails, CreateTrackInput, ResumeOptions } from './lifecycle';
import type { TrackFilter } from './queries';
import { TrackStore } from './store';

/**
 * The functions of the spec's Example 5. Called as the spec calls them, they find the store from
 * the working directory; each also takes the store options (e.g. `{ root }`) as a last argument.
 */
function storeFor(options?: StoreOptions): TrackStore {
  return new TrackStore(options);
}

export function createTrack(input: CreateTrackInput, options?: StoreOptions) {
  return storeFor(options).createTrack(input);
}

export function activateTrack(trackId: string, options?: StoreOptions & { force?: boolean }) {
  return storeFor(options).activateTrack(trackId, { force: options?.force });
}

export function suspendTrack(trackId: string, reason: string, options?: StoreOptions) {
  return storeFor(options).suspendTrack(trackId, reason);
}

export function resumeTrack(trackId: string, options?: StoreOptions & ResumeOptions) {
  return storeFor(options).resumeTrack(trackId, { checkpointId: options?.checkpointId });
}

export function completeTrack(trackId: string, details?: CompleteDetails, options?: StoreOptions) {
  return storeFor(options).completeTrack(trackId, details);
}

export function switchTrack(toTrackId: string, options?: StoreOptions) {
  return storeFor(options).switchTrack(toTrackId);
}

export function getActiveTrack(options?: StoreOptions) {
  return storeFor(options).getActiveTrack();
}

/** Registry queries, as in the spec: `new TrackRegistry().listTracks({ status: 'paused' })`. */
export class TrackRegistry {
  private readonly store: TrackStore;

  constructor(options?: StoreOptions) {
    this.store = storeFor(options);
  }

  async listTracks(filter?: TrackFilter) {
    return (await this.store.listTracks(filter)).tracks;
  }

  getStats() {
    return this.store.getStats();
  }

  getActiveTrack() {
    return this.store.getActiveTrack();
  }

  getTrack(trackId: string) {
    return this.store.getTrack(trackId);
  }
}
