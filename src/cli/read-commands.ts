import { PRIORITIES, TRACK_STATUSES, TRACK_TYPES, type Priority, type TrackStatus, type TrackType } from '../core/model/schemas';
import { viewTrack } from '../core/queries';
import type { StoreReads } from '../core/reader';
import { parseSince } from '../core/time';
import type { CommandSpec } from './spec';
import { oneOf, str, trackIdOption } from './values';

/**
 * The commands that only read. The launcher runs them from their own small bundle
 * (dist/cli-read.js, see read-bin.ts); `track --help` lists them with the others.
 */
export const READ_COMMANDS: Array<CommandSpec<StoreReads>> = [
  {
    name: 'get-active',
    summary: 'Print the active track, or null',
    options: {},
    run: async (store) => {
      const active = await store.getActiveTrack();
      return { json: active ? viewTrack(active) : null };
    },
  },
  {
    name: 'list',
    summary: 'List tracks, optionally filtered',
    options: {
      status: { type: 'string', value: 'STATUS', description: TRACK_STATUSES.join(', ') },
      type: { type: 'string', value: 'TYPE', description: TRACK_TYPES.join(', ') },
      priority: { type: 'string', value: 'P0-P3', description: 'Only this priority' },
    },
    run: async (store, values) => {
      const { tracks, problems } = await store.listTracks({
        status: oneOf<TrackStatus>(values, 'status', TRACK_STATUSES),
        type: oneOf<TrackType>(values, 'type', TRACK_TYPES),
        priority: oneOf<Priority>(values, 'priority', PRIORITIES),
      });
      return { json: tracks, warnings: problems.map((problem) => problem.message) };
    },
  },
  {
    name: 'show',
    summary: 'Print one track with its context, checkpoints, runs and artifacts',
    options: { 'track-id': trackIdOption },
    run: async (store, values) => {
      const details = await store.getTrackDetails(str(values, 'track-id')!);
      return {
        json: {
          ...viewTrack(details.track),
          decisions: details.context.decisions,
          assumptions: details.context.assumptions,
          checkpoints: details.checkpoints.map((entry) => ({ ...entry, file: store.paths.display(entry.file) })),
          runs: details.runs,
          artifacts: details.artifacts.map((artifact) => ({ ...artifact, path: store.paths.display(artifact.path) })),
          time: await store.trackTime(details.track),
        },
        warnings: details.problems.map((problem) => problem.message),
      };
    },
  },
  {
    name: 'stats',
    summary: 'Print registry statistics; --since adds time worked per track and per type',
    options: { since: { type: 'string', value: 'PERIOD', description: 'Time worked since: 7d, 24h, 90m, 2w or a date (counts only while heartbeats were seen)' } },
    run: async (store, values) => {
      const stats = await store.getStats();
      const since = str(values, 'since');
      return { json: since === undefined ? stats : { ...stats, time: await store.timeReport({ since: parseSince(since, store.ctx.now()) }) } };
    },
  },
];

/** The read commands' names, for the launcher to pick the small bundle without loading this file. */
export const READ_COMMAND_NAMES = ['get-active', 'list', 'show', 'stats'] as const;
