// Reads a roster file and reports every problem at once, each with its line and column.
import { cleanDeep } from '../domain/clean-text.js';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { $ZodRawIssue } from 'zod/v4/core';
import {
  checkRosterReferences,
  closest,
  ROSTER_KEYS,
  RosterSchema,
  type PathSegment,
  type Roster,
} from './roster-schema.js';

export interface RosterProblem {
  file: string;
  line: number;
  column: number;
  /** Where in the roster, e.g. people[3].roles[0].grid; empty for the whole document. */
  path: string;
  message: string;
}

export class RosterError extends Error {
  override readonly name = 'RosterError';
  constructor(
    readonly file: string,
    readonly problems: RosterProblem[],
  ) {
    super(formatProblems(file, problems));
  }
}

export function formatProblems(file: string, problems: RosterProblem[]): string {
  const head = `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the roster`;
  return [head, ...problems.map((p) => `  ${p.file}:${p.line}:${p.column}  ${p.path || '(document)'}  ${p.message}`)].join('\n');
}

/** people[3].roles[0].grid */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

export function parseRoster(text: string, fileName: string): Roster {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const problems: RosterProblem[] = [];
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const locate = (path: PathSegment[], key?: string) => at(offsetOf(doc, path, key));
  const add = (path: PathSegment[], message: string, key?: string) =>
    problems.push({ file: fileName, ...locate(path, key), path: formatPath(key ? [...path, key] : path), message });

  const syntaxProblems: RosterProblem[] = [];
  const brokenRecords: string[] = [];
  for (const err of doc.errors) {
    const record = formatPath(recordAt(doc, err.pos[0]));
    if (record) brokenRecords.push(record);
    const message = `YAML syntax: ${err.message}${SYNTAX_HINTS[err.code] ?? ''}`;
    syntaxProblems.push({ file: fileName, ...at(err.pos[0]), path: record, message });
  }
  // A syntax error turns the rest of its record into noise: only the syntax error is reported there.
  const syntaxLines = new Set(syntaxProblems.map((p) => p.line));
  const damaged = (p: RosterProblem) =>
    syntaxLines.has(p.line) || brokenRecords.some((r) => p.path === r || p.path.startsWith(`${r}.`) || p.path.startsWith(`${r}[`));

  let data: unknown;
  try {
    // Every value cleaned (cleanDeep): a stray NUL or bidi control in a name must not reach the store.
    data = cleanDeep(doc.toJS({ maxAliasCount: 1000 }));
  } catch (err) {
    const hint = '(a value starting with * or & must be quoted)';
    if (!doc.errors.length) add([], `cannot read the document: ${(err as Error).message} ${hint}`);
    throw new RosterError(fileName, [...syntaxProblems, ...problems]);
  }

  const result = RosterSchema.safeParse(data ?? undefined, { error: describeIssue });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.filter((s): s is PathSegment => typeof s === 'string' || typeof s === 'number');
      if (issue.code === 'unrecognized_keys') {
        const known = knownKeysAt(path);
        for (const key of issue.keys) {
          const hint = closest(key, known);
          const expected = hint ? `did you mean "${hint}"?` : `expected one of: ${known.join(', ')}`;
          add(path, `unknown field "${key}"; ${expected}`, key);
        }
      } else {
        add(path, issue.message);
      }
    }
  }

  for (const issue of checkRosterReferences(data)) {
    let message = issue.message;
    if (issue.relatedPath) message += ` (first used at line ${locate(issue.relatedPath).line}, ${formatPath(issue.relatedPath)})`;
    add(issue.path, message);
  }

  const all = [...syntaxProblems, ...dedupe(problems).filter((p) => !damaged(p))];
  if (all.length || !result.success) throw new RosterError(fileName, all.sort((a, b) => a.line - b.line || a.column - b.column));
  return result.data;
}

