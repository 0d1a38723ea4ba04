import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { PROJECT_ROOT as REPO_ROOT } from '../helpers/workspace';

/**
 * The core's layers (src/core/README.md): model imports only model; storage never imports an
 * operation; operations reach the file system only through storage and spawn processes only in
 * git-process.ts; nothing in src/core imports vscode, src/cli or src/extension.
 */

type Layer = 'model' | 'storage' | 'operation' | 'outside';

/** Packages a model file may import: it validates and computes, it does no I/O. */
const MODEL_PACKAGES = [/^zod(\/.*)?$/, /^node:crypto$/];
/** The file system and its lock: storage's alone. */
const FILE_SYSTEM_MODULES = /^(node:)?(fs|fs\/promises)$|^proper-lockfile$|^graceful-fs$/;
const CHILD_PROCESS = /^(node:)?child_process$/;
/** The one operation that spawns processes (git, for the merge driver and `init --git`). */
const PROCESS_SPAWNER = 'src/core/git-process.ts';

export function layerOf(file: string): Layer {
  if (file.startsWith('src/core/model/')) return 'model';
  if (file.startsWith('src/core/storage/')) return 'storage';
  if (file.startsWith('src/core/')) return 'operation';
  return 'outside';
}

/** Every module specifier of a file: static import, `export … from`, `import()` and `require()`. */
export function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((entry) => entry.fileName);
}

/** The repository-relative path a relative specifier points at (without extension), or null for a package. */
function resolveRelative(fromFile: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  return path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), specifier));
}

/** The layering violations in the given files (repository-relative path → source), one message each. */
export function findViolations(files: ReadonlyMap<string, string>): string[] {
  const violations: string[] = [];
  for (const [file, source] of files) {
    const layer = layerOf(file);
    if (layer === 'outside') continue;
    for (const specifier of importsOf(source)) {
      const target = resolveRelative(file, specifier);
      // With a trailing slash, `../storage` (a folder's index) and `../storage/files` both land in storage.
      const targetLayer = target === null ? null : layerOf(`${target}/`);
      const say = (rule: string) => violations.push(`${file} imports '${specifier}': ${rule}`);
      if (specifier === 'vscode' || specifier.startsWith('vscode/')) say('nothing in src/core imports vscode (the core is pure Node)');
      if (target !== null && /^src\/(cli|extension)(\/|$)/.test(target)) say('nothing in src/core imports src/cli or src/extension (they call the core, never the other way)');
      if (target !== null && !target.startsWith('src/')) say('src/core imports only src/core and packages');
      if (layer === 'model') {
        if (targetLayer === 'storage' || targetLayer === 'operation') say('a model file imports only model files (schemas, ids, errors, transitions)');
        if (target === null && !MODEL_PACKAGES.some((allowed) => allowed.test(specifier))) say('a model file does no I/O: it imports only model files, zod and node:crypto');
      }
      if (layer === 'storage' && targetLayer === 'operation') say('storage never imports an operation (storage knows nothing of lifecycle)');
      if (layer === 'operation' && FILE_SYSTEM_MODULES.test(specifier)) say('operations never touch the file system directly: use (or add) a function in src/core/storage/');
      if (layer === 'operation' && CHILD_PROCESS.test(specifier) && file !== PROCESS_SPAWNER) say(`only ${PROCESS_SPAWNER} spawns processes: call runGit/git from there`);
    }
  }
  return violations;
}

function readCoreSources(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
      const relative = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(relative);
      else if (entry.name.endsWith('.ts')) files.set(relative, readFileSync(path.join(REPO_ROOT, relative), 'utf8'));
    }
  };
  walk('src/core');
  return files;
}

describe('the core keeps its layers (src/core/README.md)', () => {
  it('no file in src/core breaks the import rule', () => {
    const sources = readCoreSources();
    const counts = { model: 0, storage: 0, operation: 0 };
    for (const file of sources.keys()) {
      const layer = layerOf(file);
      if (layer !== 'outside') counts[layer] += 1;
    }
    // A walk that found nothing would pass vacuously.
    assert.ok(counts.model >= 5 && counts.storage >= 10 && counts.operation >= 20, `unexpected file counts under src/core: ${JSON.stringify(counts)}`);
    const violations = findViolations(sources);
    assert.deepEqual(violations, [], `Layering violations (see src/core/README.md):\n  ${violations.join('\n  ')}`);
  });

  it('reads every kind of import the rule must see', () => {
    const source = [
      "import { a } from './storage/a';",
      "import type { B } from './model/b';",
      "import {\n  c,\n  d,\n} from './c';",
      "export { e } from './e';",
      "export * from './f';",
      "const g = await import('./g');",
      "const h = require('./h');",
      "import './side-effect';",
    ].join('\n');
    assert.deepEqual(importsOf(source).sort(), ['./c', './e', './f', './g', './h', './model/b', './side-effect', './storage/a']);
  });

  it('names each kind of violation', () => {
    const violations = findViolations(new Map([
      ['src/core/storage/journal.ts', "import { activateTrack } from '../lifecycle';\nimport { TrackError } from '../model/errors';\nimport { lock } from './lock';"],
      ['src/core/model/ids.ts', "import { readFile } from 'node:fs/promises';\nimport { StorePaths } from '../storage/paths';\nimport { runs } from '../runs';\nimport * as z from 'zod/mini';"],
      ['src/core/runs.ts', "import { readdir } from 'fs';\nimport lockfile = require('proper-lockfile');\nimport { spawn } from 'node:child_process';\nimport { listFolder } from './storage/folders';"],
      ['src/core/git-process.ts', "import { spawn } from 'node:child_process';"],
      ['src/core/model/format-upgrade.ts', "import { paths } from '../storage';"],
      ['src/core/init/apply.ts', "import type * as vscode from 'vscode';\nconst cli = require('../../cli/commands');\nexport { x } from '../../extension/actions';"],
      ['src/cli/commands.ts', "import { readFile } from 'node:fs/promises';"],
    ]));
    const expected = [
      "src/core/storage/journal.ts imports '../lifecycle': storage never imports an operation",
      "src/core/model/ids.ts imports 'node:fs/promises': a model file does no I/O",
      "src/core/model/ids.ts imports '../storage/paths': a model file imports only model files",
      "src/core/model/ids.ts imports '../runs': a model file imports only model files",
      "src/core/model/format-upgrade.ts imports '../storage': a model file imports only model files",
      "src/core/runs.ts imports 'fs': operations never touch the file system directly",
      "src/core/runs.ts imports 'proper-lockfile': operations never touch the file system directly",
      "src/core/runs.ts imports 'node:child_process': only src/core/git-process.ts spawns processes",
      "src/core/init/apply.ts imports 'vscode': nothing in src/core imports vscode",
      "src/core/init/apply.ts imports '../../cli/commands': nothing in src/core imports src/cli or src/extension",
      "src/core/init/apply.ts imports '../../extension/actions': nothing in src/core imports src/cli or src/extension",
    ];
    for (const start of expected) assert.ok(violations.some((line) => line.startsWith(start)), `missing: ${start}\nfound:\n  ${violations.join('\n  ')}`);
    assert.equal(violations.length, expected.length, `unexpected extra violations:\n  ${violations.join('\n  ')}`);
  });
});
