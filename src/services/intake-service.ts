// A report becomes a matter: stored with its receipt and its routing job in one transaction.
import { randomUUID } from 'node:crypto';
import { cleanText, coversPath, dueAt, formatRef, homeOf, isResident, isStaff, isUrgent, patrolsAUnit, resolveTimeLimit, transition } from '../domain/index.js';
import type { Attachment, Category, MatterLevel, Size, Topic } from '../domain/types.js';
import type { Executor } from '../store/db.js';
import { deliveriesWrite, jobsWrite } from '../store/repositories/delivery-repository.js';
import { writeTogether } from '../store/together.js';
import { eventRecordWrite, eventsWrite, findMatterBySourceEvent, insertMatter, messageWrite, nextRefSeq, type MatterRow } from '../store/repositories/matter-repository.js';
import { outboxJob } from '../ports/jobs.js';
import { sendJobs } from './send-jobs.js';
import { findPerson, findPersonByCode, placementsOf, senderByIdentity, type PersonRow, type Placement } from '../store/repositories/people-repository.js';
import { writeDeliveries } from './alert-service.js';
import type { ServiceContext } from '../ports/context.js';
import { startingPointFor, urgentAlert } from './matter-defaults.js';
import { policies } from './policy-cache.js';
import type { InboundEvent } from '../ports/inbound-event.js';

/** Telegram's own limit is 4096; the CLI and Slack could send more. Longer is refused, not cut. */
export const MAX_REPORT_CHARS = 8000;
const SUMMARY_CHARS = 80;

/** How long the receipt waits for routing to name the officer (四个一: one answer, not three). */
export const RECEIPT_WAIT_MS = 2000;
/** The receipt sent when routing has not finished in time; routing supersedes it while it waits. */
export const WAITING_RECEIPT = 'receipt_pending';

/** What a receipt says was received: the first words and how many of each attachment. */
export function receivedOf(text: string, attachments: readonly Attachment[]): Record<string, unknown> {
  const count = (kind: string) => attachments.filter((a) => a.kind === kind).length;
  return { text: summarise(text, []), photos: count('photo'), voices: count('voice'), files: count('document') + count('video'), location: attachments.some((a) => a.kind === 'location') };
}

export type IntakeRejection = 'not_registered' | 'no_grid' | 'empty' | 'too_long' | 'not_permitted';

export type IntakeResult =
  | { status: 'created'; matter: MatterRow }
  | { status: 'duplicate'; matter: MatterRow }
  | { status: 'rejected'; reason: IntakeRejection };


/** The person behind an inbound event, with every role they hold. */
export async function resolveSender(db: Executor, event: Pick<InboundEvent, 'platform' | 'externalUserId'>): Promise<{ person: PersonRow; placements: Placement[] } | undefined> {
  if (event.platform !== 'cli') return senderByIdentity(db, event.platform, event.externalUserId);
  const person = (await findPersonByCode(db, event.externalUserId)) ?? (isUuid(event.externalUserId) ? await findPerson(db, event.externalUserId) : undefined);
  return person ? { person, placements: await placementsOf(db, person.id) } : undefined;
}

/** The first line of the text, short enough for a list. */
export function summarise(text: string, attachments: readonly Attachment[]): string {
  const line = text.trim().split(/\r?\n/)[0]?.trim() ?? '';
  if (line) return [...line].length > SUMMARY_CHARS ? `${[...line].slice(0, SUMMARY_CHARS - 1).join('')}…` : line;
  return attachments.map((a) => `[${a.kind}]`).join(' ');
}

/**
 * Files a report. `known.sender`: the person behind the event as the caller already has them (a
 * chat turn read them at its start, and an identity never changes hands within a turn); else
 * they are looked up.
 */