function dedupe(problems: RosterProblem[]): RosterProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.column}:${p.path}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The offset of the node at `path` (or of the key `key` in the mapping there); else its nearest ancestor. */
function offsetOf(doc: Document, path: PathSegment[], key?: string): number {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : (doc.getIn(path.slice(0, n), true) as Node | undefined);
    if (!node || typeof node !== 'object' || !('range' in node) || !node.range) continue;
    if (key !== undefined && n === path.length && isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
      const keyNode = pair && isScalar(pair.key) ? pair.key : undefined;
      if (keyNode?.range) return keyNode.range[0];
    }
    return node.range[0];
  }
  return 0;
}

const SYNTAX_HINTS: Partial<Record<string, string>> = {
  BLOCK_AS_IMPLICIT_KEY: ' (a value that contains ": " must be put in quotes)',
  MULTILINE_IMPLICIT_KEY: ' (check the indentation of this line)',
  BAD_INDENT: ' (check the indentation)',
  TAB_AS_INDENT: ' (indent with spaces, not tabs)',
  BAD_ALIAS: ' (* starts an alias in YAML; write "*" in quotes)',
};

/** The innermost record (a list item, or the grid root) whose text holds `offset`. */
function recordAt(doc: Document, offset: number): PathSegment[] {
  const path: PathSegment[] = [];
  let record: PathSegment[] = [];
  let node: unknown = doc.contents;
  const holds = (n: unknown) => {
    const range = (n as Node | null)?.range;
    return !!range && range[0] <= offset && offset <= range[2];
  };
  while (isMap(node) || isSeq(node)) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => holds(p.value) || holds(p.key));
      if (!pair || !isScalar(pair.key) || !holds(pair.value)) break;
      path.push(String(pair.key.value));
      next = pair.value;
    } else {
      const i = node.items.findIndex(holds);
      if (i < 0) break;
      path.push(i);
      next = node.items[i];
    }
    if (typeof path[path.length - 1] === 'number' || (path.length === 1 && path[0] === 'grid')) record = [...path];
    node = next;
  }
  return record;
}

function knownKeysAt(path: PathSegment[]): readonly string[] {
  if (path.length === 0) return ROSTER_KEYS.roster;
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (last === 'grid' && path.length === 1) return ROSTER_KEYS.grid;
  if (typeof last === 'number') {
    if (parent === 'children') return ROSTER_KEYS.grid;
    if (parent === 'departments') return ROSTER_KEYS.department;
    if (parent === 'people') return ROSTER_KEYS.person;
    if (parent === 'roles') return ROSTER_KEYS.role;
    if (parent === 'time_limits') return ROSTER_KEYS.time_limit;
    if (parent === 'faq') return ROSTER_KEYS.faq;
    if (parent === 'topics') return ROSTER_KEYS.topic;
    if (parent === 'matter_defaults') return ROSTER_KEYS.matter_default;
  }
  return [];
}

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value)',
};

function describeValue(v: unknown): string {
  if (v === null) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `text "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  return `${typeof v} ${String(v)}`;
}

/** Messages for the generic issues; the schema's own messages win where it has them. */
function describeIssue(issue: $ZodRawIssue): string | undefined {
  const path = issue.path ?? [];
  const last = path[path.length - 1];
  const field = typeof last === 'string' ? last : undefined;
  const missing = (expected: string) => (field ? `missing required field "${field}" (${expected})` : `expected ${expected}`);
  switch (issue.code) {
    case 'invalid_type': {
      if (path.length === 0) return 'the roster is empty or not a mapping; expected the keys grid, departments, people, time_limits, faq';
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      if (issue.input === undefined) return missing(expected);
      const scalar = typeof issue.input === 'number' || typeof issue.input === 'boolean';
      const quote = issue.expected === 'string' && scalar ? ` (put it in quotes: "${String(issue.input)}")` : '';
      return `expected ${expected}, got ${describeValue(issue.input)}${quote}`;
    }
    case 'invalid_value': {
      const values = `one of ${issue.values.map((v) => String(v)).join(', ')}`;
      return issue.input === undefined ? missing(values) : `expected ${values}; got ${describeValue(issue.input)}`;
    }
    case 'too_small':
      return issue.origin === 'string' ? 'must not be empty' : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    default:
      return undefined;
  }
}
