import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { PROJECT_ROOT, runNode } from '../helpers/workspace';

/** What `scripts/soak.mjs --json` prints (the counts these checks read). */
interface SoakSummary {
  ops_lost: number;
  torn_files: number;
  doubled_commits: number;
  two_active_events: number;
  compromised_ops_that_committed: number;
  unexpected_errors: number;
  doctor_after_repair: { healthy: boolean };
  sigkills: number;
  takeovers_of_stopped_holders: number;
  ownerless_locks_planted: number;
  future_dated_locks_planted: number;
  ops_committed: number;
}

describe('a bounded soak of the store (npm run soak runs the long one)', function () {
  this.timeout(120_000);

  it('CLI and library writers under SIGKILLs, SIGSTOPped lock holders taken over, ownerless and future-dated locks: nothing lost, torn, doubled or two-active', async () => {
    const result = await runNode([
      path.join(PROJECT_ROOT, 'scripts', 'soak.mjs'),
      '--writers', '4', '--ops', '14', '--kills', '10', '--takeovers', '2', '--odd-locks', '2', '--stale-ms', '3000', '--seed', '7', '--json',
    ]);
    const summary = JSON.parse(result.stdout) as SoakSummary;
    const shown = JSON.stringify(summary, null, 2);
    assert.equal(summary.ops_lost, 0, shown);
    assert.equal(summary.torn_files, 0, shown);
    assert.equal(summary.doubled_commits, 0, shown);
    assert.equal(summary.two_active_events, 0, shown);
    assert.equal(summary.compromised_ops_that_committed, 0, shown);
    assert.equal(summary.unexpected_errors, 0, shown);
    assert.equal(summary.doctor_after_repair.healthy, true, shown);
    // The attack really happened.
    assert.ok(summary.sigkills >= 5, shown);
    assert.ok(summary.takeovers_of_stopped_holders >= 1, shown);
    assert.ok(summary.ownerless_locks_planted + summary.future_dated_locks_planted >= 1, shown);
    assert.ok(summary.ops_committed >= 20, shown);
    assert.equal(result.code, 0, result.stderr);
  });
});