export async function intake(ctx: ServiceContext, event: InboundEvent, known: { sender?: { person: PersonRow; placements: Placement[] } | null } = {}): Promise<IntakeResult> {
  // Adapters clean at their edge; cleaned again here so no caller can file invisible or unstorable text.
  const text = cleanText(event.text ?? '').text.trim();
  const attachments = event.attachments ?? [];
  if (!text && !attachments.length) return { status: 'rejected', reason: 'empty' };
  if ([...text].length > MAX_REPORT_CHARS) return { status: 'rejected', reason: 'too_long' };

  const found = known.sender ?? (await resolveSender(ctx.db, event));
  if (!found) {
    // A duplicate of an event whose sender has since gone still names its matter.
    const existing = await findMatterBySourceEvent(ctx.db, event.eventId);
    return existing ? { status: 'duplicate', matter: existing } : { status: 'rejected', reason: 'not_registered' };
  }
  const sender = found.person;
  const senderPlaces = found.placements;
  let reporter: PersonRow | null = sender;
  let recordedBy: PersonRow | null = null;
  let places = senderPlaces;
  if (event.onBehalfOf) {
    // Filing for an elderly villager: only staff may, and only for someone in their part of the tree.
    if (!isStaff(senderPlaces)) return { status: 'rejected', reason: 'not_permitted' };
    const villager = await findPerson(ctx.db, event.onBehalfOf);
    if (!villager) return { status: 'rejected', reason: 'not_registered' };
    places = await placementsOf(ctx.db, villager.id);
    const villagerUnit = homeOf(places);
    const covers = villagerUnit && coversPath(senderPlaces, villagerUnit.node.path);
    if (!covers) return { status: 'rejected', reason: 'not_permitted' };
    reporter = villager;
    recordedBy = sender;
  } else if (!homeOf(senderPlaces)) {
    // Staff reporting for themselves are recording what they found on patrol (发现).
    if (patrolsAUnit(senderPlaces)) {
      reporter = null;
      recordedBy = sender;
    }
  }
  const home = places.find((p) => (isResident(p.role) || recordedBy === sender) && p.node.level === 'unit');
  if (!home) return { status: 'rejected', reason: 'no_grid' };

  const now = ctx.now();
  const category: Category = event.category;
  // Only a hazard can be urgent: it then alerts cadres at once, even in their quiet hours.
  const urgent = isUrgent(category, event.urgent);
  const start = await startingPointFor(ctx.db, { category, urgent });
  const size: Size = event.size ?? start.size;
  const topic: Topic | string = event.topic ?? start.topic;
  const level: MatterLevel = 'unit';
  const limits = await policies(ctx.db);
  const limit = resolveTimeLimit(limits, { category, size, level });
  const discovered = transition(null, 'report', [reporter ? 'reporter' : 'recorder']);
  const received = transition(discovered, 'receive', ['system']);

  const matterId = randomUUID();
  // The villager gets the receipt; an officer's own patrol record is answered in the chat.
  const receiptTo = reporter;
  const receiptId = randomUUID();
  const receiptAt = new Date(now.getTime() + RECEIPT_WAIT_MS);
  const actorId = (recordedBy ?? reporter)?.id ?? null;

  const result = await ctx.db.transaction(async (tx) => {
    // First in the transaction: concurrent reports take numbers in turn, and a rollback gives it back.
    const ref = formatRef(await nextRefSeq(tx));
    // The source event id is unique: a second delivery of the same event inserts nothing.
    const matter = await insertMatter(tx, {
      id: matterId,
      ref,
      category,
      size,
      topic,
      step: received.step,
      state: received.state,
      level,
      gridNodeId: home.node.id,
      reporterId: reporter?.id ?? null,
      recordedById: recordedBy?.id ?? null,
      summary: summarise(text, attachments),
      urgent,
      sourceEventId: event.eventId,
      dueAt: dueAt(now, limit.acceptMinutes),
      discoveredAt: now,
      acceptedAt: now,
      createdAt: now,
      updatedAt: now,
    });
    // Rolled back, so that the number goes to the next report.
    if (!matter) throw new SourceEventTaken();
    // The event recorded, the matter's first events, the report's words, the receipt, the routing
    // job and the receipt's send job: rows that need nothing from each other, one statement.
    await writeTogether(tx, [
      eventRecordWrite(tx, event.eventId, matter.id),
      eventsWrite(tx, [
        {
          matterId,
          at: now,
          actorId,
          action: 'report',
          stepTo: 'discover',
          levelTo: level,
          note: recordedBy ? (reporter ? 'filed_for_villager' : 'patrol') : null,
          data: { platform: event.platform, category, size, topic, ...(urgent ? { urgent } : {}) },
        },
        { matterId, at: now, action: 'receive', stepFrom: 'discover', stepTo: 'accept', data: { ref } },
      ]),
      messageWrite(tx, {
        matterId,
        authorId: reporter?.id ?? recordedBy?.id ?? null,
        direction: 'in',
        text: text || null,
        attachments,
        platform: event.platform,
        createdAt: now,
      }),
      // 四个一: one receipt. Routing replaces this one with the receipt that names the officer;
      // if routing takes longer than RECEIPT_WAIT_MS, this one goes and the officer's name follows.
      receiptTo && deliveriesWrite(tx, [{ id: receiptId, personId: receiptTo.id, matterId, template: WAITING_RECEIPT, params: { ref, category, grid: home.node.name, received: receivedOf(text, attachments) }, dueAt: receiptAt }]),
      jobsWrite(tx, [outboxJob('route', { matterId }), ...(receiptTo ? sendJobs([{ personId: receiptTo.id }], { at: receiptAt }) : [])]),
    ]);
    // 隐患 with someone in danger now: the village hears of it at once.
    if (urgent) await writeDeliveries(tx, await urgentAlert(tx, matter, now));
    return matter;
  }).catch((err: unknown) => {
    if (err instanceof SourceEventTaken) return null;
    throw err;
  });

  if (!result) {
    const matter = await findMatterBySourceEvent(ctx.db, event.eventId);
    if (matter) return { status: 'duplicate', matter };
    // Claimed by a delivery still in flight in another transaction: the caller will see it done.
    throw new Error(`inbound event ${event.eventId} is being handled concurrently`);
  }
  ctx.outboxWritten();
  ctx.logger.info({ matterId: result.id, ref: result.ref, category, grid: home.node.code }, 'matter received');
  return { status: 'created', matter: result };
}

/** The report's source event already has a matter: the transaction is rolled back. */
class SourceEventTaken extends Error {
  override readonly name = 'SourceEventTaken';
}

function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}
