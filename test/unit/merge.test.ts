import * as assert from 'node:assert/strict';
import { mergeDocuments } from '../../src/core/merge';
import { planGitSetup } from '../../src/core/git-setup';
import type { Activity, ContextEntry, MergeConflict, Track } from '../../src/core/model/schemas';

const NOW = '2026-01-10T00:00:00.000Z';

/** A decisions or assumptions document after a merge (only the fields these tests read). */
interface Entries {
  decisions: ContextEntry[];
  assumptions: ContextEntry[];
  merge_conflicts?: Array<MergeConflict & { discarded: ContextEntry }>;
}

/** A valid track document; `overrides` may make it invalid on purpose. */
function track(overrides: Record<string, unknown> = {}): Track {
  return {
    schema_version: 1,
    track_id: 'track-x-1',
    name: 'Track X',
    type: 'feature',
    status: 'ready',
    priority: 'P2',
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    context: { goal: 'g', success_criteria: ['a'] },
    steps: [],
    progress: { percentage: 0 },
    metrics: { active_duration_ms: 0, pause_count: 0, snapshots_created: 0 },
    status_history: [{ from: null, to: 'draft', at: '2026-01-01T00:00:00.000Z' }],
    last_checkpoint: null,
    ...overrides,
  };
}

describe('three-way merge of store documents', () => {
  it('takes what only one side changed, on different fields', () => {
    const base = track();
    const ours = track({ status: 'active', updated_at: '2026-01-02T00:00:00.000Z', last_activated_at: '2026-01-02T00:00:00.000Z', status_history: [...base.status_history, { from: 'ready', to: 'active', at: '2026-01-02T00:00:00.000Z' }] });
    const theirs = track({ priority: 'P1', updated_at: '2026-01-03T00:00:00.000Z' });
    const result = mergeDocuments('track', base, ours, theirs, NOW);
    assert.equal(result.invalid, null);
    assert.deepEqual(result.conflicts, []);
    const merged = result.merged as Track;
    assert.equal(merged.status, 'active');
    assert.equal(merged.priority, 'P1');
    assert.equal(merged.updated_at, '2026-01-03T00:00:00.000Z');
    assert.equal(merged.status_history.length, 2);
    assert.equal(merged.merge_conflicts, undefined);
  });

  it('on a scalar both changed, the later updated_at wins and the other value is kept in merge_conflicts', () => {
    const base = track();
    const ours = track({ priority: 'P0', updated_at: '2026-01-05T00:00:00.000Z' });
    const theirs = track({ priority: 'P3', updated_at: '2026-01-04T00:00:00.000Z' });
    const merged = mergeDocuments('track', base, ours, theirs, NOW).merged as Track;
    assert.equal(merged.priority, 'P0');
    assert.deepEqual(merged.merge_conflicts, [{ field: 'priority', kept: 'P0', discarded: 'P3', at: NOW }]);
    const flipped = mergeDocuments('track', base, { ...ours, updated_at: '2026-01-03T00:00:00.000Z' }, theirs, NOW).merged as Track;
    assert.equal(flipped.priority, 'P3');
    assert.deepEqual(flipped.merge_conflicts?.[0].discarded, 'P0');
  });

  it('unions status histories by time, adds both sides\' counters, and moves a status with its timestamps', () => {
    const base = track({ status: 'active', last_activated_at: '2026-01-01T01:00:00.000Z' });
    const ours = track({
      status: 'paused', updated_at: '2026-01-02T00:00:00.000Z', last_activated_at: base.last_activated_at,
      status_history: [...base.status_history, { from: 'active', to: 'paused', at: '2026-01-02T00:00:00.000Z' }],
      metrics: { active_duration_ms: 100, pause_count: 1, snapshots_created: 1 },
    });
    const theirs = track({
      status: 'completed', completed_at: '2026-01-03T00:00:00.000Z', updated_at: '2026-01-03T00:00:00.000Z', last_activated_at: base.last_activated_at,
      status_history: [...base.status_history, { from: 'active', to: 'completed', at: '2026-01-03T00:00:00.000Z' }],
      metrics: { active_duration_ms: 50, pause_count: 0, snapshots_created: 2 },
    });
    const result = mergeDocuments('track', base, ours, theirs, NOW);
    const merged = result.merged as Track;
    assert.equal(merged.status, 'completed');
    assert.equal(merged.completed_at, '2026-01-03T00:00:00.000Z');
    assert.deepEqual(merged.status_history.map((h) => h.to), ['draft', 'paused', 'completed']);
    assert.deepEqual(merged.metrics, { active_duration_ms: 150, pause_count: 1, snapshots_created: 3 });
    assert.deepEqual(result.conflicts.map((c) => c.field), ['status']);
  });

  it('merges decisions as a union ordered by time; an entry both rewrote keeps the later rewrite and records the other', () => {
    const entry = (id: string, at: string, text = id, extra: Record<string, string> = {}) => ({ id, text, at, ...extra });
    const base = { schema_version: 1, decisions: [entry('d1', '2026-01-01T00:00:00.000Z')] };
    const ours = { schema_version: 1, decisions: [entry('d1', '2026-01-01T00:00:00.000Z', 'ours', { updated_at: '2026-01-04T00:00:00.000Z' }), entry('d3', '2026-01-03T00:00:00.000Z')] };
    const theirs = { schema_version: 1, decisions: [entry('d1', '2026-01-01T00:00:00.000Z', 'theirs', { updated_at: '2026-01-05T00:00:00.000Z' }), entry('d2', '2026-01-02T00:00:00.000Z')] };
    const result = mergeDocuments('decisions', base, ours, theirs, NOW);
    assert.equal(result.invalid, null);
    const merged = result.merged as Entries;
    assert.deepEqual(merged.decisions.map((d) => `${d.id}:${d.text}`), ['d1:theirs', 'd2:d2', 'd3:d3']);
    assert.deepEqual(merged.merge_conflicts, [{ field: 'decisions[d1]', kept: 'theirs', discarded: ours.decisions[0], at: NOW }]);
    assert.deepEqual(result.conflicts, merged.merge_conflicts);
    // The other way round, ours is the later rewrite; a later merge keeps the earlier record.
    const flipped = mergeDocuments('decisions', base, { ...ours, decisions: [entry('d1', '2026-01-01T00:00:00.000Z', 'ours', { updated_at: '2026-01-06T00:00:00.000Z' })] }, theirs, NOW).merged as Entries;
    assert.deepEqual(flipped.decisions.map((d) => d.text), ['ours', 'd2']);
    assert.equal(flipped.merge_conflicts?.[0].discarded.text, 'theirs');
    const again = mergeDocuments('decisions', merged, { ...merged, decisions: [...merged.decisions, entry('d4', '2026-01-07T00:00:00.000Z')] }, merged, NOW).merged as Entries;
    assert.equal(again.merge_conflicts?.length, 1);
  });

  it('assumptions rewritten on both sides without updated_at: ours kept on a tie, theirs recorded', () => {
    const entry = (text: string) => ({ id: 'assumption-001', text, at: '2026-01-01T00:00:00.000Z' });
    const result = mergeDocuments('assumptions', { schema_version: 1, assumptions: [entry('base')] }, { schema_version: 1, assumptions: [entry('ours')] }, { schema_version: 1, assumptions: [entry('theirs')] }, NOW);
    const merged = result.merged as Entries;
    assert.deepEqual(merged.assumptions.map((a) => a.text), ['ours']);
    assert.deepEqual(merged.merge_conflicts?.map((c) => [c.field, c.kept, c.discarded.text]), [['assumptions[assumption-001]', 'ours', 'theirs']]);
  });

  it('two clones adding the same next id: both entries kept, the later renumbered, no conflict', () => {
    const entry = (id: string, at: string, text: string) => ({ id, text, at });
    const base = { schema_version: 1, decisions: [entry('decision-001', '2026-01-01T00:00:00.000Z', 'first')] };
    const ours = { schema_version: 1, decisions: [...base.decisions, entry('decision-002', '2026-01-03T00:00:00.000Z', 'ours')] };
    const theirs = { schema_version: 1, decisions: [...base.decisions, entry('decision-002', '2026-01-02T00:00:00.000Z', 'theirs')] };
    const result = mergeDocuments('decisions', base, ours, theirs, NOW);
    const merged = result.merged as Entries;
    assert.deepEqual(merged.decisions.map((d) => `${d.id}:${d.text}`), ['decision-001:first', 'decision-002:theirs', 'decision-003:ours']);
    assert.equal(merged.merge_conflicts, undefined);
    assert.deepEqual(result.conflicts, []);
  });

  it('tags: additions from both sides, removals from either', () => {
    const base = track({ metadata: { tags: ['a', 'b'] } });
    const ours = track({ metadata: { tags: ['a', 'b', 'c'] }, updated_at: '2026-01-02T00:00:00.000Z' });
    const theirs = track({ metadata: { tags: ['b', 'd'] }, updated_at: '2026-01-03T00:00:00.000Z' });
    assert.deepEqual((mergeDocuments('track', base, ours, theirs, NOW).merged as Track).metadata?.tags, ['b', 'c', 'd']);
  });

  it('reports a result that would not validate instead of returning it as good', () => {
    const result = mergeDocuments('track', track(), track({ progress: { percentage: 120 } }), track(), NOW);
    assert.match(result.invalid ?? '', /progress/);
  });

  it('two different checkpoints under one file name: the later is kept whole, the other named as set aside', () => {
    const checkpoint = (id: string, at: string) => ({ schema_version: 1, snapshot_id: id, type: 'checkpoint', created_at: at, track_id: 'track-x-1', trigger: { source: 'user', event: 'pause' }, state: { version: '1.0.0', track: track(), context: { decisions: [], assumptions: [] }, runs: [], project: { root_path: '/w', git: null } } });
    const ours = checkpoint('snap-checkpoint-1-aaaaaa', '2026-01-02T00:00:00.000Z');
    const theirs = checkpoint('snap-checkpoint-2-bbbbbb', '2026-01-03T00:00:00.000Z');
    const result = mergeDocuments('checkpoint', null, ours, theirs, NOW);
    assert.equal(result.invalid, null);
    assert.deepEqual(result.merged, theirs);
    assert.deepEqual(result.conflicts.map((c) => [c.kept, c.discarded]), [['snap-checkpoint-2-bbbbbb', 'snap-checkpoint-1-aaaaaa']]);
  });

  it('joins activity intervals from both sides', () => {
    const base = { schema_version: 1, intervals: [] };
    const ours = { schema_version: 1, intervals: [{ start: '2026-01-01T10:00:00.000Z', end: '2026-01-01T11:00:00.000Z' }] };
    const theirs = { schema_version: 1, intervals: [{ start: '2026-01-01T10:30:00.000Z', end: '2026-01-01T12:00:00.000Z' }, { start: '2026-01-02T10:00:00.000Z', end: '2026-01-02T10:05:00.000Z' }] };
    assert.deepEqual((mergeDocuments('activity', base, ours, theirs, NOW).merged as Activity).intervals, [
      { start: '2026-01-01T10:00:00.000Z', end: '2026-01-01T12:00:00.000Z' },
      { start: '2026-01-02T10:00:00.000Z', end: '2026-01-02T10:05:00.000Z' },
    ]);
  });

  it('plans the git set-up: one .gitattributes line, the driver config, nothing when already there', () => {
    const plan = planGitSetup({ storeInRepo: '.claude/conductor', gitattributes: '*.png binary\n', currentDriver: null, currentName: null, driverCommand: 'track merge-file %O %A %B %P' });
    assert.equal(plan.attributesLine, '.claude/conductor/tracks/**/*.json merge=track');
    assert.match(plan.gitattributes ?? '', /^\*\.png binary\n# Track Manager.*\n\.claude\/conductor\/tracks\/\*\*\/\*\.json merge=track\n$/);
    assert.deepEqual(plan.config.map((c) => c.key), ['merge.track.name', 'merge.track.driver']);
    const again = planGitSetup({ storeInRepo: '.claude/conductor', gitattributes: plan.gitattributes, currentDriver: 'track merge-file %O %A %B %P', currentName: plan.config[0].value, driverCommand: 'track merge-file %O %A %B %P' });
    assert.equal(again.gitattributes, null);
    assert.deepEqual(again.config, []);
    assert.throws(() => planGitSetup({ storeInRepo: '', gitattributes: null, currentDriver: null, currentName: null, driverCommand: 'track merge-file' }), /%O %A %B/);
  });
});
