/**
 * Edits a JSON (or JSONC: comments, trailing commas) document by inserting text, so every byte the
 * edit does not touch stays as the user wrote it — their formatting, key order and comments. Used
 * to merge our entries into agents' configuration files.
 */

export type JsonNode =
  | { kind: 'object'; start: number; end: number; members: Array<{ key: string; keyStart: number; value: JsonNode }> }
  | { kind: 'array'; start: number; end: number; items: JsonNode[] }
  | { kind: 'value'; start: number; end: number; value: unknown };

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseDocument(): JsonNode {
    this.skip();
    const node = this.parseValue();
    this.skip();
    if (this.pos !== this.text.length) this.fail('unexpected text after the document');
    return node;
  }

  private fail(message: string): never {
    const line = this.text.slice(0, this.pos).split('\n').length;
    throw new Error(`${message} (line ${line})`);
  }

  private skip(): void {
    for (;;) {
      const rest = this.text.slice(this.pos, this.pos + 2);
      if (/^\s/.test(rest)) this.pos++;
      else if (rest === '//') {
        const end = this.text.indexOf('\n', this.pos);
        this.pos = end < 0 ? this.text.length : end;
      } else if (rest === '/*') {
        const end = this.text.indexOf('*/', this.pos + 2);
        if (end < 0) this.fail('unclosed comment');
        this.pos = end + 2;
      } else return;
    }
  }

  private parseValue(): JsonNode {
    const char = this.text[this.pos];
    if (char === '{') return this.parseObject();
    if (char === '[') return this.parseArray();
    const start = this.pos;
    if (char === '"') {
      const value = this.parseString();
      return { kind: 'value', start, end: this.pos, value };
    }
    const match = /^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!match) this.fail('unexpected character');
    this.pos += match[0].length;
    return { kind: 'value', start, end: this.pos, value: JSON.parse(match[0]) };
  }

  private parseString(): string {
    const start = this.pos;
    this.pos++;
    while (this.pos < this.text.length && this.text[this.pos] !== '"') this.pos += this.text[this.pos] === '\\' ? 2 : 1;
    if (this.pos >= this.text.length) this.fail('unclosed string');
    this.pos++;
    return JSON.parse(this.text.slice(start, this.pos)) as string;
  }

  private parseObject(): JsonNode {
    const start = this.pos++;
    const members: Array<{ key: string; keyStart: number; value: JsonNode }> = [];
    this.skip();
    while (this.text[this.pos] !== '}') {
      if (this.text[this.pos] !== '"') this.fail('expected a key');
      const keyStart = this.pos;
      const key = this.parseString();
      this.skip();
      if (this.text[this.pos++] !== ':') this.fail('expected ":"');
      this.skip();
      members.push({ key, keyStart, value: this.parseValue() });
      this.skip();
      if (this.text[this.pos] === ',') {
        this.pos++;
        this.skip();
      } else if (this.text[this.pos] !== '}') this.fail('expected "," or "}"');
    }
    this.pos++;
    return { kind: 'object', start, end: this.pos, members };
  }

  private parseArray(): JsonNode {
    const start = this.pos++;
    const items: JsonNode[] = [];
    this.skip();
    while (this.text[this.pos] !== ']') {
      items.push(this.parseValue());
      this.skip();
      if (this.text[this.pos] === ',') {
        this.pos++;
        this.skip();
      } else if (this.text[this.pos] !== ']') this.fail('expected "," or "]"');
    }
    this.pos++;
    return { kind: 'array', start, end: this.pos, items };
  }
}

export function parseJsonWithPositions(text: string): JsonNode {
  return new Parser(text.replace(/^\uFEFF/, ' ')).parseDocument();
}

/** The plain value of a node, as JSON.parse would give it. */
export function nodeValue(node: JsonNode): unknown {
  if (node.kind === 'value') return node.value;
  if (node.kind === 'array') return node.items.map(nodeValue);
  return Object.fromEntries(node.members.map((member) => [member.key, nodeValue(member.value)]));
}

export function member(node: JsonNode | undefined, key: string): JsonNode | undefined {
  return node?.kind === 'object' ? node.members.find((entry) => entry.key === key)?.value : undefined;
}

function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** The file's indent unit, guessed from its first indented line; two spaces by default. */
function indentUnit(text: string): string {
  return /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ';
}

function render(value: unknown, indent: string, unit: string): string {
  return JSON.stringify(value, null, unit).replace(/\n/g, `\n${indent}`);
}

/** Whether the element at `offset` starts its own line (then inserted siblings do too). */
function startsLine(text: string, offset: number): boolean {
  return /^[ \t]*$/.test(text.slice(text.lastIndexOf('\n', offset - 1) + 1, offset));
}

/** The file's line ending: a CRLF file gets CRLF in what we insert. */
function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

function insertAfterLast(text: string, container: JsonNode & { start: number; end: number }, lastStart: number, lastEnd: number, entry: (indent: string) => string, unit: string): string {
  const eol = eolOf(text);
  const multiline = startsLine(text, lastStart);
  const indent = multiline ? lineIndent(text, lastStart) : '';
  let at = lastEnd;
  const after = text.slice(at, container.end - 1);
  const comma = /^\s*,/.exec(after);
  if (comma) {
    // A trailing comma (JSONC) already separates: add ours after it and keep the style.
    at += comma[0].length;
    return `${text.slice(0, at)}${multiline ? `${eol}${indent}` : ' '}${entry(indent || lineIndent(text, container.start) + unit).replace(/\n/g, eol)},${text.slice(at)}`;
  }
  return `${text.slice(0, at)},${multiline ? `${eol}${indent}` : ' '}${entry(indent || lineIndent(text, container.start) + unit).replace(/\n/g, eol)}${text.slice(at)}`;
}

function insertIntoEmpty(text: string, container: JsonNode, entry: (indent: string) => string, unit: string): string {
  const eol = eolOf(text);
  const outer = lineIndent(text, container.start);
  const inner = outer + unit;
  return `${text.slice(0, container.start + 1)}${eol}${inner}${entry(inner).replace(/\n/g, eol)}${eol}${outer}${text.slice(container.end - 1)}`;
}

/** Adds `key: value` as the last member of `object`; the rest of the text is untouched. */
export function insertMember(text: string, object: JsonNode, key: string, value: unknown): string {
  if (object.kind !== 'object') throw new Error('not an object');
  const unit = indentUnit(text);
  const entry = (indent: string) => `${JSON.stringify(key)}: ${render(value, indent, unit)}`;
  const last = object.members.at(-1);
  if (!last) return insertIntoEmpty(text, object, entry, unit);
  return insertAfterLast(text, object, last.keyStart, last.value.end, entry, unit);
}

/** Appends `value` as the last element of `array`; the rest of the text is untouched. */
export function appendItem(text: string, array: JsonNode, value: unknown): string {
  if (array.kind !== 'array') throw new Error('not an array');
  const unit = indentUnit(text);
  const entry = (indent: string) => render(value, indent, unit);
  const last = array.items.at(-1);
  if (!last) return insertIntoEmpty(text, array, entry, unit);
  return insertAfterLast(text, array, last.start, last.end, entry, unit);
}
