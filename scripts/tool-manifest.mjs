// Rewrites `contributes.languageModelTools` in package.json from the core's tool catalogue, so the
// manifest VS Code reads never drifts from the tools the extension registers. Run after
// `npm run build` whenever a tool or an input schema changes (test/unit/tool-catalogue.test.ts checks it).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { TOOLS, toolJsonSchema } = require(join(root, 'out', 'src', 'core', 'tools.js'));
const file = join(root, 'package.json');
const manifest = JSON.parse(readFileSync(file, 'utf8'));
const byName = new Map(manifest.contributes.languageModelTools.map((entry) => [entry.name, entry]));
manifest.contributes.languageModelTools = TOOLS.map((tool) => ({ ...byName.get(tool.name), inputSchema: toolJsonSchema(tool) }));
writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`package.json: ${TOOLS.length} language-model tools`);
