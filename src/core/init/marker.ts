import { createHash } from 'node:crypto';

/**
 * Files `track init` writes carry a marker line: who wrote them, which version, and a hash of the
 * rest of the file. A file whose hash still matches is ours and unchanged (init may upgrade it);
 * a file with no marker, or one whose content no longer matches its hash, belongs to someone else
 * (the original track-manager, or a user who edited it) and is never overwritten silently.
 */
export type MarkerStyle = 'line-comment' | 'html-comment';

const MARKER_PATTERN = /^(?:\/\/|<!--) track-manager:generated version=(\S+) sha256=([0-9a-f]{64})\b.*$/m;

export type Ownership =
  | { kind: 'ours'; version: string }
  | { kind: 'edited'; version: string }
  | { kind: 'foreign' };

function hashOf(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

function markerLine(style: MarkerStyle, version: string, hash: string): string {
  const text = `track-manager:generated version=${version} sha256=${hash} — written by \`track init\`; if you edit this file, init leaves it alone`;
  return style === 'line-comment' ? `// ${text}` : `<!-- ${text} -->`;
}

/** The content as written to disk: the marker first (last for Markdown, after its front matter). */
export function stamp(body: string, style: MarkerStyle, version: string): string {
  const line = markerLine(style, version, hashOf(body));
  return style === 'line-comment' ? `${line}\n${body}` : `${body}${body.endsWith('\n') ? '' : '\n'}${line}\n`;
}

/** Whose file this is, judged only from its content. */
export function ownershipOf(content: string): Ownership {
  const match = MARKER_PATTERN.exec(content);
  if (!match) return { kind: 'foreign' };
  const [line, version, hash] = match;
  const start = match.index;
  const end = start + line.length + (content[start + line.length] === '\n' ? 1 : 0);
  const body = content.slice(0, start) + content.slice(end);
  return hashOf(body) === hash ? { kind: 'ours', version } : { kind: 'edited', version };
}
