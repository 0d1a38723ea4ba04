import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ErrorCode } from '../../src/core/model/errors';
import type { Registry, Track } from '../../src/core/model/schemas';
import type { CliOutput } from './cli-output';
import { readIndexAsOneDocument } from './index-files';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');
export const CLI = path.join(PROJECT_ROOT, 'dist', 'cli.js');

export interface CliResult<T = unknown> {
  code: number;
  stdout: string;
  stderr: string;
  /**
   * stdout parsed as JSON, typed as the command's output. Undefined at run time when stdout is not
   * JSON (a failed command prints its error on stderr): tests check `code` before reading it.
   */
  json: T;
}

/**
 * A path that names which document it holds, so `readJson` returns that document's type. The
 * mark is optional, so any string is a `DocumentPath<unknown>`; it is a method so that a caller
 * may read a path as a wider document (`readJson<Track & { extra: … }>(ws.trackFile(id))`).
 */
export type DocumentPath<T> = string & { document?(holds: T): void };

/** A scratch workspace in the temp folder, removed by `cleanup()`. */
export class Workspace {
  readonly dir: string;

  constructor(prefix = 'track-test-') {
    this.dir = mkdtempSync(path.join(tmpdir(), prefix));
  }

  get conductor(): string { return path.join(this.dir, '.claude', 'conductor'); }
  get tracksDir(): string { return path.join(this.conductor, 'tracks'); }
  get registryFile(): DocumentPath<Registry> { return path.join(this.tracksDir, 'track-registry.json'); }
  trackFile(trackId: string): DocumentPath<Track> { return path.join(this.tracksDir, trackId, 'track.json'); }

  /** Runs the built CLI as a real child process, in this workspace. */
  cli<const A extends readonly string[]>(args: A, options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): CliResult<CliOutput<A>> {
    const result = spawnSync(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? this.dir,
      env: { ...process.env, TRACK_MANAGER_ROOT: '', TRACK_OWNER_PID: '', ...options.env },
      encoding: 'utf8',
      input: options.input,
    });
    return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, json: parseJson(result.stdout) as CliOutput<A> };
  }

  /** Runs the CLI and fails the test unless it exits 0; returns the JSON printed. */
  ok<const A extends readonly string[]>(args: A, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliOutput<A> {
    const result = this.cli(args, options);
    if (result.code !== 0) throw new Error(`track ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return result.json;
  }

  create(name: string, extra: string[] = []): CliOutput<['create']> {
    return this.ok(['create', '--name', name, '--type', 'feature', '--goal', `Goal of ${name}`, '--priority', 'P2', ...extra]);
  }

  /** The document at `file`: typed when the path says what it holds (`trackFile`, `registryFile`). */
  readJson<T = unknown>(file: DocumentPath<T>): T {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  }

  /** The index as one registry document (see readIndexAsOneDocument); written back, a format-1 registry. */
  readIndex(): Registry {
    return readIndexAsOneDocument(this.tracksDir);
  }

  writeJson(file: string, value: unknown): void {
    writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What a failed command prints on stderr with --json (`TrackError.toJSON()` under `error`). */
export interface CliErrorOutput<Details = Record<string, unknown>> {
  error: { code: ErrorCode; message: string; details?: Details };
}

/**
 * The error a failed command printed on stderr (with --json); throws when stderr holds none.
 * `Details` is what the test knows this error's details hold (they differ per error).
 */
export function cliError<Details = Record<string, unknown>>(stderr: string): CliErrorOutput<Details>['error'] {
  const printed = parseJson<CliErrorOutput<Details>>(stderr);
  if (!printed?.error) throw new Error(`no JSON error on stderr: ${stderr}`);
  return printed.error;
}

/** `text` parsed as JSON, or undefined; `T` is what the caller knows the text holds. */
export function parseJson<T = unknown>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** Runs a Node script as a child process and resolves with its exit code and output. */
export function runNode(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd, env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
