// Everything a person does to a matter after it was reported: take, reply, transfer, escalate,
// supervise, settle, evaluate, withdraw, urge, add details, note. Authorisation is worked out from
// the store on every call (button data is written by the client and can be forged); the step
// table in the domain decides what is allowed; state, events, messages and notifications are
// written in one transaction.
import { randomUUID } from 'node:crypto';
import {
  climb,
  climbReasonKey,
  deadlineFor,
  ladderTop,
  holderAfterClimb,
  isAway,
  keepsHelping,
  decide,
  parseRef,
  reopenLevel,
  resolveTimeLimit,
  type Action,
  type LimitKind,
  type Relation,
} from '../domain/index.js';
import type { Attachment, MatterLevel, Size } from '../domain/types.js';
import type { Executor } from '../store/db.js';
import { createDeliveries, type NewDelivery } from '../store/repositories/delivery-repository.js';
import { ancestry, findNode, type GridNodeRow } from '../store/repositories/grid-repository.js';
import {
  appendEvents,
  findMatter,
  findMatterByRef,
  insertMessage,
  messagesOf,
  lastEventAt,
  lockMatter,
  recordEvent,
  updateMatter,
  type MatterRow,
  type NewMatterEvent,
} from '../store/repositories/matter-repository.js';
import { enqueue } from '../store/repositories/outbox-repository.js';
import { outboxJob, type OutboxJob } from '../queue/jobs.js';
import { sendJobs } from './send-jobs.js';
import { availabilityOf, findPerson, placementsOf, staffAt, type Placement } from '../store/repositories/people-repository.js';
import { relievedOn } from '../store/repositories/desk-repository.js';
import { liaisonDepartmentsOn, openSummonsCount, type DepartmentRow } from '../store/repositories/summons-repository.js';
import { alertDeliveries } from './alert-service.js';
import type { ServiceContext } from './context.js';
import { deadlineRules, missedLimitParams, pauseFor, syncDeadlines } from './deadline-sync.js';
import { topicChoices } from './matter-defaults.js';
import { policies } from './policy-cache.js';
import { pendingDepartments, rateDepartment, reportIn, resolveSummonable, signOff, whistle, type SummonsFailure, type SummonsResult, type SummonsScope } from './whistle-service.js';

export const RATINGS = ['satisfied', 'basically_satisfied', 'unsatisfied'] as const;
export type Rating = (typeof RATINGS)[number];

export type ActionRequest =
  | { action: 'take' }
  | { action: 'reply'; text?: string; attachments?: Attachment[] }
  | { action: 'add_info'; text?: string; attachments?: Attachment[] }
  | { action: 'note'; text: string }
  | { action: 'transfer'; toPersonId: string; reason?: string }
  /** `missed` is set by a deadline timer: the limit that passed. */
  | { action: 'escalate'; reason?: string; missed?: LimitKind }
  | { action: 'supervise'; note?: string }
  | { action: 'settle'; result: string }
  | { action: 'evaluate'; rating: Rating; comment?: string }
  | { action: 'withdraw'; reason?: string }
  | { action: 'urge' }
  /** Waiting on the villager's answer stops the clocks; `text`, the question, goes to the villager. */
  | { action: 'pause'; text?: string }
  | { action: 'resume' }
  /** Departments by id or code. */
  | { action: 'whistle'; departments: string[]; reason: string }
  /** The department (id or code) may be left out when the liaison has one waiting on the matter. */
  | { action: 'report_in'; department?: string }
  | { action: 'sign_off'; department?: string; note?: string }
  /** 1–5. */
  | { action: 'rate_department'; department: string; rating: number; comment?: string }
  /** 大事/小事, with the reason: the ladder's top and the time limits follow. */
  | { action: 'mark_size'; size: Size; reason: string }
  /** A code from the roster's topic list (多网合一). */
  | { action: 'set_topic'; topic: string }
  /** The villager's words, sent to the asker privately. */
  | { action: 'view' };

