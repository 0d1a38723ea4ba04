import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ERROR_EXIT_CODES } from '../../src/core/model/errors';
import { git, headBranch, initRepo } from '../helpers/git-repo';
import { Workspace } from '../helpers/workspace';

describe('branch per track (real git repositories)', function () {
  this.timeout(60_000);
  let ws: Workspace;
  beforeEach(() => {
    ws = new Workspace('track-git-');
    initRepo(ws.dir);
  });
  afterEach(() => ws.cleanup());

  it('records a branch given, derived (template) or updated', () => {
    assert.equal(ws.create('Explicit Branch', ['--branch', 'work/explicit']).branch, 'work/explicit');
    assert.equal(ws.create('OAuth Login Flow', ['--new-branch']).branch, 'feature/oauth-login-flow');
    assert.equal(ws.create('Templated One', ['--new-branch', '--branch-template', 'tm/{slug}']).branch, 'tm/templated-one');
    assert.equal(ws.create('Env Template', ['--new-branch']).branch, 'feature/env-template');
    const envTemplated = ws.ok(['create', '--name', 'From Env', '--type', 'bugfix', '--goal', 'g', '--new-branch'], { env: { TRACK_BRANCH_TEMPLATE: 'fix/{slug}' } });
    assert.equal(envTemplated.branch, 'fix/from-env');
    const bad = ws.cli(['create', '--name', 'Bad Branch', '--type', 'feature', '--goal', 'g', '--branch', 'has space']);
    assert.equal(bad.code, ERROR_EXIT_CODES.E_INVALID_INPUT, bad.stderr);
    const id = ws.create('Later Branch').track_id;
    assert.equal(ws.ok(['update', '--track-id', id, '--field', 'branch', '--value', 'later/one']).branch, 'later/one');
    assert.equal(ws.ok(['update', '--track-id', id, '--field', 'branch', '--value', '']).branch, undefined);
    assert.equal(ws.cli(['update', '--track-id', id, '--field', 'branch', '--value', 'a..b']).code, ERROR_EXIT_CODES.E_INVALID_INPUT);
  });

  it('creates the branch from HEAD on activate --checkout, and checks out an existing one on switch', () => {
    const a = ws.create('Track Alpha', ['--new-branch']).track_id;
    const b = ws.create('Track Beta', ['--branch', 'beta-work']).track_id;
    git(ws.dir, 'branch', 'beta-work');
    const activated = ws.ok(['activate', '--track-id', a, '--checkout']);
    assert.equal(activated.status, 'active');
    assert.equal(activated.git?.created, true);
    assert.equal(headBranch(ws.dir), 'feature/track-alpha');
    const switched = ws.ok(['switch', '--to', b, '--checkout']);
    assert.equal(switched.activated, b);
    assert.equal(switched.git?.created, false);
    assert.equal(switched.git?.previous_branch, 'feature/track-alpha');
    assert.equal(headBranch(ws.dir), 'beta-work');
    // Without --checkout git is left alone.
    ws.ok(['switch', '--to', a]);
    assert.equal(headBranch(ws.dir), 'beta-work');
  });

  it('refuses with E_DIRTY_WORKTREE (exit 16), naming the files, and changes nothing', () => {
    const a = ws.create('Track Alpha', ['--branch', 'alpha']).track_id;
    const b = ws.create('Track Beta', ['--branch', 'beta']).track_id;
    ws.ok(['activate', '--track-id', a, '--checkout']);
    // README differs on beta, and is modified here: git would overwrite it.
    git(ws.dir, 'checkout', '--quiet', '-b', 'beta');
    writeFileSync(path.join(ws.dir, 'README.md'), 'beta version\n');
    git(ws.dir, 'commit', '--quiet', '-am', 'beta readme');
    git(ws.dir, 'checkout', '--quiet', 'alpha');
    writeFileSync(path.join(ws.dir, 'README.md'), 'unsaved alpha work\n');
    const trackBefore = readFileSync(ws.trackFile(a), 'utf8');
    const otherBefore = readFileSync(ws.trackFile(b), 'utf8');
    const refused = ws.cli(['switch', '--to', b, '--checkout']);
    assert.equal(ERROR_EXIT_CODES.E_DIRTY_WORKTREE, 16);
    assert.equal(refused.code, 16, refused.stderr);
    assert.match(refused.stderr, /E_DIRTY_WORKTREE/);
    assert.match(refused.stderr, /README\.md/);
    assert.equal(readFileSync(ws.trackFile(a), 'utf8'), trackBefore);
    assert.equal(readFileSync(ws.trackFile(b), 'utf8'), otherBefore);
    assert.equal(headBranch(ws.dir), 'alpha');
    assert.equal(readFileSync(path.join(ws.dir, 'README.md'), 'utf8'), 'unsaved alpha work\n');
    assert.equal(ws.ok(['get-active'])?.track_id, a);
  });

  it('--stash stashes under the track left, and resuming that track offers and pops it', () => {
    const a = ws.create('Track Alpha', ['--branch', 'alpha']).track_id;
    const b = ws.create('Track Beta', ['--branch', 'beta']).track_id;
    ws.ok(['activate', '--track-id', a, '--checkout']);
    git(ws.dir, 'checkout', '--quiet', '-b', 'beta');
    writeFileSync(path.join(ws.dir, 'README.md'), 'beta version\n');
    git(ws.dir, 'commit', '--quiet', '-am', 'beta readme');
    git(ws.dir, 'checkout', '--quiet', 'alpha');
    writeFileSync(path.join(ws.dir, 'README.md'), 'unsaved alpha work\n');
    writeFileSync(path.join(ws.dir, 'new-file.txt'), 'untracked alpha work\n');
    const switched = ws.ok(['switch', '--to', b, '--checkout', '--stash']);
    assert.equal(headBranch(ws.dir), 'beta');
    assert.match(switched.git?.stashed?.message ?? '', new RegExp(`track-manager: ${a} \\(Track Alpha\\)`));
    assert.equal(readFileSync(path.join(ws.dir, 'README.md'), 'utf8'), 'beta version\n');
    // The store's own files are not stashed: the switch is still recorded.
    assert.equal(ws.ok(['get-active'])?.track_id, b);

    ws.ok(['pause', '--track-id', b, '--reason', 'back to alpha']);
    const offered = ws.cli(['resume', '--track-id', a, '--checkout']);
    assert.equal(offered.code, 0, offered.stderr);
    assert.match(offered.stderr, /stash saved when this track was left/);
    assert.match(offered.json.git?.stash_available?.message ?? '', new RegExp(a));
    assert.equal(readFileSync(path.join(ws.dir, 'README.md'), 'utf8'), 'hello\n');
    ws.ok(['pause', '--track-id', a, '--reason', 'again']);
    const popped = ws.ok(['resume', '--track-id', a, '--checkout', '--pop-stash']);
    assert.equal(popped.git?.stash_popped, true);
    assert.equal(readFileSync(path.join(ws.dir, 'README.md'), 'utf8'), 'unsaved alpha work\n');
    assert.equal(readFileSync(path.join(ws.dir, 'new-file.txt'), 'utf8'), 'untracked alpha work\n');
    assert.equal(git(ws.dir, 'stash', 'list').trim(), '');
  });

  it('checkpoint restore shows the checkpoint branch and checks it out only with --checkout', () => {
    const a = ws.create('Track Alpha', ['--branch', 'alpha']).track_id;
    ws.ok(['activate', '--track-id', a, '--checkout']);
    const checkpoint = ws.ok(['checkpoint', 'create', '--track-id', a]).snapshot_id;
    git(ws.dir, 'checkout', '--quiet', 'main');
    const shown = ws.cli(['checkpoint', 'restore', '--track-id', a, '--checkpoint', checkpoint]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(shown.json.checkpoint_git?.branch, 'alpha');
    assert.match(shown.stderr, /taken on branch alpha/);
    assert.equal(headBranch(ws.dir), 'main');
    const moved = ws.ok(['checkpoint', 'restore', '--track-id', a, '--checkpoint', checkpoint, '--checkout']);
    assert.equal(moved.checkout?.switched, true);
    assert.equal(headBranch(ws.dir), 'alpha');
  });
});
