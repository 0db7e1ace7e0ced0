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
import { packed, said, sayRoster, unpack, type Said } from './said.js';

export interface RosterProblem extends Said {
  file: string;
  line: number;
  column: number;
  /** Where in the roster, e.g. people[3].roles[0].grid; empty for the whole document. */
  path: string;
  /** The English text (logs); `key` and `params` give it in any language. */
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

export function formatProblems(file: string, problems: RosterProblem[], locale = 'en'): string {
  const head = sayRoster(locale, { key: 'roster:head', params: { file, count: problems.length } });
  const whole = sayRoster(locale, { key: 'roster:document', params: {} });
  return [head, ...problems.map((p) => `  ${p.file}:${p.line}:${p.column}  ${p.path || whole}  ${sayRoster(locale, p)}`)].join('\n');
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
  const add = (path: PathSegment[], what: Said & { message: string }, key?: string) =>
    problems.push({ file: fileName, ...locate(path, key), path: formatPath(key ? [...path, key] : path), key: what.key, params: what.params, message: what.message });

  // One syntax error is reported, the first: the ones after it are mostly its echoes (a tab or a
  // bad indent makes every later line look wrong), and they come back if they are real.
  const syntaxProblems: RosterProblem[] = [];
  const brokenRecords: string[] = [];
  const errors = [...doc.errors].sort((a, b) => a.pos[0] - b.pos[0]);
  for (const err of errors) brokenRecords.push(formatPath(recordAt(doc, err.pos[0])));
  const first = errors[0];
  if (first) {
    const params = { line: at(first.pos[0]).line, more: errors.length - 1, detail: first.message.split('\n')[0] };
    const what = said(`syntax.${syntaxHint(first)}${errors.length > 1 ? '_more' : ''}`, params);
    syntaxProblems.push({ file: fileName, ...at(first.pos[0]), path: brokenRecords[0] ?? '', ...what });
  }
  // Outside any record (a list item, the grid root), the document's shape is lost: nothing else can be read.
  if (brokenRecords.includes('')) throw new RosterError(fileName, syntaxProblems);
  // A broken grid tree has lost nodes: every reference into it would be reported as unknown.
  const treeBroken = brokenRecords.some((r) => r === 'grid' || r.startsWith('grid.'));
  const departmentsBroken = brokenRecords.some((r) => r.startsWith('departments['));
  // A syntax error turns the rest of its record into noise: only the syntax error is reported there.
  const syntaxLines = new Set(syntaxProblems.map((p) => p.line));
  const damaged = (p: RosterProblem) =>
    syntaxLines.has(p.line) || brokenRecords.some((r) => p.path === r || p.path.startsWith(`${r}.`) || p.path.startsWith(`${r}[`));

  let data: unknown;
  try {
    // Every value cleaned (cleanDeep): a stray NUL or bidi control in a name must not reach the store.
    data = cleanDeep(doc.toJS({ maxAliasCount: 1000 }));
  } catch (err) {
    if (!doc.errors.length) add([], said('unreadable', { detail: (err as Error).message }));
    throw new RosterError(fileName, [...syntaxProblems, ...problems]);
  }

  const result = RosterSchema.safeParse(data ?? undefined, { error: describeIssue });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.filter((s): s is PathSegment => typeof s === 'string' || typeof s === 'number');
      if (issue.code === 'unrecognized_keys') {
        const known = knownKeysAt(path);
        for (const key of issue.keys) {
          // A key that is itself a list or mapping comes from broken YAML, reported above.
          if (key.includes('\n') || key.length > 80) continue;
          const hint = closest(key, known);
          add(path, hint ? said('unknown_field_hint', { key, hint }) : said('unknown_field', { key, known: known.join(', ') }), key);
        }
      } else {
        add(path, unpack(issue.message));
      }
    }
  }

  const references = treeBroken ? [] : checkRosterReferences(data).filter((i) => !(departmentsBroken && i.key.startsWith('roster:unknown_department')));
  for (const issue of references) {
    const related = issue.relatedPath ? { firstLine: locate(issue.relatedPath).line, firstPath: formatPath(issue.relatedPath) } : null;
    add(issue.path, related ? said(`${issue.key.replace(/^roster:/, '')}_first`, { ...issue.params, ...related }) : issue);
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

/** YAML's error codes that have a plain explanation; the rest show YAML's own words. */
const SYNTAX_HINTS: Partial<Record<string, string>> = {
  BLOCK_AS_IMPLICIT_KEY: 'colon',
  MULTILINE_IMPLICIT_KEY: 'indent',
  BAD_INDENT: 'indent',
  TAB_AS_INDENT: 'tab',
  BAD_ALIAS: 'alias',
};

function syntaxHint(err: { code: string; message: string }): string {
  if (err.code === 'MISSING_CHAR') return /quote/i.test(err.message) ? 'quote' : /without - indicator/.test(err.message) ? 'dash' : 'other';
  return SYNTAX_HINTS[err.code] ?? 'other';
}

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

const TYPE_KEYS: Record<string, string> = {
  string: 'roster:type.text',
  number: 'roster:type.number',
  int: 'roster:type.int',
  boolean: 'roster:type.boolean',
  array: 'roster:type.list',
  object: 'roster:type.mapping',
};

/** What a value is, for "got …": a key and the shown value. */
function describeValue(v: unknown): { gotKey: string; value: string } {
  if (v === null) return { gotKey: 'roster:got.empty', value: '' };
  if (Array.isArray(v)) return { gotKey: 'roster:got.list', value: '' };
  if (typeof v === 'object') return { gotKey: 'roster:got.mapping', value: '' };
  if (typeof v === 'string') return { gotKey: 'roster:got.text', value: v.length > 40 ? `${v.slice(0, 40)}…` : v };
  return { gotKey: 'roster:got.other', value: `${typeof v} ${String(v)}` };
}

/** Messages for the generic issues; the schema's own messages win where it has them. */
function describeIssue(issue: $ZodRawIssue): string | undefined {
  const path = issue.path ?? [];
  const last = path[path.length - 1];
  const field = typeof last === 'string' ? last : undefined;
  switch (issue.code) {
    case 'invalid_type': {
      if (path.length === 0) return packed('not_a_roster');
      const expectedKey = TYPE_KEYS[issue.expected] ?? 'roster:type.other';
      if (issue.input === undefined) return field ? packed('missing_field', { field, expectedKey }) : packed('expected', { expectedKey });
      const scalar = typeof issue.input === 'number' || typeof issue.input === 'boolean';
      if (issue.expected === 'string' && scalar) return packed('expected_quoted', { expectedKey, ...describeValue(issue.input), raw: String(issue.input) });
      return packed('expected_got', { expectedKey, ...describeValue(issue.input) });
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => String(v)).join(', ');
      if (issue.input === undefined) return field ? packed('missing_field_one_of', { field, values }) : packed('expected_one_of', { values });
      return packed('one_of_got', { values, ...describeValue(issue.input) });
    }
    case 'too_small':
      return issue.origin === 'string' ? packed('not_empty') : packed('at_least', { minimum: String(issue.minimum) });
    case 'too_big':
      return packed('at_most', { maximum: String(issue.maximum) });
    default:
      return undefined;
  }
}
