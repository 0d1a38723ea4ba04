import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';

export const DEFAULT_CONDUCTOR_DIR = path.join('.claude', 'conductor');

export interface StoreLocation {
  /** The workspace the store belongs to. */
  workspaceRoot: string;
  /** `<workspace>/.claude/conductor` unless configured otherwise. */
  conductorDir: string;
}

export interface LocateOptions {
  /** Workspace root; wins over TRACK_MANAGER_ROOT and discovery. */
  root?: string;
  /** Conductor directory, relative to the workspace root or absolute. */
  conductorDir?: string;
  /** Where discovery starts; defaults to the process's working directory. */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Finds the store like git finds `.git`: an explicit root, else TRACK_MANAGER_ROOT, else the
 * nearest ancestor of the working directory holding the conductor directory, else the working
 * directory itself (where a first write will create the store).
 */
export function locateStore(options: LocateOptions = {}): StoreLocation {
  const env = options.env ?? process.env;
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const relativeConductor = options.conductorDir ?? DEFAULT_CONDUCTOR_DIR;
  const explicit = options.root ?? (env.TRACK_MANAGER_ROOT || undefined);
  if (explicit !== undefined) {
    const root = path.resolve(cwd, explicit);
    const suffix = path.sep + path.normalize(relativeConductor);
    if (!path.isAbsolute(relativeConductor) && root.endsWith(suffix)) {
      // `--root <workspace>/.claude/conductor` names the store itself.
      return { workspaceRoot: root.slice(0, -suffix.length) || path.sep, conductorDir: root };
    }
    return { workspaceRoot: root, conductorDir: path.resolve(root, relativeConductor) };
  }
  if (path.isAbsolute(relativeConductor)) return { workspaceRoot: cwd, conductorDir: relativeConductor };
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    if (isDirectory(path.join(dir, relativeConductor))) {
      return { workspaceRoot: dir, conductorDir: path.join(dir, relativeConductor) };
    }
    if (path.dirname(dir) === dir) break;
  }
  return { workspaceRoot: cwd, conductorDir: path.join(cwd, relativeConductor) };
}

function isDirectory(candidate: string): boolean {
  try {
    return existsSync(candidate) && statSync(candidate).isDirectory();
  } catch {
    return false;
  }
}

/** A name that path.join would leave as it is under a folder: no separator, not `.` or `..`. */
const PLAIN_NAME = /^(?!\.\.?$)[A-Za-z0-9._-]+$/;

/**
 * Every path of the store's layout, built only from validated ids. The fixed paths are joined
 * once, and a track's files by plain concatenation: a cold `list` stats every track.json, and
 * path.join's normalisation was half of that loop's time.
 */
export class StorePaths {
  readonly tracksDir: string;
  private readonly tracksPrefix: string;

  constructor(readonly location: StoreLocation) {
    this.tracksDir = path.join(location.conductorDir, 'tracks');
    this.tracksPrefix = this.tracksDir + path.sep;
  }

  get conductorDir(): string { return this.location.conductorDir; }
  get workspaceRoot(): string { return this.location.workspaceRoot; }
  get registryFile(): string { return path.join(this.tracksDir, 'track-registry.json'); }
  get lockDir(): string { return path.join(this.tracksDir, 'track-registry.lock'); }
  /** The index's base and change log (index-files.ts); the registry file is their head. */
  get indexBaseFile(): string { return path.join(this.tracksDir, 'track-index.json'); }
  get indexLogFile(): string { return path.join(this.tracksDir, 'track-index.log'); }
  get journalFile(): string { return path.join(this.tracksDir, 'track-journal.json'); }
  get gitignoreFile(): string { return path.join(this.conductorDir, '.gitignore'); }

  trackDir(trackId: string): string { return PLAIN_NAME.test(trackId) ? this.tracksPrefix + trackId : path.join(this.tracksDir, trackId); }
  trackFile(trackId: string): string { return PLAIN_NAME.test(trackId) ? `${this.tracksPrefix}${trackId}${path.sep}track.json` : path.join(this.trackDir(trackId), 'track.json'); }
  contextDir(trackId: string): string { return path.join(this.trackDir(trackId), 'context'); }
  decisionsFile(trackId: string): string { return path.join(this.contextDir(trackId), 'decisions.json'); }
  assumptionsFile(trackId: string): string { return path.join(this.contextDir(trackId), 'assumptions.json'); }
  artifactsDir(trackId: string): string { return path.join(this.contextDir(trackId), 'artifacts'); }
  checkpointsDir(trackId: string): string { return path.join(this.trackDir(trackId), 'checkpoints'); }
  workflowsDir(trackId: string): string { return path.join(this.trackDir(trackId), 'workflows'); }
  runDir(trackId: string, runId: string): string { return path.join(this.workflowsDir(trackId), runId); }
  runFile(trackId: string, runId: string): string { return path.join(this.runDir(trackId, runId), 'run.json'); }
  activityFile(trackId: string): string { return path.join(this.trackDir(trackId), 'activity.json'); }
  runSnapshotsDir(trackId: string, runId: string): string { return path.join(this.runDir(trackId, runId), 'snapshots'); }

  /** For messages: paths relative to the workspace read better than absolute ones. */
  display(file: string): string {
    // The common case without path.relative, which costs more than the rest of a listing's line.
    const prefix = this.workspaceRoot.endsWith(path.sep) ? this.workspaceRoot : this.workspaceRoot + path.sep;
    if (file.startsWith(prefix) && file.length > prefix.length && !DOT_SEGMENT.test(file.slice(prefix.length))) return file.slice(prefix.length);
    const relative = path.relative(this.workspaceRoot, file);
    return relative && !relative.startsWith('..') ? relative : file;
  }
}

/** A `.` or `..` segment, or doubled separators: a path that path.relative would normalise. */
const DOT_SEGMENT = /(^|[\\/])\.{1,2}([\\/]|$)|[\\/]{2}/;
