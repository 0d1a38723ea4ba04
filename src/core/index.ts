/** Track Manager's library API: the core store, usable from plain Node (no vscode). */
export { activateTrack, completeTrack, createTrack, getActiveTrack, resumeTrack, suspendTrack, switchTrack, TrackRegistry } from './api';
export { TrackStore } from './store';
export type { StoreOptions } from './storage/context';
export { ERROR_EXIT_CODES, isTrackError, toTrackError, TrackError, type ErrorCode } from './model/errors';
export { DEFAULT_CONDUCTOR_DIR, locateStore, type StoreLocation } from './storage/paths';
export { TRANSITIONS, canTransition, type LifecycleAction, type CreateTrackInput, type CompleteDetails } from './lifecycle';
export { EDITABLE_FIELDS } from './editing';
export { viewTrack, type TrackSummary, type TrackFilter, type RegistryStats, type TrackView, type TrackDetails } from './queries';
export { DEFAULT_STALE_AFTER_MINUTES, formatDetectReport, recoveryCheckDue, type DetectResult, type InterruptedItem, type RecoveryWatch } from './recovery';
export type { DamagedTrack, DamagedTrackRecovery } from './damage';
export type { DoctorReport, DoctorProblem } from './doctor';
export type { Problem } from './storage/registry';
export { isValidId, slugify, TRACK_ID_PATTERN } from './model/ids';
export {
  PRIORITIES, RUN_STATUSES, TRACK_STATUSES, TRACK_TYPES,
  type Checkpoint, type Priority, type Run, type RunStatus, type Track, type TrackStatus, type TrackType,
} from './model/schemas';
export { TOOLS, callTool, describeToolCall, toolJsonSchema, type ToolDefinition, type ToolOutcome } from './tools';
export { buildBrief, type BriefOptions } from './brief';
export { AGENTS, parseAgentList, planAgentSetup, setUpAgents, type AgentName, type CliInvocation, type PlannedFile } from './agent-setup';
