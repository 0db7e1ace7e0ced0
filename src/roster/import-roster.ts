// Applies a roster to the store in one transaction, idempotently: rows are matched by their natural
// keys and written only when a value differs, so a second import of the same file writes nothing.
//
// What the roster owns, and what happens to stored rows it no longer lists:
// - grid nodes, departments, people: upserted by code, never deleted (matters and roles refer to
//   them); stored ones missing from the roster are reported under `absent`.
// - roles of coded people (roster people, present or absent): exactly the roster's; others removed.
//   People who registered through a bot (no code) keep theirs.
// - identities: (platform, external_id) is moved to the roster person who lists it; a roster
//   person's other id on a platform the roster names for them is removed; other platforms are kept.
// - a roster person new to the store adopts a bot-registered person (no code) that owns one of its
//   platform ids, so that villager's history stays theirs.
// - time limits, FAQ: when the section is present it is the whole table; when absent, untouched.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Db, Tx } from '../store/db.js';
import { deleteDisputeCutoffs, listDisputeCutoffs, upsertDisputeCutoffs } from '../store/repositories/deadline-repository.js';
import { deleteTopics, listMatterDefaults, listTopics, replaceMatterDefaults, upsertTopics } from '../store/repositories/matter-defaults-repository.js';
import * as repo from '../store/repositories/roster-repository.js';
import type { Platform } from '../domain/types.js';
import { parseRoster, formatPath } from './parse-roster.js';
import { said, type Said } from './said.js';
import { checkRosterReferences, flattenGrid, rosterWarnings, type Roster } from './roster-schema.js';

export const SUMMARY_KINDS = ['gridNodes', 'departments', 'people', 'identities', 'roles', 'timeLimits', 'faq', 'disputeCutoffs', 'topics', 'matterDefaults'] as const;
export type SummaryKind = (typeof SUMMARY_KINDS)[number];

export interface KindCounts {
  created: number;
  updated: number;
  unchanged: number;
  removed: number;
}

export interface ImportSummary {
  counts: Record<SummaryKind, KindCounts>;
  /** Codes in the store that the roster no longer lists; kept, since matters refer to them. */
  absent: { gridNodes: string[]; departments: string[]; people: string[] };
  /** Allowed but probably not meant; each a locale key with its English text. */
  warnings: Array<Said & { message: string }>;
  /** False when the import wrote nothing. */
  changed: boolean;
  dryRun: boolean;
}

export interface ImportOptions {
  /** Work out the summary, then roll back. */
  dryRun?: boolean;
}

