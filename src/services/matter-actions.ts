// Everything a person does to a matter after it was reported: take, reply, transfer, escalate,
// supervise, settle, evaluate, withdraw, urge, add details, note. Authorisation is worked out from
// the store on every call (button data is written by the client and can be forged) and decided
// here, once, by the domain's step table; then the action's own handler (actions/) does its part.
// State, events, messages and notifications are written in one transaction.
import { decide, parseRef, titleOn, type Action, type ActionRequest, type Relation } from '../domain/index.js';
import type { Executor } from '../store/db.js';
import { createDeliveries } from '../store/repositories/delivery-repository.js';
import { appendEvents, findMatter, findMatterByRef, lockMatter, recordEvent, updateMatter, type MatterRow } from '../store/repositories/matter-repository.js';
import { enqueue } from '../store/repositories/outbox-repository.js';
import { outboxJob } from '../ports/jobs.js';
import { sendJobs } from './send-jobs.js';
import { findPerson, placementsOf } from '../store/repositories/people-repository.js';
import { ancestryOf, relationsOf } from './relations.js';
import { refreshWaitingCards, withCardActions } from './card-service.js';
import { Refused, Work, type ActionFailure, type AnyHandler } from './actions/handler.js';
import { ACTION_HANDLERS } from './actions/registry.js';
import type { ServiceContext } from '../ports/context.js';
import { deadlineRules, pauseFor, syncDeadlines } from './deadline-sync.js';
import { policies } from './policy-cache.js';

// The request and its button encoding are domain rules; re-exported for the callers that import them here.
export { actionData, parseActionData, RATINGS, type ActionRequest, type Rating } from '../domain/index.js';
export type { ActionFailure } from './actions/handler.js';
export { relationsOf } from './relations.js';

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

async function loadMatter(db: Executor, key: string): Promise<MatterRow | undefined> {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(key)) return findMatter(db, key);
  const ref = parseRef(key);
  return ref ? findMatterByRef(db, ref) : undefined;
}

export async function performAction(ctx: ServiceContext, input: ActionInput): Promise<ActionResult> {
  const { request } = input;
  const action: Action = request.action;
  const handler: AnyHandler = ACTION_HANDLERS[request.action];
  const found = await loadMatter(ctx.db, input.matter);
  if (!found) return { ok: false, code: 'not_found' };
  const placements = input.actorId ? await placementsOf(ctx.db, input.actorId) : [];
  const chain = await ancestryOf(ctx.db, found.gridNodeId);
  const relationsFor = async (db: Executor, m: MatterRow): Promise<Relation[]> => (input.actorId ? relationsOf(db, input.actorId, m, placements, chain) : ['system']);
  const relations = await relationsFor(ctx.db, found);
  const first = decide(found, action, relations);
  // A stranger learns nothing, not even that the matter exists.
  if (!first.ok) return relations.length === 0 ? { ok: false, code: 'not_found' } : { ok: false, code: first.code, matter: found };

  const text: string = handler.text?.(request) ?? '';
  if ([...text].length > MAX_TEXT) return { ok: false, code: 'too_long', matter: found };
  const hasFiles = 'attachments' in request && (request.attachments?.length ?? 0) > 0;
  if ((handler.needs === 'text' && !text) || (handler.needs === 'text_or_files' && !text && !hasFiles)) return { ok: false, code: 'empty', matter: found };

  const limits = await policies(ctx.db);
  const actor = input.actorId ? ((await findPerson(ctx.db, input.actorId)) ?? null) : null;
  if (input.actorId && !actor) return { ok: false, code: 'not_found' };
  const now = ctx.now();
  const checked = handler.check ? await handler.check({ db: ctx.db, matter: found, chain, actorId: input.actorId, placements, now, limits }, request) : { ok: true as const, value: undefined };
  if (!checked.ok) return { ok: false, code: checked.code, matter: found, ...(checked.retryAt ? { retryAt: checked.retryAt } : {}) };
  const rules = await deadlineRules(ctx.db, chain[0], found.category);
  const scope = { chain, actorId: input.actorId, actorName: actor?.name ?? '', title: titleOn(placements, chain), now, limits, rules, text };

  const run = async (tx: Executor): Promise<ActionResult> => {
    if (input.eventId && !(await recordEvent(tx, input.eventId, found.id))) return { ok: true, matter: found, duplicate: true };
    const matter = (await lockMatter(tx, found.id))!;
    // Decided again under the lock: the matter may have moved since.
    const d = decide(matter, action, await relationsFor(tx, matter));
    if (!d.ok) return { ok: false, code: d.code, matter };
    if (input.guard && !(await input.guard(tx, matter))) return { ok: false, code: 'not_now', matter };
    const pause = await pauseFor(tx, matter.id, action, input.actorId, now);
    if (!pause.ok) return { ok: false, code: 'not_now', matter };

    const w = new Work(tx, matter, d, scope);
    if (pause.event) w.events.push({ ...w.base, action: pause.event.action, note: action === 'pause' ? text.slice(0, 500) || null : null, data: pause.event.data ?? null });
    await handler.apply(w, request, checked.value);

    // The deadline clocks follow the matter: new timers, and the removal of superseded ones, commit with it.
    const clocks = await syncDeadlines(tx, { ...matter, ...w.patch } as MatterRow, { now, policies: limits, rules, pausedSince: pause.pausedSince, restart: w.restartClocks });
    if (clocks.settleDue) w.patch.dueAt = clocks.settleDue;
    // A card notice carries the buttons its reader gets as the matter stands after this action;
    // those written before and still waiting follow it (sent, a card is redrawn by card_refresh).
    const after = { ...matter, ...w.patch } as MatterRow;
    await refreshWaitingCards(tx, after);
    await withCardActions(tx, after, w.deliveries);
    // Cards posted on chat platforms (Slack) are redrawn to show where the matter stands now.
    if (!handler.keepsCard) w.outbox.push(outboxJob('card_refresh', { matterId: matter.id, ...(input.eventId ? { eventId: input.eventId } : {}) }));
    const writes: Array<Promise<unknown>> = [updateMatter(tx, matter.id, w.patch), appendEvents(tx, w.events)];
    // Alerts held for the morning digest get no send job.
    w.outbox.push(...sendJobs(w.deliveries));
    if (w.deliveries.length) writes.push(createDeliveries(tx, w.deliveries));
    if (w.outbox.length) writes.push(enqueue(tx, w.outbox));
    await Promise.all(writes);
    return { ok: true, matter: { ...matter, ...w.patch } as MatterRow, notice: w.notice, ...(w.holderName ? { holder: w.holderName } : {}) };
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
