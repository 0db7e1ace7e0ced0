// The roster file: the grid tree, people, their identities and roles, departments, time limits and
// FAQ entries. The zod schema checks each value; `checkRosterReferences` checks what ties them
// together (codes that must exist or be unique, the level order of the tree).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CLOCK_RE, DEFAULT_QUIET_HOURS } from '../domain/alert-policy.js';
import { holdsPost, isCadre, isOfficer, isResident } from '../domain/roles.js';
import { FOLLOW_UP_OUTCOMES, type FollowUpSettings } from '../domain/broadcast.js';
import {
  CATEGORIES,
  GRID_LEVELS,
  LOCALES,
  MATTER_LEVELS,
  ROLES,
  SIZES,
  type GridLevel,
  type Role,
} from '../domain/types.js';
import { packed, said, type Said } from './said.js';

export const DEFAULT_TIMEZONE = 'Asia/Shanghai';
export const DEFAULT_REPORT_IN_MINUTES = 30;
export const GRID_KINDS = ['standard', 'dedicated'] as const;
export type GridKind = (typeof GRID_KINDS)[number];

export const CODE_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const JOIN_CODE_RE = /^[A-Z0-9]{4,16}$/;
const TELEGRAM_ID_RE = /^[1-9][0-9]{0,19}$/;
const SLACK_ID_RE = /^[UW][A-Z0-9]{2,}$/;
/** A WeCom member's UserID (通讯录): 1–64 of letters, digits and _-@. */
const WECOM_ID_RE = /^[A-Za-z0-9_\-@.]{1,64}$/;
const PHONE_RE = /^\+?[0-9][0-9 -]{4,19}$/;

const code = (what: 'grid' | 'department' | 'person' | 'faq' | 'topic', example: string) =>
  z.string().regex(CODE_RE, packed('code_format', { whatKey: `roster:what.${what}`, example }));

const text = z.string().trim().min(1, packed('not_empty'));
const count = z.number().int(packed('whole_number')).nonnegative(packed('not_negative'));
const minutes = z.number().int(packed('whole_minutes')).positive(packed('min_minute'));

/** Numbers are accepted too, since YAML reads an unquoted id as a number. */
const numericText = (message: string, re: RegExp) =>
  z
    .union([z.string(), z.number().int().nonnegative()], { error: message })
    .transform((v) => String(v).trim())
    .pipe(z.string().regex(re, message));

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const timezone = z.string().refine(isTimeZone, packed('time_zone'));

const clock = z.string().regex(CLOCK_RE, packed('clock'));

/** Local times in the node's zone; equal ends mean no quiet hours. */
export const QuietHoursSchema = z.strictObject({ from: clock, to: clock });

const TELEGRAM_CHAT_MESSAGE = packed('telegram_chat');

/** Where a node's cadre alerts go. With no group named they go to its cadres' DMs. */
export const AlertsSchema = z.strictObject({
  /** A Telegram group or supergroup id, e.g. "-1001234567890". */
  telegram_chat: z
    .union([z.string(), z.number().int()], { error: TELEGRAM_CHAT_MESSAGE })
    .transform((v) => String(v).trim())
    .pipe(z.string().regex(/^-?[1-9][0-9]{0,19}$/, TELEGRAM_CHAT_MESSAGE))
    .optional(),
  /** A Slack channel id, e.g. C0123ABCD. */
  slack_channel: z.string().regex(/^[CG][A-Z0-9]{2,}$/, packed('slack_channel')).optional(),
  /** Also DM the node's cadres; default: only when no group is named. */
  dm: z.boolean().optional(),
  /** The language of what is posted to the group (default zh-CN). */
  locale: z.enum(LOCALES).optional(),
});

/** 纠纷不过夜: local times; a dispute reported after `evening` (or before `morning`) is due at `morning`. */
export const DisputeCutoffSchema = z
  .strictObject({ evening: clock, morning: clock })
  .refine((c) => c.morning < c.evening, { message: packed('cutoff_order') });

/** 回访 after a settlement: when, for which outcomes, and whether the villager is asked once more. */
export const FollowUpSchema = z.strictObject({
  /** Days after the settlement (1–60). */
  days: z.number().int(packed('whole_number')).min(1, packed('follow_up_days')).max(60, packed('follow_up_days')).optional(),
  /** Which outcomes get one: unrated, unsatisfied (不满意), basically_satisfied (基本满意), satisfied (满意). */
  outcomes: z.array(z.enum(FOLLOW_UP_OUTCOMES)).optional(),
  /** Whether the villager is asked once how it is now. */
  ask_villager: z.boolean().optional(),
});

