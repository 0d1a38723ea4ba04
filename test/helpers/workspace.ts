import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readIndexAsOneDocument } from './index-files';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');
export const CLI = path.join(PROJECT_ROOT, 'dist', 'cli.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (undefined when it is not JSON). */
  json: any;
}

/** A scratch workspace in the temp folder, removed by `cleanup()`. */
export class Workspace {
  readonly dir: string;

  constructor(prefix = 'track-test-') {
    this.dir = mkdtempSync(path.join(tmpdir(), prefix));
  }

  get conductor(): string { return path.join(this.dir, '.claude', 'conductor'); }
  get tracksDir(): string { return path.join(this.conductor, 'tracks'); }
  get registryFile(): string { return path.join(this.tracksDir, 'track-registry.json'); }
  trackFile(trackId: string): string { return path.join(this.tracksDir, trackId, 'track.json'); }

  /** Runs the built CLI as a real child process, in this workspace. */
  cli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): CliResult {
    const result = spawnSync(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? this.dir,
      env: { ...process.env, TRACK_MANAGER_ROOT: '', TRACK_OWNER_PID: '', ...options.env },
      encoding: 'utf8',
      input: options.input,
    });
    return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, json: parseJson(result.stdout) };
  }

  /** Runs the CLI and fails the test unless it exits 0; returns the JSON printed. */
  ok(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): any {
    const result = this.cli(args, options);
    if (result.code !== 0) throw new Error(`track ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return result.json;
  }

  create(name: string, extra: string[] = []): any {
    return this.ok(['create', '--name', name, '--type', 'feature', '--goal', `Goal of ${name}`, '--priority', 'P2', ...extra]);
  }

  /** The index as one registry document (see readIndexAsOneDocument); written back, a format-1 registry. */
  readIndex(): any {
    return readIndexAsOneDocument(this.tracksDir);
  }

  readJson(file: string): any {
    return JSON.parse(readFileSync(file, 'utf8'));
  }

  writeJson(file: string, value: unknown): void {
    writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function parseJson(text: string): any {
  try {
    return JSON.parse(text);
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
