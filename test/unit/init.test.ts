import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { AGENT_SCRIPT_FILES, applyInitPlan, detectOriginalSetup, ownershipOf, planWorkspaceSetup, stamp } from '../../src/core/init';
import { CLI, cliError, PROJECT_ROOT, runNode, Workspace } from '../helpers/workspace';
import { isTrackError } from '../../src/core/model/errors';

const MANAGER = '.claude/skills/track-manager/manager.mjs';
const SKILL = '.claude/skills/track-manager/SKILL.md';
const ASSETS = path.join(PROJECT_ROOT, 'dist', 'init');

/** Every file under the workspace's .claude folder with its bytes and modification time. */
function snapshot(dir: string): Map<string, { bytes: string; mtimeMs: number }> {
  const files = new Map<string, { bytes: string; mtimeMs: number }>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(dir, full), { bytes: readFileSync(full, 'latin1'), mtimeMs: statSync(full).mtimeMs });
    }
  };
  walk(path.join(dir, '.claude'));
  return files;
}

describe('track init', function () {
  this.timeout(60_000);
  let ws: Workspace;
  beforeEach(() => { ws = new Workspace('track-init-'); });
  afterEach(() => ws.cleanup());
  const file = (relative: string) => path.join(ws.dir, relative);

  it('writes the store, the guide\'s scripts at the guide\'s paths, the runtime and SKILL.md', () => {
    const result = ws.cli(['init', '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.json.files.map((f) => [f.path, f.action]), [
      ['.claude/conductor/tracks/track-registry.json', 'create'],
      ...AGENT_SCRIPT_FILES.map((f) => [f.path, 'create']),
    ]);
    for (const relative of ['.claude/skills/track-manager/manager.mjs', '.claude/skills/track-manager/registry.mjs', '.claude/tools/session-recovery.mjs',
      '.claude/tools/snapshot-manager.mjs', '.claude/tools/run-manager.mjs', '.claude/skills/track-manager/track-manager-runtime.cjs', SKILL]) {
      assert.equal(ownershipOf(readFileSync(file(relative), 'utf8')).kind, 'ours', relative);
    }
    const skill = readFileSync(file(SKILL), 'utf8');
    assert.match(skill, /^---\nname: track-manager\ndescription: .*Use when .*\n---\n/, 'front matter first, with when to use it');
    assert.match(skill, /node \.claude\/skills\/track-manager\/manager\.mjs create/);
    assert.match(skill, /node \.claude\/tools\/session-recovery\.mjs detect/);
    assert.equal(ws.readJson(ws.registryFile).schema_version, 1, 'init created the store');
    assert.deepEqual(ws.ok(['list']), []);
  });

  it('twice is a no-op: every file unchanged, byte for byte and in time', () => {
    assert.equal(ws.cli(['init']).code, 0);
    const before = snapshot(ws.dir);
    const again = ws.cli(['init', '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(again.json.files.every((f) => f.action === 'unchanged'), JSON.stringify(again.json.files));
    assert.deepEqual(snapshot(ws.dir), before);
  });

  it('--dry-run prints the plan and writes nothing', () => {
    const dry = ws.cli(['init', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /dry run: nothing written/);
    assert.match(dry.stdout, /create +\.claude\/skills\/track-manager\/manager\.mjs/);
    assert.match(dry.stdout, /8 would be created/);
    assert.ok(!existsSync(path.join(ws.dir, '.claude')));
    const json = ws.cli(['init', '--dry-run', '--json']);
    assert.equal(json.json.dry_run, true);
    assert.ok(!existsSync(path.join(ws.dir, '.claude')));
  });

  it('leaves a skill file the user edited, says so (E_INIT_CONFLICT, exit 19), and still upgrades the rest', () => {
    ws.ok(['init', '--json']);
    const edited = `${readFileSync(file(MANAGER), 'utf8')}\n// my own tweak\n`;
    writeFileSync(file(MANAGER), edited);
    writeFileSync(file('.claude/tools/run-manager.mjs'), 'stale');
    rmSync(file('.claude/tools/snapshot-manager.mjs'));
    const result = ws.cli(['init']);
    assert.equal(result.code, 19, result.stderr);
    assert.match(result.stderr, /^track: E_INIT_CONFLICT: 2 file\(s\) were left as they are .*\.claude\/skills\/track-manager\/manager\.mjs.*track init --force/m);
    assert.match(result.stdout, /leave +\.claude\/skills\/track-manager\/manager\.mjs\n +changed since track init 0\.1\.0 wrote it/);
    assert.match(result.stdout, /leave +\.claude\/tools\/run-manager\.mjs\n +not written by track init/);
    assert.match(result.stdout, /create +\.claude\/tools\/snapshot-manager\.mjs/);
    assert.equal(readFileSync(file(MANAGER), 'utf8'), edited, 'the edit is kept');
    assert.equal(readFileSync(file('.claude/tools/run-manager.mjs'), 'utf8'), 'stale');
    assert.ok(existsSync(file('.claude/tools/snapshot-manager.mjs')));
    const json = ws.cli(['init', '--json']);
    assert.equal(json.code, 19);
    assert.deepEqual(cliError(json.stderr).details?.files, [MANAGER, '.claude/tools/run-manager.mjs']);
    assert.deepEqual(json.json.left, [MANAGER, '.claude/tools/run-manager.mjs']);
  });

  it('--force moves the original scripts aside (<name>.orig) and writes ours; a second --force keeps that copy', () => {
    const original = "// the original track-manager's manager.mjs\nconsole.log('original');\n";
    mkdirSync(path.dirname(file(MANAGER)), { recursive: true });
    writeFileSync(file(MANAGER), original);
    const left = ws.cli(['init']);
    assert.equal(left.code, 19);
    assert.equal(readFileSync(file(MANAGER), 'utf8'), original);
    const forced = ws.cli(['init', '--force', '--json']);
    assert.equal(forced.code, 0, forced.stderr);
    const entry = forced.json.files.find((f) => f.path === MANAGER);
    assert.equal(entry?.action, 'move-aside');
    assert.equal(entry?.moved_to, `${MANAGER}.orig`);
    assert.equal(readFileSync(file(`${MANAGER}.orig`), 'utf8'), original);
    assert.equal(ownershipOf(readFileSync(file(MANAGER), 'utf8')).kind, 'ours');
    const again = ws.cli(['init', '--force', '--json']);
    assert.equal(again.code, 0);
    assert.ok(again.json.files.every((f) => f.action === 'unchanged'));
    assert.ok(!existsSync(file(`${MANAGER}.orig.2`)));
    // And back: the original is one rename away.
    writeFileSync(file(MANAGER), 'edited again');
    const third = ws.cli(['init', '--force', '--json']);
    assert.equal(third.json.files.find((f) => f.path === MANAGER)?.moved_to, `${MANAGER}.orig.2`, 'an earlier copy is never overwritten');
    assert.equal(readFileSync(file(`${MANAGER}.orig`), 'utf8'), original);
  });

  it('upgrades a file an older version wrote and nobody changed', async () => {
    ws.ok(['init', '--json']);
    const olderBody = "// manager.mjs of an older Track Manager\nexport const createTrack = () => 'old';\n";
    writeFileSync(file(MANAGER), stamp(olderBody, 'line-comment', '0.0.9'));
    assert.deepEqual(ownershipOf(readFileSync(file(MANAGER), 'utf8')), { kind: 'ours', version: '0.0.9' });
    const plan = await planWorkspaceSetup({ workspaceRoot: ws.dir, version: '0.1.0', assetsDir: ASSETS });
    assert.equal(plan.entries.find((e) => e.path === MANAGER)!.action, 'upgrade');
    const result = ws.cli(['init', '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.json.files.find((f) => f.path === MANAGER)?.action, 'upgrade');
    assert.doesNotMatch(readFileSync(file(MANAGER), 'utf8'), /older Track Manager/);
  });

  it('applying a plan refuses to write over a file changed after the plan was made', async () => {
    const plan = await planWorkspaceSetup({ workspaceRoot: ws.dir, version: '0.1.0', assetsDir: ASSETS });
    mkdirSync(path.dirname(file(MANAGER)), { recursive: true });
    writeFileSync(file(MANAGER), '// written while the preview was open\n');
    await assert.rejects(applyInitPlan(plan), (error) => isTrackError(error, 'E_INIT_CONFLICT') && /manager\.mjs changed after the set-up plan/.test(error.message));
    assert.equal(readFileSync(file(MANAGER), 'utf8'), '// written while the preview was open\n');
  });

  it('the marker tells ours, edited and foreign files apart, whatever the edit', () => {
    const body = '# Title\n\nText\n';
    const md = stamp(body, 'html-comment', '1.2.3');
    assert.deepEqual(ownershipOf(md), { kind: 'ours', version: '1.2.3' });
    assert.equal(ownershipOf(md.replace('Text', 'Text!')).kind, 'edited');
    assert.equal(ownershipOf(`${md}more\n`).kind, 'edited');
    assert.equal(ownershipOf(body).kind, 'foreign');
    const forged = md.replace(/sha256=[0-9a-f]+/, `sha256=${createHash('sha256').update('x').digest('hex')}`);
    assert.equal(ownershipOf(forged).kind, 'edited');
  });

  it('sets up the folder it is run in (or --root), not an ancestor that holds a store', () => {
    ws.ok(['create', '--name', 'Parent Track', '--type', 'feature', '--goal', 'g']);
    const child = path.join(ws.dir, 'packages', 'child');
    mkdirSync(child, { recursive: true });
    assert.equal(ws.cli(['init'], { cwd: child }).code, 0);
    assert.ok(existsSync(path.join(child, MANAGER)));
    assert.ok(!existsSync(file(MANAGER)));
    const other = new Workspace('track-init-root-');
    try {
      assert.equal(ws.cli(['init', '--root', other.dir]).code, 0);
      assert.ok(existsSync(path.join(other.dir, MANAGER)));
    } finally {
      other.cleanup();
    }
  });

  it('usage errors exit 2; a store in the original format is left as it is and named', () => {
    assert.equal(ws.cli(['init', '--frobnicate']).code, 2);
    mkdirSync(ws.tracksDir, { recursive: true });
    const registry = JSON.stringify({ version: '1.0', active_track: null, tracks: {} });
    writeFileSync(ws.registryFile, registry);
    const result = ws.cli(['init', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const store = result.json.files[0];
    assert.equal(store.action, 'unchanged');
    assert.match(store.reason, /original track-manager wrote/);
    assert.equal(readFileSync(ws.registryFile, 'utf8'), registry);
  });

  it('detects the original scripts and an original-format store (what the editor offers set-up for)', async () => {
    assert.deepEqual(await detectOriginalSetup(ws.dir), { originalScripts: [], originalStore: false, setUp: false });
    mkdirSync(path.join(ws.dir, '.claude/tools'), { recursive: true });
    writeFileSync(path.join(ws.dir, '.claude/tools/session-recovery.mjs'), '// original\n');
    mkdirSync(ws.tracksDir, { recursive: true });
    writeFileSync(ws.registryFile, JSON.stringify({ version: '1.0', tracks: {} }));
    assert.deepEqual(await detectOriginalSetup(ws.dir), { originalScripts: ['.claude/tools/session-recovery.mjs'], originalStore: true, setUp: false });
    ws.ok(['init', '--force', '--json']);
    const after = await detectOriginalSetup(ws.dir);
    assert.deepEqual(after.originalScripts, [], 'ours are not the original');
    assert.equal(after.setUp, true);
  });

  it('a folder where a script belongs is left, or moved aside whole with --force; concurrent inits agree', async () => {
    mkdirSync(file(MANAGER), { recursive: true });
    writeFileSync(path.join(file(MANAGER), 'inside.txt'), 'mine');
    const left = ws.cli(['init', '--json']);
    assert.equal(left.code, 19, left.stderr);
    assert.deepEqual(left.json.left, [MANAGER]);
    assert.equal(ws.cli(['init', '--force']).code, 0);
    assert.equal(readFileSync(path.join(file(`${MANAGER}.orig`), 'inside.txt'), 'utf8'), 'mine');
    assert.equal(ownershipOf(readFileSync(file(MANAGER), 'utf8')).kind, 'ours');

    const fresh = new Workspace('track-init-race-');
    try {
      const runs = await Promise.all([1, 2, 3].map(() => runNode([CLI, 'init', '--json'], { cwd: fresh.dir, env: { TRACK_MANAGER_ROOT: '' } })));
      for (const run of runs) assert.equal(run.code, 0, run.stderr);
      const again = fresh.cli(['init', '--json']);
      assert.ok(again.json.files.every((f) => f.action === 'unchanged'), JSON.stringify(again.json.files));
      assert.equal(fresh.readJson(fresh.registryFile).schema_version, 1);
    } finally {
      fresh.cleanup();
    }
  });

  it('the npm package and the .vsix carry the runtime and the templates beside the CLI', () => {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as Array<{ files: Array<{ path: string }> }>;
    const files = new Set<string>(packed[0].files.map((f) => f.path));
    for (const name of ['track-manager-runtime.cjs', 'manager.mjs', 'registry.mjs', 'session-recovery.mjs', 'snapshot-manager.mjs', 'run-manager.mjs', 'SKILL.md']) {
      assert.ok(files.has(`dist/init/${name}`), name);
    }
    assert.ok(files.has('dist/cli.js'));
    const vscodeignore = readFileSync(path.join(PROJECT_ROOT, '.vscodeignore'), 'utf8');
    assert.match(vscodeignore, /^!dist\/init\/\*\*$/m);
  });
});