/** The roster cannot be applied to what is in the store. Nothing was written. */
export class RosterImportError extends Error {
  override readonly name = 'RosterImportError';
  /** Each problem as a locale key (roster:…) with its parameters, its English text and where it is. */
  constructor(readonly problems: Array<Said & { message: string; path: string }>) {
    super(`the roster cannot be applied:\n${problems.map((p) => `  ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n')}`);
  }
}

export async function loadRosterFile(path: string): Promise<Roster> {
  return parseRoster(await readFile(path, 'utf8'), path);
}

class DryRunRollback extends Error {
  constructor(readonly summary: ImportSummary) {
    super('dry run');
  }
}

export async function importRoster(db: Db, roster: Roster, opts: ImportOptions = {}): Promise<ImportSummary> {
  const issues = checkRosterReferences(roster);
  if (issues.length) throw new RosterImportError(issues.map((i) => ({ key: i.key, params: i.params, message: i.message, path: formatPath(i.path) })));
  const dryRun = opts.dryRun ?? false;
  try {
    return await db.transaction(async (tx) => {
      await repo.lockRosterImport(tx);
      const summary = emptySummary(dryRun, rosterWarnings(roster));
      const nodeIds = await syncGridNodes(tx, roster, summary);
      await syncDisputeCutoffs(tx, roster, nodeIds, summary);
      const deptIds = await syncDepartments(tx, roster, nodeIds, summary);
      const personIds = await syncPeople(tx, roster, summary);
      await syncIdentities(tx, roster, personIds, summary);
      await syncRoles(tx, roster, nodeIds, deptIds, personIds, summary);
      if (roster.time_limits) await syncTimeLimits(tx, roster.time_limits, summary);
      if (roster.faq) await syncFaq(tx, roster.faq, summary);
      if (roster.topics) await syncTopics(tx, roster.topics, summary);
      if (roster.matter_defaults) await syncMatterDefaults(tx, roster.matter_defaults, summary);
      summary.changed = SUMMARY_KINDS.some((k) => summary.counts[k].created + summary.counts[k].updated + summary.counts[k].removed > 0);
      if (dryRun) throw new DryRunRollback(summary);
      // A service running on this database reloads its cut-offs, sweep times and limits at once.
      if (summary.changed) await repo.announceRosterChange(tx, new Date());
      return summary;
    });
  } catch (err) {
    if (err instanceof DryRunRollback) return err.summary;
    throw err;
  }
}

/** Lines for the CLI. */
export function formatImportSummary(summary: ImportSummary): string[] {
  const labels: Record<SummaryKind, string> = {
    gridNodes: 'grid nodes',
    departments: 'departments',
    people: 'people',
    identities: 'identities',
    roles: 'roles',
    timeLimits: 'time limits',
    faq: 'FAQ entries',
    disputeCutoffs: 'dispute cut-offs',
    topics: 'topics',
    matterDefaults: 'matter defaults',
  };
  const lines: string[] = [];
  if (summary.dryRun) lines.push('dry run: nothing was written');
  for (const kind of SUMMARY_KINDS) {
    const c = summary.counts[kind];
    const parts = [`${c.created} created`, `${c.updated} updated`, `${c.unchanged} unchanged`];
    if (c.removed) parts.push(`${c.removed} removed`);
    lines.push(`${labels[kind]}: ${parts.join(', ')}`);
  }
  if (!summary.changed) lines.push('nothing changed');
  for (const [kind, codes] of Object.entries(summary.absent))
    if (codes.length) lines.push(`absent from roster (kept): ${labels[kind as SummaryKind]} ${codes.join(', ')}`);
  for (const w of summary.warnings) lines.push(`warning: ${w.message}`);
  return lines;
}

function emptySummary(dryRun: boolean, warnings: ImportSummary['warnings']): ImportSummary {
  const counts = Object.fromEntries(SUMMARY_KINDS.map((k) => [k, { created: 0, updated: 0, unchanged: 0, removed: 0 }])) as Record<
    SummaryKind,
    KindCounts
  >;
  return { counts, absent: { gridNodes: [], departments: [], people: [] }, warnings, changed: false, dryRun };
}

/** The fields of `desired` whose value differs from `current`; empty when nothing changed. */
function changes<T extends Record<string, unknown>>(desired: T, current: Record<string, unknown>): Partial<T> {
  const patch: Partial<T> = {};
  for (const key of Object.keys(desired) as Array<keyof T & string>) {
    const a = desired[key];
    const b = current[key];
    const same = Array.isArray(a) || Array.isArray(b) ? JSON.stringify(a) === JSON.stringify(b) : a === b;
    if (!same) patch[key] = a;
  }
  return patch;
}

const isEmpty = (o: object) => Object.keys(o).length === 0;

function need<T>(map: Map<string, T>, key: string, what: string): T {
  const v = map.get(key);
  if (v === undefined) throw new RosterImportError([{ ...said(`unknown_${what}`, { value: key }), path: '' }]);
  return v;
}

async function syncGridNodes(tx: Tx, roster: Roster, summary: ImportSummary): Promise<Map<string, string>> {
  const counts = summary.counts.gridNodes;
  const flat = flattenGrid(roster);
  const existing = new Map((await repo.listGridNodes(tx)).map((n) => [n.code, n]));
  const inRoster = new Set(flat.map((n) => n.code));

  const heldBy = new Map<string, string>();
  for (const n of existing.values()) if (n.joinCode && !inRoster.has(n.code)) heldBy.set(n.joinCode, n.code);
  const conflicts = flat
    .filter((n) => n.joinCode && heldBy.has(n.joinCode))
    .map((n) => ({ ...said('join_code_held', { joinCode: n.joinCode, grid: n.code, holder: heldBy.get(n.joinCode!) }), path: '' }));
  if (conflicts.length) throw new RosterImportError(conflicts);

  const ids = new Map<string, string>();
  const inserts: repo.NewGridNode[] = [];
  const updates: Array<{ id: string; patch: Partial<repo.NewGridNode> }> = [];
  for (const n of flat) {
    const desired = {
      name: n.name,
      level: n.level,
      kind: n.kind,
      parentId: n.parentCode ? need(ids, n.parentCode, 'grid') : null,
      path: n.path,
      timezone: n.timezone,
      joinCode: n.joinCode,
      households: n.households,
      population: n.population,
      alertTelegramChat: n.alerts?.telegram_chat ?? null,
      alertSlackChannel: n.alerts?.slack_channel ?? null,
      alertDm: n.alerts?.dm ?? null,
      alertLocale: n.alerts?.locale ?? 'zh-CN',
      quietFrom: n.quietHours.from,
      quietTo: n.quietHours.to,
      phoneRoles: n.phoneRoles,
      broadcastApprovalSize: n.broadcastApprovalSize,
      followUpDays: n.followUp.days,
      followUpOutcomes: n.followUp.outcomes ? [...n.followUp.outcomes] : null,
      followUpAsk: n.followUp.askVillager,
    };
    const row = existing.get(n.code);
    if (!row) {
      const id = randomUUID();
      ids.set(n.code, id);
      inserts.push({ id, code: n.code, ...desired });
      counts.created++;
      continue;
    }
    ids.set(n.code, row.id);
    const patch = changes(desired, row);
    if (isEmpty(patch)) counts.unchanged++;
    else {
      updates.push({ id: row.id, patch });
      counts.updated++;
    }
  }
  // Join codes may move between nodes: free the changing ones first so the unique index holds.
  await repo.clearJoinCodes(tx, updates.filter((u) => 'joinCode' in u.patch).map((u) => u.id));
  for (const u of updates) await repo.updateGridNode(tx, u.id, u.patch);
  await repo.insertGridNodes(tx, inserts);
  summary.absent.gridNodes = [...existing.keys()].filter((c) => !inRoster.has(c)).sort();
  return ids;
}

async function syncDepartments(tx: Tx, roster: Roster, nodeIds: Map<string, string>, summary: ImportSummary): Promise<Map<string, string>> {
  const counts = summary.counts.departments;
  const existing = new Map((await repo.listDepartments(tx)).map((d) => [d.code, d]));
  const ids = new Map<string, string>();
  const inserts: repo.NewDepartment[] = [];
  for (const d of roster.departments) {
    const desired = { name: d.name, gridNodeId: need(nodeIds, d.grid, 'grid'), reportInMinutes: d.report_in_minutes ?? roster.report_in_minutes };
    const row = existing.get(d.code);
    if (!row) {
      const id = randomUUID();
      ids.set(d.code, id);
      inserts.push({ id, code: d.code, ...desired });
      counts.created++;
      continue;
    }
    ids.set(d.code, row.id);
    const patch = changes(desired, row);
    if (isEmpty(patch)) counts.unchanged++;
    else {
      await repo.updateDepartment(tx, row.id, patch);
      counts.updated++;
    }
  }
  await repo.insertDepartments(tx, inserts);
  const listed = new Set(roster.departments.map((d) => d.code));
  summary.absent.departments = [...existing.keys()].filter((c) => !listed.has(c)).sort();
  return ids;
}

function platformIds(person: Roster['people'][number]): Array<{ platform: Platform; externalId: string }> {
  const out: Array<{ platform: Platform; externalId: string }> = [];
  if (person.telegram) out.push({ platform: 'telegram', externalId: person.telegram });
  if (person.slack) out.push({ platform: 'slack', externalId: person.slack });
  if (person.wecom) out.push({ platform: 'wecom', externalId: person.wecom });
  return out;
}

const identityKey = (platform: string, externalId: string) => `${platform}\u0000${externalId}`;

async function syncPeople(tx: Tx, roster: Roster, summary: ImportSummary): Promise<Map<string, string>> {
  const counts = summary.counts.people;
  const existing = new Map((await repo.listCodedPeople(tx)).map((p) => [p.code!, p]));

  // Bot-registered people (no code) that a new roster person can adopt through a shared platform id.
  const newcomers = roster.people.filter((p) => !existing.has(p.code));
  const keys = newcomers.flatMap(platformIds);
  const owners = new Map((await repo.listIdentitiesByKeys(tx, keys)).map((i) => [identityKey(i.platform, i.externalId), i.personId]));
  const candidates = new Map((await repo.listPeopleByIds(tx, [...new Set(owners.values())])).map((p) => [p.id, p]));
  const adopted = new Set<string>();

  const ids = new Map<string, string>();
  const inserts: repo.NewPerson[] = [];
  for (const p of roster.people) {
    const desired: Partial<repo.NewPerson> & { code: string; name: string } = { code: p.code, name: p.name };
    if (p.locale !== undefined) desired.locale = p.locale;
    if (p.timezone !== undefined) desired.timezone = p.timezone;
    if (p.phone !== undefined) desired.phone = p.phone;
    if (p.on_leave !== undefined) desired.onLeave = p.on_leave;
    let row = existing.get(p.code);
    if (!row) {
      row = platformIds(p)
        .map((k) => candidates.get(owners.get(identityKey(k.platform, k.externalId)) ?? ''))
        .find((c) => c && c.code === null && !adopted.has(c.id));
      if (row) adopted.add(row.id);
    }
    if (!row) {
      const id = randomUUID();
      ids.set(p.code, id);
      inserts.push({ id, ...desired });
      counts.created++;
      continue;
    }
    ids.set(p.code, row.id);
    const patch = changes(desired, row);
    if (isEmpty(patch)) counts.unchanged++;
    else {
      await repo.updatePerson(tx, row.id, patch);
      counts.updated++;
    }
  }
  await repo.insertPeople(tx, inserts);
  const listed = new Set(roster.people.map((p) => p.code));
  summary.absent.people = [...existing.keys()].filter((c) => !listed.has(c)).sort();
  return ids;
}

async function syncIdentities(tx: Tx, roster: Roster, personIds: Map<string, string>, summary: ImportSummary): Promise<void> {
  const counts = summary.counts.identities;
  const desired = new Map<string, { platform: Platform; externalId: string; personId: string }>();
  /** person id → platform → the id the roster gives them there */
  const named = new Map<string, Map<string, string>>();
  for (const p of roster.people) {
    const personId = need(personIds, p.code, 'person');
    for (const k of platformIds(p)) {
      desired.set(identityKey(k.platform, k.externalId), { ...k, personId });
      if (!named.has(personId)) named.set(personId, new Map());
      named.get(personId)!.set(k.platform, k.externalId);
    }
  }
  const existing = new Map<string, repo.IdentityRow>();
  for (const i of [...(await repo.listIdentitiesOfCodedPeople(tx)), ...(await repo.listIdentitiesByKeys(tx, [...desired.values()]))])
    existing.set(identityKey(i.platform, i.externalId), i);
  const rows = [...existing.values()];

  const replaced = rows.filter((i) => {
    const wanted = named.get(i.personId)?.get(i.platform);
    return wanted !== undefined && wanted !== i.externalId && !desired.has(identityKey(i.platform, i.externalId));
  });
  await repo.deleteIdentities(tx, replaced.map((i) => i.id));
  counts.removed += replaced.length;

  const inserts: repo.NewIdentity[] = [];
  for (const [key, d] of desired) {
    const row = existing.get(key);
    if (!row) {
      inserts.push({ id: randomUUID(), ...d });
      counts.created++;
    } else if (row.personId !== d.personId) {
      await repo.updateIdentity(tx, row.id, { personId: d.personId });
      counts.updated++;
    } else counts.unchanged++;
  }
  await repo.insertIdentities(tx, inserts);
}

async function syncRoles(
  tx: Tx,
  roster: Roster,
  nodeIds: Map<string, string>,
  deptIds: Map<string, string>,
  personIds: Map<string, string>,
  summary: ImportSummary,
): Promise<void> {
  const counts = summary.counts.roles;
  const roleKey = (personId: string, nodeId: string, role: string) => `${personId}|${nodeId}|${role}`;
  const existing = new Map((await repo.listRolesOfCodedPeople(tx)).map((r) => [roleKey(r.personId, r.gridNodeId, r.role), r]));
  const listed = new Set<string>();
  const inserts: repo.NewRole[] = [];
  for (const p of roster.people) {
    const personId = need(personIds, p.code, 'person');
    for (const r of p.roles) {
      const gridNodeId = need(nodeIds, r.grid, 'grid');
      const key = roleKey(personId, gridNodeId, r.role);
      listed.add(key);
      const desired = { departmentId: r.department ? need(deptIds, r.department, 'department') : null, title: r.title ?? null };
      const row = existing.get(key);
      if (!row) {
        inserts.push({ id: randomUUID(), personId, gridNodeId, role: r.role, ...desired });
        counts.created++;
        continue;
      }
      const patch = changes(desired, row);
      if (isEmpty(patch)) counts.unchanged++;
      else {
        await repo.updateRole(tx, row.id, patch);
        counts.updated++;
      }
    }
  }
  const stale = [...existing].filter(([key]) => !listed.has(key)).map(([, r]) => r.id);
  await repo.deleteRoles(tx, stale);
  counts.removed += stale.length;
  await repo.insertRoles(tx, inserts);
}

async function syncTimeLimits(tx: Tx, limits: NonNullable<Roster['time_limits']>, summary: ImportSummary): Promise<void> {
  const counts = summary.counts.timeLimits;
  const limitKey = (l: { category: string; size: string; level: string }) => `${l.category}|${l.size}|${l.level}`;
  const existing = new Map((await repo.listTimeLimits(tx)).map((l) => [limitKey(l), l]));
  const listed = new Set<string>();
  const inserts: repo.NewTimeLimit[] = [];
  for (const l of limits) {
    const key = limitKey(l);
    listed.add(key);
    const desired = { acceptMinutes: l.accept_minutes, replyMinutes: l.reply_minutes, settleMinutes: l.settle_minutes };
    const row = existing.get(key);
    if (!row) {
      inserts.push({ id: randomUUID(), category: l.category, size: l.size, level: l.level, ...desired });
      counts.created++;
      continue;
    }
    const patch = changes(desired, row);
    if (isEmpty(patch)) counts.unchanged++;
    else {
      await repo.updateTimeLimit(tx, row.id, patch);
      counts.updated++;
    }
  }
  const stale = [...existing].filter(([key]) => !listed.has(key)).map(([, r]) => r.id);
  await repo.deleteTimeLimits(tx, stale);
  counts.removed += stale.length;
  await repo.insertTimeLimits(tx, inserts);
}

async function syncFaq(tx: Tx, faq: NonNullable<Roster['faq']>, summary: ImportSummary): Promise<void> {
  const counts = summary.counts.faq;
  const existing = new Map((await repo.listFaqEntries(tx)).map((f) => [f.code, f]));
  const inserts: repo.NewFaq[] = [];
  for (const f of faq) {
    const desired = { question: f.question, answer: f.answer, keywords: f.keywords };
    const row = existing.get(f.code);
    if (!row) {
      inserts.push({ id: randomUUID(), code: f.code, ...desired });
      counts.created++;
      continue;
    }
    const patch = changes(desired, row);
    if (isEmpty(patch)) counts.unchanged++;
    else {
      await repo.updateFaqEntry(tx, row.id, patch);
      counts.updated++;
    }
  }
  const listed = new Set(faq.map((f) => f.code));
  const stale = [...existing.values()].filter((f) => !listed.has(f.code)).map((f) => f.id);
  await repo.deleteFaqEntries(tx, stale);
  counts.removed += stale.length;
  await repo.insertFaqEntries(tx, inserts);
}

/** 多网合一: the roster's topic list is the whole list, in its order. */
async function syncTopics(tx: Tx, topics: NonNullable<Roster['topics']>, summary: ImportSummary): Promise<void> {
  const counts = summary.counts.topics;
  const existing = new Map((await listTopics(tx)).map((t) => [t.code, t]));
  const upserts = topics.map((t, position) => ({ code: t.code, name: t.name, position }));
  const write = upserts.filter((t) => {
    const row = existing.get(t.code);
    if (!row) counts.created++;
    else if (row.name !== t.name || row.position !== t.position) counts.updated++;
    else {
      counts.unchanged++;
      return false;
    }
    return true;
  });
  const listed = new Set(topics.map((t) => t.code));
  const stale = [...existing.keys()].filter((c) => !listed.has(c));
  await deleteTopics(tx, stale);
  counts.removed += stale.length;
  await upsertTopics(tx, write);
}

/** Starting size and topic by category: the whole table, replaced only when it differs. */
async function syncMatterDefaults(tx: Tx, rules: NonNullable<Roster['matter_defaults']>, summary: ImportSummary): Promise<void> {
  const counts = summary.counts.matterDefaults;
  const key = (r: { category: string; urgent?: boolean | null; size?: string | null; topic?: string | null }) => `${r.category}|${r.urgent ?? ''}|${r.size ?? ''}|${r.topic ?? ''}`;
  const existing = await listMatterDefaults(tx);
  if (existing.length === rules.length && existing.every((r, i) => key(r) === key(rules[i]!))) {
    counts.unchanged += rules.length;
    return;
  }
  counts.removed += existing.length;
  counts.created += rules.length;
  await replaceMatterDefaults(
    tx,
    rules.map((r, position) => ({ id: randomUUID(), category: r.category, urgent: r.urgent ?? null, size: r.size ?? null, topic: r.topic ?? null, position })),
  );
}

/** 纠纷不过夜: one row per node with a cut-off of its own or inherited; nodes with none use the default. */
async function syncDisputeCutoffs(tx: Tx, roster: Roster, nodeIds: Map<string, string>, summary: ImportSummary): Promise<void> {
  const counts = summary.counts.disputeCutoffs;
  const existing = new Map((await listDisputeCutoffs(tx)).map((r) => [r.gridNodeId, r]));
  const upserts: Array<{ gridNodeId: string; evening: string; morning: string }> = [];
  const keep = new Set<string>();
  for (const n of flattenGrid(roster)) {
    if (!n.disputeCutoff) continue;
    const gridNodeId = need(nodeIds, n.code, 'grid');
    keep.add(gridNodeId);
    const row = existing.get(gridNodeId);
    if (row && row.evening === n.disputeCutoff.evening && row.morning === n.disputeCutoff.morning) counts.unchanged++;
    else {
      upserts.push({ gridNodeId, ...n.disputeCutoff });
      if (row) counts.updated++;
      else counts.created++;
    }
  }
  // Only nodes of this roster lose theirs: a node absent from it keeps its row, as it keeps itself.
  const ours = new Set(nodeIds.values());
  const stale = [...existing.keys()].filter((id) => !keep.has(id) && ours.has(id));
  await deleteDisputeCutoffs(tx, stale);
  counts.removed += stale.length;
  await upsertDisputeCutoffs(tx, upserts);
}
