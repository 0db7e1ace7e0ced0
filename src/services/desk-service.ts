// What a person may see and do about matters from a chat: their own list, one matter's detail
// and timeline, whether a button they pressed is theirs to press, which matter a chat message
// belongs to. Every answer is worked out from the store; nothing a client sent is trusted.
import { allowedActions, decide, parseRef, STAFF_RELATIONS, type Action, type Relation } from '../domain/index.js';
import type { Platform } from '../domain/types.js';
import type { Executor } from '../store/db.js';
import { mattersReportedBy, openMattersAssignedTo, openMattersHelpedBy, type DeskMatter } from '../store/repositories/desk-repository.js';
import { findMatter, findMatterByRef, matterEventsOf, messagesOf, type MatterRow } from '../store/repositories/matter-repository.js';
import { findMessageLink, linkMessages } from '../store/repositories/message-link-repository.js';
import { ancestry, findNode } from '../store/repositories/grid-repository.js';
import { findPerson, titleOf, type Placement } from '../store/repositories/people-repository.js';
import { relationsOf } from './matter-actions.js';

export type { DeskMatter, MatterRow as Matter };

export type Audience = 'resident' | 'staff';

export const matterById = (db: Executor, id: string): Promise<MatterRow | undefined> => findMatter(db, id);

export type Access =
  | { ok: true; matter: MatterRow; relations: Relation[] }
  /** not_found also for a matter that exists but is none of the person's business. */
  | { ok: false; code: 'not_found' | 'not_permitted' | 'not_now'; matter?: MatterRow };

/** The matter behind a reference as typed or carried by a button, if the person has any part in it. */
export async function openMatter(db: Executor, personId: string, ref: string, placements?: Placement[]): Promise<Access> {
  const canonical = parseRef(ref);
  const matter = canonical ? await findMatterByRef(db, canonical) : undefined;
  if (!matter) return { ok: false, code: 'not_found' };
  const relations = await relationsOf(db, personId, matter, placements);
  if (!relations.length) return { ok: false, code: 'not_found' };
  return { ok: true, matter, relations };
}

/**
 * Whether the person may take `action` on the matter now, checked before asking them anything
 * (a reason, a text); performAction checks again when it acts.
 */
export async function mayAct(db: Executor, personId: string, ref: string, action: Action, placements?: Placement[]): Promise<Access> {
  const access = await openMatter(db, personId, ref, placements);
  if (!access.ok) return access;
  const d = decide(access.matter, action, access.relations);
  return d.ok ? access : { ok: false, code: d.code, matter: access.matter };
}

/** What the person sees: a resident only their own matters; staff also the matters they work on. */
export function audienceOf(relations: readonly Relation[]): Audience | null {
  if (relations.some((r) => STAFF_RELATIONS.includes(r))) return 'staff';
  if (relations.includes('reporter')) return 'resident';
  return null;
}

export function actionsFor(matter: MatterRow, relations: readonly Relation[]): Action[] {
  return allowedActions(matter, relations);
}

export const reportedMatters = (db: Executor, personId: string): Promise<DeskMatter[]> => mattersReportedBy(db, personId);
export const heldMatters = (db: Executor, personId: string): Promise<DeskMatter[]> => openMattersAssignedTo(db, personId);
/** Open matters the person helps on without holding them (see keepsHelping; a summoned liaison too). */
export const helpedMatters = (db: Executor, personId: string): Promise<DeskMatter[]> => openMattersHelpedBy(db, personId);

/** Events a resident is shown; the rest (internal notes, routing's workings) are for staff. */
const RESIDENT_EVENTS = new Set(['report', 'receive', 'route', 'take', 'reply', 'add_info', 'transfer', 'escalate', 'supervise', 'settle', 'evaluate', 'reopen', 'withdraw', 'urge', 'whistle', 'follow_up_answer']);

export type TimelineEvent = Awaited<ReturnType<typeof matterEventsOf>>[number];

/** The matter's timeline for one audience, oldest first, at most `last` events. */
export async function timelineOf(db: Executor, matterId: string, audience: Audience, last = 12): Promise<{ events: TimelineEvent[]; hidden: number }> {
  const all = (await matterEventsOf(db, matterId)).filter((e) => audience === 'staff' || RESIDENT_EVENTS.has(e.action));
  return { events: all.slice(-last), hidden: Math.max(0, all.length - last) };
}

/** What the villager said on the matter (their report and additions), oldest first. */
export async function villagerWords(db: Executor, matterId: string) {
  return (await messagesOf(db, matterId)).filter((m) => m.direction === 'in');
}

/** The matter a chat message belongs to (a card the bot sent, a message the person reported with). */
export async function matterOfMessage(db: Executor, platform: Platform, chatId: string, messageRef: string) {
  return findMessageLink(db, platform, chatId, messageRef);
}

/** Remembers which messages made up a report or an addition, so that an edit of one can follow. */
export async function linkPersonMessages(db: Executor, link: { platform: Platform; chatId: string; personId: string; matterId: string; refs: readonly string[] }): Promise<void> {
  await linkMessages(
    db,
    link.refs.map((messageRef) => ({ platform: link.platform, chatId: link.chatId, messageRef, matterId: link.matterId, personId: link.personId, kind: 'report', deliveryId: null })),
  );
}

/** Who holds the matter now, with the title they answer under (亮身份). */
export async function holderOf(db: Executor, matter: Pick<MatterRow, 'assigneeId' | 'gridNodeId'>): Promise<{ name: string; title: string | null } | null> {
  if (!matter.assigneeId) return null;
  const person = await findPerson(db, matter.assigneeId);
  if (!person) return null;
  const node = await findNode(db, matter.gridNodeId);
  const chain = node ? await ancestry(db, node) : [];
  return { name: person.name, title: await titleOf(db, person.id, chain.map((n) => n.id)) };
}