export const GridNodeSchema = z.strictObject({
  code: code('grid', 'shuichuan-g03'),
  name: text,
  level: z.enum(GRID_LEVELS),
  /** Unit grids only: 'standard' (a 村民小组) or 'dedicated' (专属网格: a school, an enterprise). */
  kind: z.enum(GRID_KINDS).optional(),
  /** Defaults to the parent's zone, then to the roster's `timezone`. */
  timezone: timezone.optional(),
  /** Unit grids only; when absent one is derived from the code (see deriveJoinCode). */
  join_code: z
    .string()
    .regex(JOIN_CODE_RE, packed('join_code_format'))
    .optional(),
  households: count.optional(),
  population: count.optional(),
  /** Where this node's cadre alerts go (a Telegram group, a Slack channel, or its cadres' DMs). */
  alerts: AlertsSchema.optional(),
  /** The node's quiet hours (alerts to its cadres, notices and 回访 to the people under it). Defaults to the parent's, then to the roster's `quiet_hours`, then 22:00–07:00. */
  quiet_hours: QuietHoursSchema.optional(),
  /** Defaults to the parent's, then to the roster's `dispute_cutoff`, then 20:00 / 09:00. */
  dispute_cutoff: DisputeCutoffSchema.optional(),
  /** Roles held here whose ledger export carries villagers' phones (above the village none does unless listed). */
  phone_access: z.array(z.enum(ROLES)).optional(),
  /** A broadcast (通知) to more people than this needs a second cadre's approval; defaults to the parent's, then 500. */
  broadcast_approval_size: count.optional(),
  /** 回访: each field defaults to the parent's, then to 3 days, [unrated, unsatisfied], ask the villager. */
  follow_up: FollowUpSchema.optional(),
  get children(): z.ZodOptional<z.ZodArray<typeof GridNodeSchema>> {
    return z.array(GridNodeSchema).optional();
  },
});

export const DepartmentSchema = z.strictObject({
  code: code('department', 'county-justice'),
  name: text,
  /** The node the department serves, usually the county or a township. */
  grid: code('grid', 'shuichuan-g03'),
  /** Minutes to report in when summoned (部门报到); defaults to the roster's report_in_minutes. */
  report_in_minutes: minutes.optional(),
});

export const RoleAssignmentSchema = z.strictObject({
  role: z.enum(ROLES),
  grid: code('grid', 'shuichuan-g03'),
  /** Required for a liaison, not allowed otherwise. */
  department: code('department', 'county-justice').optional(),
  /** Shown with the name when the person answers (亮身份), e.g. 水川村第三组专职网格员. */
  title: text.optional(),
});

/**
 * Optional attributes (locale, timezone, phone, on_leave) are written only when present: an absent one keeps
 * the stored value, since people may change their language or go on leave through the bot.
 * `phone: null` clears a phone.
 */
export const PersonSchema = z.strictObject({
  code: code('person', 'p-li-dongmei'),
  name: text,
  locale: z.enum(LOCALES).optional(),
  /** The zone this person reads times in (IANA name); default the grid's. */
  timezone: timezone.optional(),
  phone: numericText(packed('phone'), PHONE_RE)
    .nullable()
    .optional(),
  on_leave: z.boolean().optional(),
  telegram: numericText(packed('telegram_user'), TELEGRAM_ID_RE).optional(),
  slack: z.string().regex(SLACK_ID_RE, packed('slack_user')).optional(),
  /** The member's WeCom UserID (企业微信 通讯录), as the app's messages and callbacks name them. */
  wecom: z.string().regex(WECOM_ID_RE, packed('wecom_user')).optional(),
  roles: z.array(RoleAssignmentSchema).default([]),
});

export const TimeLimitSchema = z.strictObject({
  category: z.enum([...CATEGORIES, '*']).default('*'),
  size: z.enum([...SIZES, '*']).default('*'),
  level: z.enum([...MATTER_LEVELS, '*']).default('*'),
  accept_minutes: minutes,
  reply_minutes: minutes,
  settle_minutes: minutes,
});

export const FaqSchema = z.strictObject({
  code: code('faq', 'dibao'),
  question: text,
  answer: text,
  keywords: z.array(text).default([]),
});