export type ActionFailure =
  | 'not_found'
  | 'not_permitted'
  | 'not_now'
  | 'too_soon'
  | 'invalid_target'
  | 'empty'
  | 'too_long'
  /** Settling while a summoned department has not signed off. */
  | 'departments_pending'
  | 'invalid_rating';

export type ActionResult =
  /** `holder`: the name of whoever holds the matter after an escalation. */
  | { ok: true; matter: MatterRow; duplicate?: boolean; notice?: string; holder?: string }
  /** `pending`: the departments still to sign off (departments_pending). */
  | { ok: false; code: ActionFailure; matter?: MatterRow; retryAt?: Date; pending?: string[] };

export interface ActionInput {
  /** The matter's id or its reference number as typed. */
  matter: string;
  /** Null when the system acts (a deadline timer). */
  actorId: string | null;
  request: ActionRequest;
  /** The platform event that asked for this; the same event twice acts once. */
  eventId?: string;
  /** Checked under the matter's lock before acting (a deadline timer's clock still standing); false refuses with not_now. */
  guard?: (tx: Executor, matter: MatterRow) => Promise<boolean>;
}

const MAX_TEXT = 8000;
const STAFF_ROLES = new Set(['officer_full', 'officer_part', 'grid_leader', 'cadre']);
const CADRE_ROLES = new Set(['grid_leader', 'cadre']);
const LEVEL_RANK: Record<string, number> = { unit: 0, village: 1, township: 2, county: 3, household: -1 };

/** How the person stands to the matter, from their roles in the tree. */
export async function relationsOf(db: Executor, personId: string, matter: MatterRow, placements?: Placement[], chain?: GridNodeRow[]): Promise<Relation[]> {
  const rel: Relation[] = [];
  if (matter.reporterId === personId) rel.push('reporter');
  if (matter.recordedById === personId) rel.push('recorder');
  if (matter.assigneeId === personId) rel.push('assignee');
  const places = placements ?? (await placementsOf(db, personId));
  if (!places.length) return rel;
  const nodes = chain ?? (await ancestryOf(db, matter.gridNodeId));
  const ids = new Set(nodes.map((n) => n.id));
  if (places.some((p) => (p.role === 'officer_full' || p.role === 'officer_part') && p.node.id === matter.gridNodeId)) rel.push('grid_officer');
  // A cadre at the matter's level or above, in its line of the tree.
  if (places.some((p) => CADRE_ROLES.has(p.role) && ids.has(p.node.id) && (LEVEL_RANK[p.node.level] ?? -1) >= (LEVEL_RANK[matter.level] ?? 0))) rel.push('cadre_above');
  // The liaison of a department summoned on this matter (吹哨报到).
  if (places.some((p) => p.role === 'liaison') && (await liaisonDepartmentsOn(db, personId, matter.id)).length) rel.push('liaison');
  if (!rel.some((r) => r !== 'reporter' && r !== 'recorder') && (await relievedOn(db, personId, matter.id))) rel.push('helper');
  return rel;
}

async function ancestryOf(db: Executor, nodeId: string): Promise<GridNodeRow[]> {
  const node = await findNode(db, nodeId);
  return node ? ancestry(db, node) : [];
}

/** Who answers for a level: its grid leader, else its first cadre. */
async function responsibleAt(db: Executor, node: GridNodeRow): Promise<{ personId: string; name: string; title: string | null } | null> {
  for (const roles of [['grid_leader'], ['cadre']] as const) {
    const staff = (await staffAt(db, node.id, roles)).filter((s) => !s.onLeave);
    if (staff[0]) return { personId: staff[0].personId, name: staff[0].name, title: staff[0].title };
  }
  return null;
}

const nodeAtLevel = (chain: GridNodeRow[], level: MatterLevel | 'county'): GridNodeRow | undefined =>
  chain.find((n) => n.level === level || (level === 'unit' && n.level === 'unit'));

async function loadMatter(db: Executor, key: string): Promise<MatterRow | undefined> {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(key)) return findMatter(db, key);
  const ref = parseRef(key);
  return ref ? findMatterByRef(db, ref) : undefined;
}

