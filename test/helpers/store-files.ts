import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { TEMP_FILE_PATTERN, parseDocument } from '../../src/core/storage/files';
import {
  assumptionsSchema, checkpointSchema, decisionsSchema, journalSchema, registrySchema, runSchema, runSnapshotSchema, trackSchema,
} from '../../src/core/model/schemas';

/** The schema of one kind of store document (any of them: each is checked against its own). */
type DocumentSchema = Parameters<typeof parseDocument>[2];

/** Every JSON document of a store (temp files excepted), with the schema it must satisfy. */
export function storeDocuments(conductor: string): Array<{ file: string; schema: DocumentSchema }> {
  const found: Array<{ file: string; schema: DocumentSchema }> = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('track-registry.lock')) walk(full);
        continue;
      }
      if (TEMP_FILE_PATTERN.test(entry.name) || !entry.name.endsWith('.json') || entry.name.startsWith('track-registry.lock')) continue;
      const schema =
        entry.name === 'track.json' ? trackSchema
          : entry.name === 'track-registry.json' ? registrySchema
          : entry.name === 'track-journal.json' ? journalSchema
          : entry.name === 'run.json' ? runSchema
          : entry.name === 'decisions.json' ? decisionsSchema
          : entry.name === 'assumptions.json' ? assumptionsSchema
          : /^checkpoint-\d+(?:-[0-9a-f]{6})?\.json$/.test(entry.name) ? checkpointSchema
          : /^snap-.*\.json$/.test(entry.name) ? runSnapshotSchema
          : null;
      if (schema && !full.includes(`${path.sep}artifacts${path.sep}`)) found.push({ file: full, schema });
    }
  };
  walk(conductor);
  return found;
}

/** Throws (naming the file) unless every document parses and validates. */
export function assertStoreDocumentsValid(conductor: string): number {
  const documents = storeDocuments(conductor);
  for (const { file, schema } of documents) parseDocument(readFileSync(file, 'utf8'), file, schema, { kind: path.basename(file) });
  return documents.length;
}