/** 多网合一: a topic grid a matter may be filed under (safety, environment, petition, school…). */
export const TopicSchema = z.strictObject({
  code: code('topic', 'safety'),
  /** As the village calls it, e.g. 安全生产. */
  name: text,
});

/**
 * What a matter starts as, by category: its size (大事/小事) and topic. `urgent` narrows a row to
 * hazards with someone in danger now (true) or not (false). The most specific row wins.
 */
export const MatterDefaultSchema = z.strictObject({
  category: z.enum([...CATEGORIES, '*']).default('*'),
  urgent: z.boolean().optional(),
  size: z.enum(SIZES).optional(),
  topic: code('topic', 'safety').optional(),
});

/**
 * `time_limits` and `faq`, when present, are the whole table: rows missing from them are removed.
 * When absent, the stored rows are left alone.
 */
export const RosterSchema = z.strictObject({
  timezone: timezone.default(DEFAULT_TIMEZONE),
  /** Quiet hours where a node names none (default 22:00–07:00): alerts wait for the cadres' morning, notices and 回访 for the people's. */
  quiet_hours: QuietHoursSchema.optional(),
  /** 纠纷不过夜 where a node names none (default { evening: "20:00", morning: "09:00" }). */
  dispute_cutoff: DisputeCutoffSchema.optional(),
  /** Minutes a summoned department has to report in, where the department names none. */
  report_in_minutes: minutes.default(DEFAULT_REPORT_IN_MINUTES),
  grid: GridNodeSchema,
  departments: z.array(DepartmentSchema).default([]),
  people: z.array(PersonSchema).default([]),
  time_limits: z.array(TimeLimitSchema).optional(),
  faq: z.array(FaqSchema).optional(),
  /** The topic list officers pick from; when present, the whole list. */
  topics: z.array(TopicSchema).optional(),
  /** Starting size and topic by category; when present, the whole table. */
  matter_defaults: z.array(MatterDefaultSchema).optional(),
});

export type Roster = z.output<typeof RosterSchema>;
export type RosterInput = z.input<typeof RosterSchema>;
export type RosterGridNode = z.output<typeof GridNodeSchema>;
export type RosterDepartment = z.output<typeof DepartmentSchema>;
export type RosterPerson = z.output<typeof PersonSchema>;
export type RosterRole = z.output<typeof RoleAssignmentSchema>;
export type RosterTimeLimit = z.output<typeof TimeLimitSchema>;
export type RosterFaq = z.output<typeof FaqSchema>;
export type RosterTopic = z.output<typeof TopicSchema>;
export type RosterMatterDefault = z.output<typeof MatterDefaultSchema>;

/** The keys each kind of mapping allows, for "did you mean" hints. */
export const ROSTER_KEYS = {
  roster: Object.keys(RosterSchema.shape),
  grid: Object.keys(GridNodeSchema.shape),
  department: Object.keys(DepartmentSchema.shape),
  person: Object.keys(PersonSchema.shape),
  role: Object.keys(RoleAssignmentSchema.shape),
  time_limit: Object.keys(TimeLimitSchema.shape),
  faq: Object.keys(FaqSchema.shape),
  topic: Object.keys(TopicSchema.shape),
  matter_default: Object.keys(MatterDefaultSchema.shape),
} as const;

const JOIN_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

/** A unit grid's join code when the roster gives none: six unambiguous characters from its code. */
export function deriveJoinCode(gridCode: string): string {
  const digest = createHash('sha256').update(`gridline:join:${gridCode}`).digest();
  let out = '';
  for (let i = 0; i < 6; i++) out += JOIN_ALPHABET[digest[i]! % JOIN_ALPHABET.length];
  return out;
}

export type PathSegment = string | number;

export interface FlatGridNode {
  code: string;
  name: string;
  level: GridLevel;
  kind: GridKind;
  timezone: string;
  joinCode: string | null;
  households: number | null;
  population: number | null;
  parentCode: string | null;
  /** Codes from the root down, joined by '/'. */
  path: string;
  alerts: z.output<typeof AlertsSchema> | null;
  /** Resolved: the node's, its parent's, the roster's, or the default. */
  quietHours: { from: string; to: string };
  /** The node's, its parent's or the roster's; null: the default. */
  disputeCutoff: { evening: string; morning: string } | null;
  /** The node's own `phone_access` (not inherited). */
  phoneRoles: Role[] | null;
  /** The node's or its parent's; null: the default (500). */
  broadcastApprovalSize: number | null;
  /** 回访: each field the node's, else its parent's; null: the default. */
  followUp: FollowUpSettings;
  yamlPath: PathSegment[];
}

