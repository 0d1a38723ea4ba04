import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../helpers/workspace';

/** The parts of package.json these tests read. */
interface Manifest {
  engines: { vscode: string };
  main: string;
  contributes: {
    commands: Array<{ command: string; category?: string; icon?: string }>;
    menus?: Record<string, Array<{ command: string }>>;
    viewsContainers: { activitybar: Array<{ title: string; icon: string }> };
    viewsWelcome: Array<{ when: string; contents: string }>;
  };
}

const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as Manifest;

function extensionSources(): string {
  const dir = path.join(PROJECT_ROOT, 'src', 'extension');
  const files: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) files.push(readFileSync(full, 'utf8'));
    }
  };
  walk(dir);
  return files.join('\n');
}

describe('the extension manifest', () => {
  it('contributes every command the extension registers, and registers every contributed command', () => {
    const contributed = new Set<string>(manifest.contributes.commands.map((c) => c.command));
    const registered = new Set([...extensionSources().matchAll(/registerCommand\(\s*['"`]([\w.]+)['"`]/g)].map((m) => m[1]));
    assert.ok(registered.size > 0);
    assert.deepEqual([...registered].sort(), [...contributed].sort());
  });

  it('every command used in a menu is contributed, with the Track Manager category', () => {
    const contributed = new Set<string>(manifest.contributes.commands.map((c) => c.command));
    for (const command of manifest.contributes.commands) assert.equal(command.category, 'Track Manager', command.command);
    for (const entries of Object.values(manifest.contributes.menus ?? {})) {
      for (const entry of entries) assert.ok(contributed.has(entry.command), entry.command);
    }
  });

  it('keeps the editor API out of the core and the CLI', () => {
    for (const layer of ['core', 'cli']) {
      const dir = path.join(PROJECT_ROOT, 'src', layer);
      for (const file of readdirSync(dir, { recursive: true, withFileTypes: true })) {
        if (!file.isFile()) continue;
        const full = path.join(file.parentPath ?? (file as unknown as { path: string }).path, file.name);
        const text = readFileSync(full, 'utf8');
        assert.doesNotMatch(text, /from ['"]vscode['"]|require\(['"]vscode['"]\)/, path.relative(PROJECT_ROOT, full));
      }
    }
  });

  it('declares the engine, the view container with its icon, and an allow-list .vscodeignore', () => {
    assert.equal(manifest.engines.vscode, '^1.100.0');
    assert.equal(manifest.main, './dist/extension.js');
    const container = manifest.contributes.viewsContainers.activitybar[0];
    assert.equal(container.title, 'Tracks');
    readFileSync(path.join(PROJECT_ROOT, container.icon));
    const ignore = readFileSync(path.join(PROJECT_ROOT, '.vscodeignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    assert.equal(ignore[0], '**');
    assert.ok(ignore.slice(1).every((line) => line.startsWith('!')));
    // The packaged CLI (`track mcp`, the agents' hooks) runs every bundle its launcher can pick.
    const launcher = readFileSync(path.join(PROJECT_ROOT, 'src', 'cli', 'launcher.ts'), 'utf8');
    const bundles = [...new Set(launcher.match(/cli-[a-z]+\.js/g))];
    assert.ok(bundles.length >= 3, bundles.join(', '));
    for (const bundle of bundles) assert.ok(ignore.includes(`!dist/${bundle}`), `.vscodeignore leaves out dist/${bundle}`);
  });

  it('welcomes only a store known to be empty, in plain words; a track-switch icon of its own; a pulse for Run Doctor', () => {
    const [welcome] = manifest.contributes.viewsWelcome;
    assert.equal(welcome.when, 'trackManager.storeEmpty', 'not shown while the store is still being read');
    assert.doesNotMatch(welcome.contents, /`/, 'the welcome view shows backticks literally');
    const icon = manifest.contributes.viewsContainers.activitybar[0].icon;
    assert.equal(icon, 'media/track-manager.svg');
    const svg = readFileSync(path.join(PROJECT_ROOT, icon), 'utf8');
    assert.match(svg, /^<svg [^>]*viewBox="0 0 24 24"[^>]*stroke="currentColor"/, 'a monochrome 24×24 icon that follows the theme');
    assert.doesNotMatch(svg, /<(image|script)|href=/, 'self-contained');
    const doctor = manifest.contributes.commands.find((c) => c.command === 'trackManager.runDoctor');
    assert.equal(doctor?.icon, '$(pulse)');
  });
});
