// Matters put into words for a chat: a line per matter, a timeline, what a draft holds, times in
// the person's zone. Text only; the flows decide what to show to whom.
import { EVENT_KINDS } from '../domain/lifecycle.js';
import type { Attachment } from '../domain/types.js';
import { formatTime } from '../i18n/index.js';
import type { DeskMatter, Matter, TimelineEvent } from '../services/desk-service.js';
import { draftCounts, type DraftPart } from './draft.js';
import type { FlowContext } from './types.js';

export const DEFAULT_ZONE = 'Asia/Shanghai';

/** The person's own zone (/tz), else that of their first grid, else Asia/Shanghai. */
export function zoneOf(c: FlowContext): string {
  return c.sender?.person.timezone ?? c.sender?.placements[0]?.node.timezone ?? DEFAULT_ZONE;
}

export function when(c: FlowContext, at: Date | string | null | undefined): string {
  return at ? formatTime(new Date(at), c.locale, zoneOf(c)) : '';
}

/** At most `max` characters, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}

/** "文字 2 段、照片 3 张、位置" */
export function describeParts(c: FlowContext, parts: readonly DraftPart[]): string {
  const n = draftCounts(parts);
  const bits: string[] = [];
  if (n.texts) bits.push(c.t('flows:draft.texts', { count: n.texts }));
  if (n.photos) bits.push(c.t('flows:draft.photos', { count: n.photos }));
  if (n.voices) bits.push(c.t('flows:draft.voices', { count: n.voices }));
  if (n.files) bits.push(c.t('flows:draft.files', { count: n.files }));
  if (n.location) bits.push(c.t('flows:draft.location'));
  return bits.join(c.t('flows:draft.joiner')) || c.t('flows:draft.nothing');
}

/** What attachments a message carried, in words. */
export function describeAttachments(c: FlowContext, attachments: readonly Attachment[]): string {
  const count = (k: Attachment['kind']) => attachments.filter((a) => a.kind === k).length;
  const bits: string[] = [];
  if (count('photo')) bits.push(c.t('flows:draft.photos', { count: count('photo') }));
  if (count('voice')) bits.push(c.t('flows:draft.voices', { count: count('voice') }));
  if (count('document') + count('video')) bits.push(c.t('flows:draft.files', { count: count('document') + count('video') }));
  if (count('location')) bits.push(c.t('flows:draft.location'));
  return bits.join(c.t('flows:draft.joiner'));
}

/** "0000-0018 纠纷 · 处置 · 邻居在我家田边…" */
export function matterLine(c: FlowContext, m: Pick<DeskMatter, 'ref' | 'category' | 'step' | 'state' | 'summary'>): string {
  const where = m.state === 'open' ? c.t(`common:step.${m.step}`) : c.t(`common:state.${m.state}`);
  return c.t('flows:matter.line', { ref: m.ref, category: c.t(`common:category.${m.category}`), where, summary: clip(m.summary, 24) });
}

/** A button label for a matter: short enough for a phone's width. */
export function matterButton(c: FlowContext, m: Pick<DeskMatter, 'ref' | 'category' | 'summary'>): string {
  return `${m.ref} ${c.t(`common:category.${m.category}`)} ${clip(m.summary, 10)}`;
}

export function isOverdue(m: Pick<Matter, 'dueAt' | 'state'>, now: Date): boolean {
  return m.state === 'open' && Boolean(m.dueAt && m.dueAt.getTime() < now.getTime());
}

/** Events whose line carries the note when there is one (`<kind>_plain` when there is none). */
const NOTED = new Set(['reply', 'add_info', 'supervise', 'escalate']);

/** The locale key of an event's line: every kind in EVENT_KINDS has one (a test holds to it). */
export function eventKey(e: Pick<TimelineEvent, 'action' | 'levelTo' | 'note' | 'actorId'>): string {
  if (!(EVENT_KINDS as readonly string[]).includes(e.action)) return 'flows:event.other';
  if (e.action === 'escalate' && !e.levelTo) return 'flows:event.escalate_stays';
  if (e.action === 'escalate' && !e.actorId) return 'flows:event.escalate_timer';
  if (NOTED.has(e.action) && !e.note) return `flows:event.${e.action}_plain`;
  return `flows:event.${e.action}`;
}

/** One event of the timeline as a line. */
export function eventLine(c: FlowContext, e: TimelineEvent, viewerId: string): string {
  const who = e.actorId && e.actorId === viewerId ? c.t('flows:matter.you') : (e.actorName ?? c.t('flows:matter.system'));
  const data = (e.data ?? {}) as Record<string, unknown>;
  const alerted = typeof data.alerted === 'string' && !e.levelTo ? data.alerted : null;
  const params: Record<string, unknown> = {
    who,
    assignee: e.assigneeName ?? c.t('flows:matter.nobody'),
    note: e.note ? clip(e.note, 60) : '',
    level: e.levelTo ? c.t(`notify:level_names.${e.levelTo}`) : alerted ? c.t(`notify:level_names.${alerted}`) : '',
    rating: typeof data.rating === 'string' ? c.t(`flows:rate.${data.rating}`) : '',
    score: typeof data.rating === 'number' ? data.rating : '',
    size: typeof data.size === 'string' ? c.t(`common:size.${data.size}`) : '',
    topic: typeof data.name === 'string' ? data.name : typeof data.topic === 'string' ? data.topic : '',
    department: e.departmentName ?? c.t('flows:matter.a_department'),
    limit: typeof data.limit === 'string' ? c.t(`ladder:limit.${data.limit}`) : c.t('flows:matter.a_limit'),
    due: typeof data.dueAt === 'string' ? when(c, data.dueAt) : '',
    count: typeof data.pausedMinutes === 'number' ? data.pausedMinutes : 0,
    answer: typeof data.answer === 'string' ? c.t(`notify:follow_up_answer.${data.answer}`) : '',
  };
  return `${when(c, e.at)} ${c.t(eventKey(e), params)}`;
}