/** The tree in pre-order (parents before children), with inherited and derived values resolved. */
export function flattenGrid(roster: Roster): FlatGridNode[] {
  const out: FlatGridNode[] = [];
  const walk = (node: RosterGridNode, parent: FlatGridNode | null, yamlPath: PathSegment[]) => {
    const unit = node.level === 'unit';
    const flat: FlatGridNode = {
      code: node.code,
      name: node.name,
      level: node.level,
      kind: node.kind ?? 'standard',
      timezone: node.timezone ?? parent?.timezone ?? roster.timezone,
      joinCode: unit ? (node.join_code ?? deriveJoinCode(node.code)) : (node.join_code ?? null),
      households: node.households ?? null,
      population: node.population ?? null,
      parentCode: parent?.code ?? null,
      path: parent ? `${parent.path}/${node.code}` : node.code,
      alerts: node.alerts ?? null,
      quietHours: node.quiet_hours ?? parent?.quietHours ?? roster.quiet_hours ?? { ...DEFAULT_QUIET_HOURS },
      disputeCutoff: node.dispute_cutoff ?? parent?.disputeCutoff ?? roster.dispute_cutoff ?? null,
      phoneRoles: node.phone_access?.length ? [...new Set(node.phone_access)].sort() : null,
      broadcastApprovalSize: node.broadcast_approval_size ?? parent?.broadcastApprovalSize ?? null,
      followUp: {
        days: node.follow_up?.days ?? parent?.followUp.days ?? null,
        outcomes: node.follow_up?.outcomes ? [...new Set(node.follow_up.outcomes)] : (parent?.followUp.outcomes ?? null),
        askVillager: node.follow_up?.ask_villager ?? parent?.followUp.askVillager ?? null,
      },
      yamlPath,
    };
    out.push(flat);
    (node.children ?? []).forEach((child, i) => walk(child, flat, [...yamlPath, 'children', i]));
  };
  walk(roster.grid, null, ['grid']);
  return out;
}

export interface RosterIssue extends Said {
  path: PathSegment[];
  /** The English text, for logs. */
  message: string;
  /** Where the other half of a conflict is (the first use of a duplicated value). */
  relatedPath?: PathSegment[];
}

type Loose = Record<string, unknown>;
const asObject = (v: unknown): Loose | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Loose) : undefined;
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asCode = (v: unknown): string | undefined => (typeof v === 'string' && CODE_RE.test(v) ? v : undefined);
const asId = (v: unknown): string | undefined =>
  typeof v === 'string' ? v.trim() || undefined : typeof v === 'number' ? String(v) : undefined;
const isLevel = (v: unknown): v is GridLevel => GRID_LEVELS.includes(v as GridLevel);
const isRole = (v: unknown): v is Role => ROLES.includes(v as Role);


/** Levels' order: a child sits exactly one level below its parent. */
function levelBelow(level: GridLevel): GridLevel | undefined {
  return GRID_LEVELS[GRID_LEVELS.indexOf(level) + 1];
}