function textOf(request: ActionRequest): string {
  switch (request.action) {
    case 'reply':
    case 'add_info':
    case 'note':
    case 'pause':
      return (request.text ?? '').trim();
    case 'settle':
      return request.result.trim();
    case 'whistle':
      return request.reason.trim();
    case 'sign_off':
      return (request.note ?? '').trim();
    case 'rate_department':
      return (request.comment ?? '').trim();
    case 'mark_size':
      return request.reason.trim();
    default:
      return '';
  }
}

export async function performAction(ctx: ServiceContext, input: ActionInput): Promise<ActionResult> {
  const { request } = input;
  const action: Action = request.action;
  const found = await loadMatter(ctx.db, input.matter);
  if (!found) return { ok: false, code: 'not_found' };
  const placements = input.actorId ? await placementsOf(ctx.db, input.actorId) : [];
  const chain = await ancestryOf(ctx.db, found.gridNodeId);
  const relationsFor = async (db: Executor, m: MatterRow): Promise<Relation[]> => (input.actorId ? relationsOf(db, input.actorId, m, placements, chain) : ['system']);
  const relations = await relationsFor(ctx.db, found);
  const first = decide(found, action, relations);
  // A stranger learns nothing, not even that the matter exists.
  if (!first.ok) return relations.length === 0 ? { ok: false, code: 'not_found' } : { ok: false, code: first.code, matter: found };

  const text = textOf(request);
  if ([...text].length > MAX_TEXT) return { ok: false, code: 'too_long', matter: found };
  const hasFiles = 'attachments' in request && (request.attachments?.length ?? 0) > 0;
  if ((action === 'reply' || action === 'add_info') && !text && !hasFiles) return { ok: false, code: 'empty', matter: found };
  if ((action === 'note' || action === 'settle' || action === 'whistle' || action === 'mark_size') && !text) return { ok: false, code: 'empty', matter: found };
  // Rating a department's part: the holder, the whistler, or a cadre at township level or above in the matter's line (mayRateDepartment).
  const townshipCadre = placements.some((p) => CADRE_ROLES.has(p.role) && chain.some((n) => n.id === p.node.id) && (LEVEL_RANK[p.node.level] ?? -1) >= LEVEL_RANK.township!);

  const limits = await policies(ctx.db);
  const actor = input.actorId ? ((await findPerson(ctx.db, input.actorId)) ?? null) : null;
  if (input.actorId && !actor) return { ok: false, code: 'not_found' };
  const actorName = actor?.name ?? '';
  const title = placements.find((p) => STAFF_ROLES.has(p.role) && chain.some((n) => n.id === p.node.id))?.title ?? placements.find((p) => p.title)?.title ?? '';
  const now = ctx.now();

  if (action === 'urge') {
    // 催办 at most once per reply period.
    const limit = resolveTimeLimit(limits, found);
    const last = await lastEventAt(ctx.db, found.id, 'urge');
    const retryAt = last ? new Date(last.getTime() + limit.replyMinutes * 60_000) : null;
    if (retryAt && retryAt > now) return { ok: false, code: 'too_soon', matter: found, retryAt };
  }

  let target: { personId: string; name: string; title: string | null } | null = null;
  if (request.action === 'transfer') {
    if (request.toPersonId === found.assigneeId) return { ok: false, code: 'invalid_target', matter: found };
    const targetPlaces = await placementsOf(ctx.db, request.toPersonId);
    const ids = new Set(chain.map((n) => n.id));
    const village = chain.find((n) => n.level === 'village');
    // Someone who works this grid or a level above it, or another unit grid of the same village.
    const fits = targetPlaces.find((p) => STAFF_ROLES.has(p.role) && (ids.has(p.node.id) || (village && p.node.parentId === village.id)));
    const person = fits ? await findPerson(ctx.db, request.toPersonId) : undefined;
    if (!fits || !person) return { ok: false, code: 'invalid_target', matter: found };
    target = { personId: person.id, name: person.name, title: fits.title };
  }
  let topicName: string | null = null;
  if (request.action === 'set_topic') {
    const topic = (await topicChoices(ctx.db)).find((t) => t.code === request.topic);
    if (!topic) return { ok: false, code: 'invalid_target', matter: found };
    topicName = topic.name;
  }
  let summoned: DepartmentRow[] = [];
  if (request.action === 'whistle') {
    const depts = await resolveSummonable(ctx.db, request.departments, chain);
    if (!depts) return { ok: false, code: 'invalid_target', matter: found };
    summoned = depts;
  }

  const rules = await deadlineRules(ctx.db, chain[0], found.category);

  const run = async (tx: Executor): Promise<ActionResult> => {
    if (input.eventId && !(await recordEvent(tx, input.eventId, found.id))) return { ok: true, matter: found, duplicate: true };
    const matter = (await lockMatter(tx, found.id))!;
    // Decided again under the lock: the matter may have moved since.
    const d = decide(matter, action, await relationsFor(tx, matter));
    if (!d.ok) return { ok: false, code: d.code, matter };
    if (input.guard && !(await input.guard(tx, matter))) return { ok: false, code: 'not_now', matter };
    const pause = await pauseFor(tx, matter.id, action, input.actorId, now);
    if (!pause.ok) return { ok: false, code: 'not_now', matter };

    const events: NewMatterEvent[] = [];
    const deliveries: NewDelivery[] = [];
    const patch: Partial<MatterRow> = { step: d.step, state: d.state };
    const base = { matterId: matter.id, at: now, actorId: input.actorId, stepFrom: matter.step, stepTo: d.step, levelFrom: matter.level, levelTo: matter.level };
    const tell = (personId: string | null | undefined, template: string, params: Record<string, unknown>) => {
      if (personId && personId !== input.actorId && !deliveries.some((x) => x.personId === personId && x.template === template)) deliveries.push({ id: randomUUID(), personId, matterId: matter.id, template, params: { ref: matter.ref, category: matter.category, summary: matter.summary, ...params } });
    };
    const reporter = matter.reporterId ?? matter.recordedById;
    const who = { assignee: actorName, title };
    let notice: string | undefined;
    let holderName: string | undefined;
    const outbox: OutboxJob[] = [];
    const scope: SummonsScope = { tx, matter, chain, actorId: input.actorId, actorName, title, now, base };
    const summonsDone = (r: SummonsResult) => {
      // Refused under the lock: roll back, so the platform event may be tried again.
      if (!r.ok) throw new Refused(r.code);
      events.push(...r.events);
      deliveries.push(...r.deliveries);
      outbox.push(...r.outbox);
    };
    if (pause.event) events.push({ ...base, action: pause.event.action, note: action === 'pause' ? text.slice(0, 500) || null : null, data: pause.event.data ?? null });

    switch (request.action) {
      case 'take':
        patch.handledAt = now;
        events.push({ ...base, action: 'take' });
        tell(reporter, 'taken', who);
        break;
      case 'reply': {
        if (!matter.handledAt) patch.handledAt = now;
        patch.trackedAt = now;
        await insertMessage(tx, { matterId: matter.id, authorId: input.actorId, direction: 'out', text: text || null, attachments: request.attachments ?? [], createdAt: now });
        events.push({ ...base, action: 'reply', note: text.slice(0, 500) || null });
        tell(reporter, 'reply', { ...who, text, attachments: request.attachments ?? [] });
        break;
      }
      case 'add_info':
        await insertMessage(tx, { matterId: matter.id, authorId: input.actorId, direction: 'in', text: text || null, attachments: request.attachments ?? [], createdAt: now });
        events.push({ ...base, action: 'add_info', note: text.slice(0, 500) || null });
        tell(matter.assigneeId, 'villager_added', { name: actorName, text, attachments: request.attachments ?? [] });
        break;
      case 'note':
        await insertMessage(tx, { matterId: matter.id, authorId: input.actorId, direction: 'internal', text, createdAt: now });
        events.push({ ...base, action: 'note', note: text.slice(0, 500) });
        break;
      case 'transfer': {
        const t = target!;
        const limit = resolveTimeLimit(limits, matter);
        patch.assigneeId = t.personId;
        patch.dispatchedAt = now;
        patch.dueAt = deadlineFor('settle', now, limit, matter.category, rules);
        // Whoever loses it is told by name; relieved by someone else, they keep helping on it.
        const relieved = keepsHelping({ action: 'transfer', actorId: input.actorId, previousHolder: matter.assigneeId, nextHolder: t.personId }) ? matter.assigneeId : null;
        events.push({ ...base, action: 'transfer', assigneeId: t.personId, note: request.reason ?? null, ...(relieved ? { data: { relieved } } : {}) });
        tell(matter.assigneeId, t.personId === input.actorId ? 'taken_over' : 'transferred_away', { to: t.name, byName: actorName });
        tell(t.personId, 'assigned', { grid: chain[0]?.name ?? '', dueAt: patch.dueAt.toISOString(), from: actorName, reason: request.reason ?? '' });
        tell(reporter, 'routed', { assignee: t.name, title: t.title ?? '', dueAt: patch.dueAt.toISOString() });
        break;
      }
      case 'escalate': {
        const c = climb(matter.size, matter.level);
        const alertNode = nodeAtLevel(chain, c.alert);
        // One reason per climb: the limit that passed (a timer), or who escalated it and why.
        const timer = request.missed ? missedLimitParams(request.missed, matter.category) : null;
        const why = { reasonKey: timer?.reasonKey ?? climbReasonKey({ kind: 'hand', by: actorName, note: request.reason ?? '' }), byName: actorName, note: request.reason ?? '' };
        const by = { by: input.actorId ? 'hand' : 'timer', ...(request.missed ? { limit: request.missed } : {}) };
        const holder = matter.assigneeId;
        const holderNow = holder ? await availabilityOf(tx, holder) : undefined;
        if (c.to) {
          const node = nodeAtLevel(chain, c.to);
          const responsible = node ? await responsibleAt(tx, node) : null;
          const cause = input.actorId ? 'hand' : 'timer';
          const next = holderAfterClimb({ cause, holder, holderAway: isAway(holderNow), responsible: responsible?.personId ?? null });
          const limit = resolveTimeLimit(limits, { category: matter.category, size: matter.size, level: c.to });
          patch.level = c.to;
          patch.supervisedAt = now;
          patch.dueAt = deadlineFor('settle', now, limit, matter.category, rules);
          patch.assigneeId = next;
          const dueAt = patch.dueAt.toISOString();
          const moved = next !== holder;
          const relieved = keepsHelping({ action: 'escalate', actorId: input.actorId, previousHolder: holder, nextHolder: next }) ? holder : null;
          events.push({ ...base, action: 'escalate', levelTo: c.to, assigneeId: next, note: request.reason ?? null, data: { ...by, ...(moved && holder ? { from: holder } : {}), ...(relieved ? { relieved } : {}) } });
          if (moved && next) {
            holderName = responsible?.name;
            if (cause === 'timer') tell(next, 'escalated_away', { grid: chain[0]?.name ?? '', previous: holderNow?.name ?? '', awayKey: holderNow?.onLeave ? 'ladder:away.leave' : 'ladder:away.unreachable', dueAt, ...why });
            else tell(next, 'escalated', { grid: chain[0]?.name ?? '', from: actorName, reason: request.reason ?? '', dueAt });
            tell(holder, 'handed_up', { to: responsible?.name ?? '', level: c.to, ...why });
          } else tell(holder, 'kept_after_climb', { level: c.to, dueAt, ...why });
          tell(reporter, 'escalated_notice', { level: c.to });
        } else {
          patch.supervisedAt = now;
          events.push({ ...base, action: 'escalate', note: request.reason ?? null, data: { ...by, stays: true, alerted: c.alert } });
          tell(holder, 'kept_alerted', { level: c.alert, ...why });
        }
        // To the node's group chat or its cadres' DMs; held for the digest in quiet hours unless it cannot wait.
        if (alertNode) deliveries.push(...(await alertDeliveries(tx, { node: alertNode, template: 'escalation_alert', params: { grid: chain[0]?.name ?? '', level: c.to ?? matter.level, reason: request.reason ?? '', ...why }, matter, exclude: input.actorId, now })));
        break;
      }
      case 'supervise':
        patch.supervised = true;
        patch.supervisedAt = now;
        events.push({ ...base, action: 'supervise', note: request.note ?? null });
        // 督办 reaches whoever holds the matter, with the cadre's words when there are any.
        tell(matter.assigneeId, request.note?.trim() ? 'supervised' : 'supervised_plain', { by: actorName, assignee: actorName, title, note: request.note ?? '' });
        break;
      case 'settle':
        // 吹哨报到: settled only when every summoned department has signed off its part.
        if ((await openSummonsCount(tx, matter.id)) > 0) throw new Refused('departments_pending', await pendingDepartments(tx, matter.id));
        patch.feedbackAt = now;
        await insertMessage(tx, { matterId: matter.id, authorId: input.actorId, direction: 'out', text, createdAt: now });
        events.push({ ...base, action: 'settle', note: text.slice(0, 500) });
        tell(reporter, 'settled', { ...who, result: text });
        break;
      case 'evaluate': {
        patch.evaluatedAt = now;
        events.push({ ...base, action: 'evaluate', data: { rating: request.rating }, note: request.comment ?? null });
        if (request.rating === 'unsatisfied') {
          // 不满意: reopened one level above the level that settled it.
          const to = reopenLevel(matter.size, matter.level);
          const node = nodeAtLevel(chain, to);
          const next = node ? await responsibleAt(tx, node) : null;
          const limit = resolveTimeLimit(limits, { category: matter.category, size: matter.size, level: to });
          patch.state = 'open';
          patch.step = 'dispatch';
          patch.level = to;
          patch.dispatchedAt = now;
          patch.dueAt = deadlineFor('settle', now, limit, matter.category, rules);
          if (next) patch.assigneeId = next.personId;
          events.push({ ...base, at: now, actorId: null, action: 'reopen', stepFrom: 'evaluate', stepTo: 'dispatch', levelTo: to, assigneeId: next?.personId ?? matter.assigneeId, note: request.comment ?? null });
          tell(next?.personId ?? matter.assigneeId, 'reopened', { grid: chain[0]?.name ?? '', comment: request.comment ?? '', dueAt: patch.dueAt.toISOString() });
          // Whoever settled it and loses it now is told who has it.
          if (next && next.personId !== matter.assigneeId) tell(matter.assigneeId, 'reopened_elsewhere', { to: next.name, level: to, comment: request.comment ?? '' });
          notice = 'reopened';
        }
        break;
      }
      case 'withdraw':
        events.push({ ...base, action: 'withdraw', note: request.reason ?? null });
        tell(matter.assigneeId, 'withdrawn', { name: actorName, reason: request.reason ?? '' });
        break;
      case 'urge':
        events.push({ ...base, action: 'urge' });
        tell(matter.assigneeId, 'urged', { name: actorName });
        break;
      case 'pause':
        // The question counts as the officer's reply: the reply clock stops for good.
        if (text) {
          if (!matter.handledAt) patch.handledAt = now;
          patch.trackedAt = now;
          await insertMessage(tx, { matterId: matter.id, authorId: input.actorId, direction: 'out', text, createdAt: now });
          tell(reporter, 'paused', { ...who, text });
        }
        break;
      case 'resume':
        break;
      case 'whistle':
        summonsDone(await whistle(scope, summoned, text));
        break;
      case 'report_in':
        summonsDone(await reportIn(scope, request.department));
        break;
      case 'sign_off':
        summonsDone(await signOff(scope, request.department, text));
        break;
      case 'rate_department':
        summonsDone(await rateDepartment(scope, request.department, request.rating, text, townshipCadre));
        break;
      case 'mark_size':
        // The ladder's top and the limits follow the size: the clocks are synced below.
        patch.size = request.size;
        events.push({ ...base, action: 'mark_size', note: text.slice(0, 500), data: { size: request.size, from: matter.size, top: ladderTop(request.size) } });
        tell(matter.assigneeId, 'size_marked', { by: actorName, size: request.size, reason: text });
        break;
      case 'set_topic':
        patch.topic = request.topic;
        events.push({ ...base, action: 'set_topic', data: { topic: request.topic, from: matter.topic, ...(topicName ? { name: topicName } : {}) } });
        break;
      case 'view': {
        // Personal data goes to the one who asked, privately, and the log says who looked.
        const said = (await messagesOf(tx, matter.id)).filter((m) => m.direction === 'in');
        const words = said.map((m) => m.text ?? '').filter(Boolean).join('\n');
        events.push({ ...base, action: 'view' });
        if (input.actorId) {
          deliveries.push({
            id: randomUUID(),
            personId: input.actorId,
            matterId: matter.id,
            template: 'matter_words',
            params: { ref: matter.ref, category: matter.category, grid: chain[0]?.name ?? '', text: [...words].length > 1500 ? `${[...words].slice(0, 1499).join('')}…` : words || matter.summary },
          });
        }
        break;
      }
    }

    // The deadline clocks follow the matter: new timers, and the removal of superseded ones, commit with it.
    const restart = action === 'escalate' || action === 'transfer' || notice === 'reopened';
    const clocks = await syncDeadlines(tx, { ...matter, ...patch } as MatterRow, { now, policies: limits, rules, pausedSince: pause.pausedSince, restart });
    if (clocks.settleDue) patch.dueAt = clocks.settleDue;
    // Cards posted on chat platforms (Slack) are redrawn to show where the matter stands now.
    if (action !== 'note' && action !== 'view') outbox.push(outboxJob('card_refresh', { matterId: matter.id }));
    const writes: Array<Promise<unknown>> = [updateMatter(tx, matter.id, patch), appendEvents(tx, events)];
    // Alerts held for the morning digest get no send job.
    outbox.push(...sendJobs(deliveries));
    if (deliveries.length) writes.push(createDeliveries(tx, deliveries));
    if (outbox.length) writes.push(enqueue(tx, outbox));
    await Promise.all(writes);
    return { ok: true, matter: { ...matter, ...patch } as MatterRow, notice, ...(holderName ? { holder: holderName } : {}) };
  };
  let result: ActionResult;
  try {
    result = await ctx.db.transaction(run);
  } catch (err) {
    if (err instanceof Refused) return { ok: false, code: err.code, matter: found, ...(err.pending ? { pending: err.pending } : {}) };
    throw err;
  }
  if (result.ok && !result.duplicate) ctx.outboxWritten();
  return result;
}

/** A refusal found under the matter's lock; thrown to roll the transaction back. */
class Refused extends Error {
  constructor(
    readonly code: SummonsFailure | 'departments_pending',
    readonly pending?: string[],
  ) {
    super(code);
  }
}

/** Button data for an action on a matter: short enough for Telegram's 64 bytes. */
export function actionData(action: string, ref: string, arg?: string): string {
  return arg ? `mx:${action}:${ref}:${arg}` : `mx:${action}:${ref}`;
}

/** Reads button data back; null for anything that is not ours. It proves nothing: check rights. */
export function parseActionData(data: string): { action: string; ref: string; arg?: string } | null {
  // The arg may be a department code (a-z, digits, '-').
  const m = /^mx:([a-z_]{2,20}):(\d{4,}-\d{4})(?::([a-z0-9_-]{1,30}))?$/.exec(data);
  if (!m) return null;
  const ref = parseRef(m[2]!);
  return ref ? { action: m[1]!, ref, arg: m[3] } : null;
}