/** Edit distance, for "did you mean". */
export function closest(word: string, candidates: Iterable<string>, maxDistance = 2): string | undefined {
  let best: string | undefined;
  let bestD = maxDistance + 1;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/**
 * Checks what ties the roster together. Works on raw parsed YAML too (values of the wrong type are
 * skipped, the schema reports those), so every problem can be reported in one pass.
 */
export function checkRosterReferences(data: unknown): RosterIssue[] {
  const issues: RosterIssue[] = [];
  const root = asObject(data);
  if (!root) return issues;

  // Unique values: the first path that used each.
  const seen = () => {
    const first = new Map<string, PathSegment[]>();
    return (value: string | undefined, path: PathSegment[], what: string) => {
      if (value === undefined) return true;
      const prior = first.get(value);
      if (!prior) first.set(value, path);
      else issues.push({ path, ...said('already_used', { whatKey: `roster:what.${what}`, value }), relatedPath: prior });
      return !prior;
    };
  };

  const nodeLevels = new Map<string, GridLevel | undefined>();
  const nodeNames = new Map<string, string>();
  const uniqueNode = seen();
  const uniqueJoin = seen();
  const walk = (raw: unknown, path: PathSegment[], parent: { code?: string; level?: GridLevel; name?: string } | null) => {
    const node = asObject(raw);
    if (!node) return;
    const nodeCode = asCode(node.code);
    const level = isLevel(node.level) ? node.level : undefined;
    const fresh = uniqueNode(nodeCode, [...path, 'code'], 'grid_code');
    if (nodeCode) {
      if (!nodeLevels.has(nodeCode)) nodeLevels.set(nodeCode, level);
      if (typeof node.name === 'string') nodeNames.set(nodeCode, node.name);
    }
    if (parent?.level && level) {
      const expected = levelBelow(parent.level);
      if (level !== expected) {
        const params = { levelKey: `roster:level.${level}`, under: parent.name ?? parent.code ?? '?', parentLevelKey: `roster:level.${parent.level}`, ...(expected ? { expectedKey: `roster:level.${expected}` } : {}) };
        issues.push({ path: [...path, 'level'], ...said(expected ? 'level_order' : 'level_below_household', params) });
      }
    }
    if (level && level !== 'unit') {
      for (const key of ['kind', 'join_code'] as const)
        if (node[key] !== undefined) issues.push({ path: [...path, key], ...said('unit_only', { key, levelKey: `roster:level.${level}` }) });
    }
    if (level === 'unit') {
      if (typeof node.join_code === 'string') uniqueJoin(node.join_code, [...path, 'join_code'], 'join_code');
      else if (node.join_code === undefined && nodeCode && fresh)
        uniqueJoin(deriveJoinCode(nodeCode), [...path, 'code'], 'derived_join_code');
    }
    const me = { code: nodeCode, level, name: typeof node.name === 'string' ? node.name : undefined };
    asArray(node.children).forEach((child, i) => walk(child, [...path, 'children', i], me));
  };
  walk(root.grid, ['grid'], null);

  const unknownCode = (what: 'grid' | 'department' | 'topic', value: string, known: Iterable<string>) => {
    const hint = closest(value, known);
    return said(`unknown_${what}${hint ? '_hint' : ''}`, { value, hint });
  };

  const departmentCodes = new Set<string>();
  const uniqueDepartment = seen();
  asArray(root.departments).forEach((raw, i) => {
    const dept = asObject(raw);
    if (!dept) return;
    const deptCode = asCode(dept.code);
    uniqueDepartment(deptCode, ['departments', i, 'code'], 'department_code');
    if (deptCode) departmentCodes.add(deptCode);
    const grid = asCode(dept.grid);
    if (grid && !nodeLevels.has(grid))
      issues.push({ path: ['departments', i, 'grid'], ...unknownCode('grid', grid, nodeLevels.keys()) });
  });

  const uniquePerson = seen();
  const uniqueTelegram = seen();
  const uniqueSlack = seen();
  const uniqueWecom = seen();
  asArray(root.people).forEach((raw, i) => {
    const person = asObject(raw);
    if (!person) return;
    const base: PathSegment[] = ['people', i];
    uniquePerson(asCode(person.code), [...base, 'code'], 'person_code');
    uniqueTelegram(asId(person.telegram), [...base, 'telegram'], 'telegram_id');
    uniqueSlack(typeof person.slack === 'string' ? person.slack : undefined, [...base, 'slack'], 'slack_id');
    uniqueWecom(typeof person.wecom === 'string' ? person.wecom : undefined, [...base, 'wecom'], 'wecom_id');
    const roleKeys = new Map<string, PathSegment[]>();
    let residentAt: PathSegment[] | undefined;
    asArray(person.roles).forEach((rawRole, j) => {
      const r = asObject(rawRole);
      if (!r) return;
      const rp: PathSegment[] = [...base, 'roles', j];
      const role = isRole(r.role) ? r.role : undefined;
      const grid = asCode(r.grid);
      const level = grid ? nodeLevels.get(grid) : undefined;
      if (grid && !nodeLevels.has(grid)) issues.push({ path: [...rp, 'grid'], ...unknownCode('grid', grid, nodeLevels.keys()) });
      const dept = asCode(r.department);
      if (dept && !departmentCodes.has(dept))
        issues.push({ path: [...rp, 'department'], ...unknownCode('department', dept, departmentCodes) });
      if (role === 'liaison' && r.department === undefined)
        issues.push({ path: rp, ...said('liaison_needs_department') });
      if (role && role !== 'liaison' && r.department !== undefined)
        issues.push({ path: [...rp, 'department'], ...said('department_only_liaison', { role }) });
      if (role && level && isOfficer(role) && level !== 'unit')
        issues.push({
          path: [...rp, 'grid'],
          ...said('officer_on_unit', { role, grid, levelKey: `roster:level.${level}` }),
        });
      if (role && level && isResident(role) && level !== 'unit' && level !== 'household')
        issues.push({ path: [...rp, 'grid'], ...said('resident_on_unit', { role, grid, levelKey: `roster:level.${level}` }) });
      if (role === 'villager') {
        if (residentAt) issues.push({ path: [...rp, 'role'], ...said('one_home'), relatedPath: residentAt });
        else residentAt = [...rp, 'role'];
      }
      if (role && grid) {
        const key = `${role}@${grid}`;
        const prior = roleKeys.get(key);
        if (prior) issues.push({ path: rp, ...said('role_twice', { role, grid }), relatedPath: prior });
        else roleKeys.set(key, rp);
      }
    });
  });

  const uniqueLimit = seen();
  asArray(root.time_limits).forEach((raw, i) => {
    const limit = asObject(raw);
    if (!limit) return;
    const part = (v: unknown) => (v === undefined ? '*' : typeof v === 'string' ? v : undefined);
    const [c, s, l] = [part(limit.category), part(limit.size), part(limit.level)];
    if (c && s && l) uniqueLimit(`${c}/${s}/${l}`, ['time_limits', i], 'time_limit_key');
    const settle = limit.settle_minutes;
    for (const key of ['accept_minutes', 'reply_minutes'] as const) {
      const v = limit[key];
      if (typeof v === 'number' && typeof settle === 'number' && v > settle)
        issues.push({ path: ['time_limits', i, key], ...said('limit_order', { key, value: v, settle }) });
    }
  });

  const uniqueFaq = seen();
  asArray(root.faq).forEach((raw, i) => uniqueFaq(asCode(asObject(raw)?.code), ['faq', i, 'code'], 'faq_code'));

  const uniqueTopic = seen();
  const topicCodes = new Set<string>();
  asArray(root.topics).forEach((raw, i) => {
    const topic = asCode(asObject(raw)?.code);
    uniqueTopic(topic, ['topics', i, 'code'], 'topic_code');
    if (topic) topicCodes.add(topic);
  });
  asArray(root.matter_defaults).forEach((raw, i) => {
    const topic = asCode(asObject(raw)?.topic);
    if (topic && root.topics !== undefined && !topicCodes.has(topic))
      issues.push({ path: ['matter_defaults', i, 'topic'], ...unknownCode('topic', topic, topicCodes) });
  });

  return issues;
}

/** Things that are allowed but probably not meant: unit grids nobody answers for, and so on. */
export function rosterWarnings(roster: Roster): Array<Said & { message: string }> {
  const warnings: Array<Said & { message: string }> = [];
  const nodes = flattenGrid(roster);
  const rolesAt = new Map<string, Set<Role>>();
  const liaisons = new Set<string>();
  for (const person of roster.people) {
    for (const r of person.roles) {
      if (!rolesAt.has(r.grid)) rolesAt.set(r.grid, new Set());
      rolesAt.get(r.grid)!.add(r.role);
      if (r.role === 'liaison' && r.department) liaisons.add(r.department);
    }
    const staff = holdsPost(person.roles);
    if (staff && !person.telegram && !person.slack && !person.wecom)
      warnings.push(said('warn.unreachable_staff', { code: person.code, name: person.name }));
  }
  for (const node of nodes) {
    const here = rolesAt.get(node.code) ?? new Set<Role>();
    if (node.level === 'unit' && !isOfficer([...here]))
      warnings.push(said('warn.no_officer', { code: node.code, name: node.name }));
    const led = isCadre([...here]);
    if ((node.level === 'village' || node.level === 'township' || node.level === 'county') && !led)
      warnings.push(said('warn.no_cadre', { levelKey: `roster:level.${node.level}`, code: node.code, name: node.name }));
  }
  for (const dept of roster.departments)
    if (!liaisons.has(dept.code)) warnings.push(said('warn.no_liaison', { code: dept.code, name: dept.name }));
  return warnings;
}
