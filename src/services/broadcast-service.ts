// 主动服务: a cadre's notice to everyone under a node (节日贺词, 电影下乡, 远程教育). Composed in chat
// or from the CLI; checked (who may send where, mayBroadcastTo); above the roster's size held for a
// second cadre; released into one delivery per person on the one way out (deliveries, send jobs in
// a lane behind the matters' messages; quiet hours wait for the morning); its author watches one
// message count up. Every step is written to the broadcast's ledger (broadcast_events).
import { randomUUID } from 'node:crypto';
import { broadcastDueAt, BROADCAST_WINDOW_WAIT_MS, DEFAULT_APPROVAL_SIZE, HOLIDAY_SEND_TIME, mayApproveBroadcast, mayBroadcastTo, needsApproval, nextHoliday, type BroadcastButton, type Holiday } from '../domain/index.js';
import type { Attachment, Locale, Platform, Role } from '../domain/types.js';
import { formatTime, translator } from '../i18n/index.js';
import { outboxJob, type JobOutcome, type OutboxJob } from '../ports/jobs.js';
import type { ServiceContext } from '../ports/context.js';
import type { Executor } from '../store/db.js';
import {
  approversOf,
  audienceOf,
  audienceSize,
  broadcastCounts,
  childNodes,
  findBroadcast,
  insertBroadcast,
  moveBroadcast,
  nextBroadcastDue,
  recordBroadcastEvent,
  recordResponse,
  responseCounts,
  setBroadcastsStopped,
  takeProgressTurn,
  broadcastsInFlight,
  wasSentTo,
  writeBroadcastDeliveries,
  type Audience,
  type BroadcastRow,
} from '../store/repositories/broadcast-repository.js';
import { createChatOutputs, createDeliveries, findDelivery } from '../store/repositories/delivery-repository.js';
import { ancestry, findNode } from '../store/repositories/grid-repository.js';
import { findPerson, placementsOf, type GridNodeRow } from '../store/repositories/people-repository.js';
import { enqueue } from '../store/repositories/outbox-repository.js';
import { expireWaitingCopies, WINDOW_EXPIRED, WINDOW_WAITING } from '../store/repositories/window-repository.js';
import { notDeliveredLines } from './broadcast-render.js';
import type { Sender } from './directory-service.js';
import { sendJobs } from './send-jobs.js';
import { broadcastButtonData } from './broadcast-render.js';

export type { BroadcastRow };

/** How often the author's progress message is brought up to date while copies go out. */
export const PROGRESS_EVERY_MS = 3000;

/** Where the author composed it: their progress message goes there and is edited in place. */
export interface AuthorChat {
  platform: Platform;
  chatId: string;
  userId: string;
  eventId: string;
}

export interface BroadcastDraft {
  nodeId: string;
  /** Narrowed to these roles (empty or null: everyone placed under the node). */
  roles?: readonly Role[] | null;
  /** Only people reading this language. */
  locale?: Locale | null;
  texts: Partial<Record<Locale, string>>;
  defaultLocale: Locale;
  buttons?: readonly BroadcastButton[];
  /** A photo or a document sent with the words (a platform's file reference). */
  attachments?: readonly Attachment[];
  /** Sent then (null: now). */
  scheduledAt?: Date | null;
  /** 节日贺词: sent every year on this holiday (08:00 in the node's zone) instead, until cancelled. */
  holiday?: Holiday | null;
}

export type ComposeResult =
  | { ok: true; broadcast: BroadcastRow; recipients: number; approval: boolean }
  | { ok: false; code: 'not_permitted' | 'no_such_node' | 'empty_text' | 'no_audience' }
  /** Large enough to need a second cadre, and no other cadre covers the node. */
  | { ok: false; code: 'no_approver'; limit: number };

const audienceFor = (node: GridNodeRow, d: Pick<BroadcastDraft, 'roles' | 'locale'>, authorId: string | null): Audience => ({
  path: node.path,
  roles: d.roles?.length ? d.roles : null,
  locale: d.locale ?? null,
  excludePersonId: authorId,
});

/** The nodes a person may broadcast to, top first: their own posts' nodes (a cadre's, an officer's grid). */
export function broadcastNodes(sender: Sender): GridNodeRow[] {
  const nodes = sender.placements.filter((p) => mayBroadcastTo([p], p.node)).map((p) => p.node);
  return [...new Map(nodes.map((n) => [n.id, n])).values()].sort((a, b) => a.path.length - b.path.length || a.path.localeCompare(b.path));
}

/** Above how many recipients a broadcast to the node needs a second cadre (the roster's, else 500). */
export const approvalSizeOf = (node: Pick<GridNodeRow, 'broadcastApprovalSize'>): number => node.broadcastApprovalSize ?? DEFAULT_APPROVAL_SIZE;

/** The places offered in chat: the sender's own nodes and the ones directly under them, top first. */
export async function broadcastPlaces(db: Executor, sender: Sender): Promise<GridNodeRow[]> {
  const own = broadcastNodes(sender);
  const children = (await childNodes(db, own.filter((n) => n.level !== 'unit').map((n) => n.id))).filter((n) => n.level !== 'household');
  return [...new Map([...own, ...children].map((n) => [n.id, n])).values()];
}

/** Whether the sender may broadcast to the node; `null` author: the administrator at the CLI. */
export function mayBroadcast(sender: Pick<Sender, 'placements'> | null, node: GridNodeRow): boolean {
  return sender === null || mayBroadcastTo(sender.placements, node);
}

/** How many would get it: the preview's count (the same query the release runs). */
export async function previewCount(db: Executor, node: GridNodeRow, d: Pick<BroadcastDraft, 'roles' | 'locale'>, authorId: string | null): Promise<number> {
  return audienceSize(db, audienceFor(node, d, authorId));
}

/**
 * Writes a broadcast its author confirmed: checked, counted, and then released (now, or at its
 * time), or held for a second cadre when it is larger than `approvalSize`. In the caller's
 * transaction; the caller calls `ctx.outboxWritten()` after commit.
 */
export async function composeBroadcast(
  ctx: ServiceContext,
  db: Executor,
  author: Sender | null,
  draft: BroadcastDraft,
  opts: { chat?: AuthorChat; approvalSize?: number } = {},
): Promise<ComposeResult> {
  const node = await findNode(db, draft.nodeId);
  if (!node) return { ok: false, code: 'no_such_node' };
  if (!mayBroadcast(author, node)) return { ok: false, code: 'not_permitted' };
  const texts = Object.fromEntries(Object.entries(draft.texts).filter(([, v]) => typeof v === 'string' && v.trim()));
  if (!texts[draft.defaultLocale]) return { ok: false, code: 'empty_text' };
  const authorId = author?.person.id ?? null;
  const recipients = await previewCount(db, node, draft, authorId);
  if (!recipients) return { ok: false, code: 'no_audience' };
  // The administrator at the CLI answers for what they send; a cadre's large notice waits for a second.
  const limit = opts.approvalSize ?? approvalSizeOf(node);
  const approval = author !== null && needsApproval(recipients, limit);
  const approvers = approval ? await approversOf(db, (await ancestry(db, node)).map((n) => n.id), authorId) : [];
  if (approval && !approvers.length) return { ok: false, code: 'no_approver', limit };
  const now = ctx.now();
  const yearly = draft.holiday ?? null;
  const later = !yearly && draft.scheduledAt && draft.scheduledAt.getTime() > now.getTime() ? draft.scheduledAt : null;
  let row = await insertBroadcast(db, {
    authorId,
    gridNodeId: node.id,
    roles: draft.roles?.length ? [...draft.roles] : null,
    locale: draft.locale ?? null,
    texts,
    defaultLocale: draft.defaultLocale,
    buttons: [...(draft.buttons ?? [])],
    attachments: [...(draft.attachments ?? [])],
    status: approval ? 'awaiting_approval' : yearly ? 'yearly' : 'scheduled',
    audienceSize: recipients,
    scheduledAt: later,
    ...(yearly ? { holiday: yearly, sendTime: HOLIDAY_SEND_TIME } : {}),
  });
  await recordBroadcastEvent(db, {
    broadcastId: row.id,
    actorId: authorId,
    action: 'composed',
    at: now,
    data: { node: node.code, roles: row.roles, locale: row.locale, texts, buttons: row.buttons, files: row.attachments.map((a) => a.kind), recipients, scheduledAt: later?.toISOString() ?? null, ...(yearly ? { holiday: yearly } : {}) },
  });
  if (opts.chat) {
    const key = approval ? 'broadcast:progress.awaiting_approval' : yearly ? 'broadcast:progress.yearly' : later ? 'broadcast:progress.scheduled' : 'broadcast:progress.starting';
    row = await openProgress(ctx, db, row, opts.chat, author, node.timezone, key, yearly ? { at: (await nextHoliday(yearly, now, node.timezone)).at, holiday: yearly } : {});
  }
  if (approval) await askApproval(ctx, db, row, node, author!, approvers);
  else if (yearly) await enqueue(db, [outboxJob('broadcast', { op: 'plan_yearly' })]);
  else if (later) await enqueue(db, [outboxJob('broadcast', { broadcastId: row.id, op: 'release' }, { runAt: later })]);
  else await releaseBroadcast(ctx, db, row.id);
  return { ok: true, broadcast: (await findBroadcast(db, row.id))!, recipients, approval };
}

/** The author's progress message: written now, edited in place as copies go out. */
async function openProgress(ctx: ServiceContext, db: Executor, row: BroadcastRow, chat: AuthorChat, author: Sender | null, zone: string, key: string, yearly: { at?: Date; holiday?: Holiday } = {}): Promise<BroadcastRow> {
  const id = randomUUID();
  const locale = author?.person.locale ?? 'zh-CN';
  const t = translator(locale);
  const at = yearly.at ?? row.scheduledAt;
  const text = t(key, { total: row.audienceSize, at: at ? formatTime(at, locale, zone) : '', holiday: yearly.holiday ? t(`broadcast:holiday_name.${yearly.holiday}`) : '' });
  // One still to come (at its time, or every year) can be cancelled from under it; the edit that counts its sending takes the button away.
  const later = key === 'broadcast:progress.scheduled' || key === 'broadcast:progress.yearly';
  const buttons = later ? [[{ label: t('broadcast:button.cancel'), data: broadcastButtonData('x', row.id) }]] : undefined;
  const queues = await createChatOutputs(db, [{ id, ...chat, personId: author?.person.id ?? null, output: { kind: 'message', text, ...(buttons ? { buttons } : {}) } }]);
  await enqueue(db, queues.map((recipient) => outboxJob('send', { recipient })));
  return (await moveBroadcast(db, row.id, [row.status], { progressDeliveryId: id })) ?? row;
}

/** 审核: the cadres above who may approve it get it with two buttons; the first to press decides. */
async function askApproval(ctx: ServiceContext, db: Executor, row: BroadcastRow, node: GridNodeRow, author: Sender, approvers: readonly string[]): Promise<void> {
  const rows = approvers.map((personId) => ({
    id: randomUUID(),
    personId,
    matterId: null,
    template: 'broadcast_approval',
    params: { broadcastId: row.id, author: author.person.name, node: node.name, recipients: row.audienceSize, text: row.texts[row.defaultLocale] ?? '' },
  }));
  await createDeliveries(db, rows);
  await enqueue(db, sendJobs(rows));
  await recordBroadcastEvent(db, { broadcastId: row.id, actorId: author.person.id, action: 'approval_asked', at: ctx.now(), data: { approvers: approvers.length } });
}

export type DecideResult = { ok: true; broadcast: BroadcastRow } | { ok: false; code: 'not_found' | 'not_permitted' | 'own' | 'decided' };

/** A second cadre approves (it is released) or turns it down; their own broadcast they cannot. */
export async function decideBroadcast(ctx: ServiceContext, db: Executor, approver: Sender, broadcastId: string, approve: boolean): Promise<DecideResult> {
  const row = await findBroadcast(db, broadcastId);
  if (!row) return { ok: false, code: 'not_found' };
  const node = (await findNode(db, row.gridNodeId))!;
  if (row.authorId === approver.person.id) return { ok: false, code: 'own' };
  if (!mayApproveBroadcast(approver.placements, node)) return { ok: false, code: 'not_permitted' };
  const now = ctx.now();
  const later = row.scheduledAt && row.scheduledAt.getTime() > now.getTime();
  const moved = await moveBroadcast(db, row.id, ['awaiting_approval'], approve ? { status: row.holiday ? 'yearly' : 'scheduled', approvedById: approver.person.id, approvedAt: now } : { status: 'rejected', finishedAt: now });
  if (!moved) return { ok: false, code: 'decided' };
  await recordBroadcastEvent(db, { broadcastId: row.id, actorId: approver.person.id, action: approve ? 'approved' : 'rejected', at: now });
  if (row.authorId) {
    await tellAuthor(db, row, approve ? 'broadcast:approved' : 'broadcast:rejected', { name: approver.person.name });
  }
  if (approve && row.holiday) await enqueue(db, [outboxJob('broadcast', { op: 'plan_yearly' })]);
  else if (approve && later) await enqueue(db, [outboxJob('broadcast', { broadcastId: row.id, op: 'release' }, { runAt: row.scheduledAt })]);
  else if (approve) await releaseBroadcast(ctx, db, row.id);
  return { ok: true, broadcast: (await findBroadcast(db, row.id))! };
}

async function tellAuthor(db: Executor, row: BroadcastRow, key: string, params: Record<string, unknown>): Promise<void> {
  if (!row.authorId) return;
  const rows = [{ id: randomUUID(), personId: row.authorId, matterId: null, template: key.replace('broadcast:', 'broadcast_'), params: { broadcastId: row.id, ...params } }];
  await createDeliveries(db, rows);
  await enqueue(db, sendJobs(rows));
}

/**
 * Puts one copy in each recipient's queue (a second run adds none: one per person and broadcast),
 * due at once or, in the person's quiet hours, in their morning. Their send jobs run behind every
 * matter's message. Returns how many copies it wrote.
 */
export async function releaseBroadcast(ctx: ServiceContext, db: Executor, broadcastId: string): Promise<number> {
  const now = ctx.now();
  const row = await moveBroadcast(db, broadcastId, ['scheduled'], { status: 'sending', releasedAt: now });
  if (!row) return 0;
  const node = (await findNode(db, row.gridNodeId))!;
  const audience = await audienceOf(db, audienceFor(node, { roles: row.roles as Role[] | null, locale: row.locale as Locale | null }, row.authorId));
  // Never in a person's quiet hours: their grid's (the roster's), in their zone.
  const dueByZone = new Map<string, Date>();
  const dueOf = (zone: string | null, quiet: { from: string; to: string }) => {
    const z = zone ?? node.timezone;
    const key = `${z}|${quiet.from}|${quiet.to}`;
    let d = dueByZone.get(key);
    if (!d) dueByZone.set(key, (d = broadcastDueAt(now, z, quiet)));
    return d;
  };
  const rows = audience.map((a) => {
    const due = dueOf(a.zone, a.quiet);
    return { personId: a.personId, dueAt: due.getTime() > now.getTime() ? due : null };
  });
  const params = { broadcastId: row.id, texts: row.texts, defaultLocale: row.defaultLocale, buttons: row.buttons, ...(row.attachments.length ? { attachments: row.attachments } : {}) };
  const queues = await writeBroadcastDeliveries(db, row.id, rows, params);
  const dueOfQueue = new Map(rows.map((r) => [`person:${r.personId}`, r.dueAt]));
  const jobs: OutboxJob[] = queues.map((recipient) => {
    const at = dueOfQueue.get(recipient);
    return outboxJob('send', { recipient, lane: 'broadcast', ...(at ? { at: at.toISOString() } : {}) });
  });
  await enqueue(db, [...jobs, outboxJob('broadcast', { broadcastId: row.id, op: 'progress' }, { runAt: new Date(now.getTime() + PROGRESS_EVERY_MS) })]);
  const waiting = rows.filter((r) => r.dueAt).length;
  await recordBroadcastEvent(db, { broadcastId: row.id, actorId: null, action: 'released', at: now, data: { copies: queues.length, waiting } });
  // Counts only: never the notice's words.
  ctx.logger.info({ broadcastId: row.id, node: node.code, copies: queues.length, waiting }, 'broadcast released');
  return queues.length;
}

/**
 * What the author is shown: sent, waiting (quiet hours; a closed sending window), not sent and why
 * (stopped; `failed`: unreachable — `blocked` of them — or an error; `expired`: the window stayed
 * closed through the broadcast's wait).
 */
export interface BroadcastProgress {
  total: number;
  sent: number;
  waiting: number;
  queued: number;
  stopped: number;
  failed: number;
  blocked: number;
  /** Waiting for the person to write again (their sending window is closed). */
  windowWaiting: number;
  /** Not delivered: they did not write again within the wait (BROADCAST_WINDOW_WAIT_MS). */
  expired: number;
  responses: Record<string, number>;
}

export async function progressOf(db: Executor, row: BroadcastRow, now: Date): Promise<BroadcastProgress> {
  const c = await broadcastCounts(db, row.id, now);
  const total = Object.values(c).reduce((a, b) => a + b, 0);
  return {
    total,
    sent: c.sent ?? 0,
    waiting: c.waiting ?? 0,
    queued: (c.pending ?? 0) + (c.sending ?? 0),
    stopped: c.stopped ?? 0,
    failed: (c.failed ?? 0) + (c.unreachable ?? 0),
    blocked: c.unreachable ?? 0,
    windowWaiting: c[WINDOW_WAITING] ?? 0,
    expired: c[WINDOW_EXPIRED] ?? 0,
    responses: await responseCounts(db, row.id),
  };
}

/** When a broadcast's copies stop waiting for closed sending windows. */
export const windowWaitEnds = (row: Pick<BroadcastRow, 'releasedAt'>, now: Date): Date => new Date((row.releasedAt ?? now).getTime() + BROADCAST_WINDOW_WAIT_MS);

/** The progress words, in the author's language. */
export function progressText(locale: string, p: BroadcastProgress, finished: boolean): string {
  const t = translator(locale);
  // Not delivered counts every reason but /stop (said apart): unreachable, errors, the window.
  const lines = [t(finished ? 'broadcast:progress.finished' : 'broadcast:progress.sending', { ...p, failed: p.failed + p.expired })];
  if (p.windowWaiting) lines.push(t('broadcast:progress.window_waiting', { count: p.windowWaiting, days: Math.round(BROADCAST_WINDOW_WAIT_MS / 86_400_000) }));
  if (finished) lines.push(...notDeliveredLines(locale, p));
  if (p.responses.attend) lines.push(t('broadcast:progress.attend', { count: p.responses.attend }));
  if (p.responses.ack) lines.push(t('broadcast:progress.ack', { count: p.responses.ack }));
  return lines.join('\n');
}

/**
 * The `broadcast` job: releases one whose time came, or brings its author's message up to date
 * (edited in place) and looks again shortly, until no copy is left to send; then the final report.
 */
export async function handleBroadcastJob(ctx: ServiceContext, data: { broadcastId: string; op: 'release' | 'progress' }): Promise<JobOutcome> {
  if (data.op === 'release') {
    const n = await ctx.db.transaction((tx) => releaseBroadcast(ctx, tx, data.broadcastId));
    ctx.outboxWritten();
    return { outcome: n ? 'released' : 'nothing_to_release', copies: n };
  }
  const out = await ctx.db.transaction(async (tx) => {
    const row = await findBroadcast(tx, data.broadcastId);
    if (!row || row.status !== 'sending') return { outcome: 'not_sending' };
    const now = ctx.now();
    // One chain of progress jobs per broadcast: one put back beside a surviving one stops here.
    if (!(await takeProgressTurn(tx, row.id, now, PROGRESS_EVERY_MS * 0.9))) return { outcome: 'another_chain' };
    // Copies that waited for a closed sending window through the whole wait are not delivered.
    const windowEnds = windowWaitEnds(row, now);
    if (windowEnds.getTime() <= now.getTime()) await expireWaitingCopies(tx, row.id);
    const p = await progressOf(tx, row, now);
    const finished = p.queued === 0 && p.waiting === 0 && p.windowWaiting === 0;
    const author = row.authorId ? await findPerson(tx, row.authorId) : undefined;
    const locale = author?.locale ?? 'zh-CN';
    await editProgress(tx, row, progressText(locale, p, finished));
    if (finished) {
      const { responses, ...counts } = p;
      const answers = Object.fromEntries(Object.entries(responses).map(([k, v]) => [`answer_${k}`, v]));
      await moveBroadcast(tx, row.id, ['sending'], { status: 'done', finishedAt: now, counts: { ...counts, ...answers } });
      await recordBroadcastEvent(tx, { broadcastId: row.id, actorId: null, action: 'finished', at: now, data: { ...p } });
      if (row.authorId)
        await tellAuthor(tx, row, 'broadcast:report', { sent: p.sent, total: p.total, stopped: p.stopped, failed: p.failed + p.expired, blocked: p.blocked, expired: p.expired, attend: p.responses.attend ?? 0, ack: p.responses.ack ?? 0 });
      return { outcome: 'finished', ...p };
    }
    // Everything left waits for the morning, or for people to write: look again then (or when the
    // window wait is over), not every few seconds all night. A person who writes brings a look sooner.
    const later = [await nextBroadcastDue(tx, row.id), p.windowWaiting ? windowEnds : null].filter((d): d is Date => d !== null);
    const next = p.queued === 0 && later.length ? new Date(Math.min(...later.map((d) => d.getTime()))) : new Date(now.getTime() + PROGRESS_EVERY_MS);
    await enqueue(tx, [outboxJob('broadcast', { broadcastId: row.id, op: 'progress' }, { runAt: next })]);
    return { outcome: 'progress', ...p };
  });
  ctx.outboxWritten();
  return out as JobOutcome;
}

/**
 * The broadcast jobs a queue that lost its data should hold again: a progress job for each one
 * sending (a second chain stops itself), a release for each scheduled one whose time has come
 * (one still to come waits in the outbox, or its job was lost: released now or at its time).
 */
export async function lostBroadcastJobs(ctx: Pick<ServiceContext, 'db' | 'now'>): Promise<Array<{ data: { broadcastId: string; op: 'release' | 'progress' }; delay: number }>> {
  const now = ctx.now().getTime();
  return (await broadcastsInFlight(ctx.db)).map((b) => ({
    data: { broadcastId: b.id, op: b.status === 'sending' ? ('progress' as const) : ('release' as const) },
    delay: b.status === 'scheduled' && b.scheduledAt ? Math.max(0, b.scheduledAt.getTime() - now) : 0,
  }));
}

/** Edits the author's progress message once it went out (before that there is nothing to edit). */
async function editProgress(db: Executor, row: BroadcastRow, text: string): Promise<void> {
  if (!row.progressDeliveryId) return;
  const shown = await findDelivery(db, row.progressDeliveryId);
  if (!shown?.messageRef || !shown.chatPlatform || !shown.chatId) return;
  const queues = await createChatOutputs(db, [
    {
      id: randomUUID(),
      platform: shown.chatPlatform,
      chatId: shown.chatId,
      userId: shown.userId ?? shown.chatId,
      eventId: `broadcast:${row.id}:${randomUUID()}`,
      personId: shown.personId,
      output: { kind: 'edit', messageRef: shown.messageRef, text },
    },
  ]);
  await enqueue(db, queues.map((recipient) => outboxJob('send', { recipient })));
}

/** /stop: no more broadcasts for this person (their own matters still reach them). */
export async function stopBroadcasts(ctx: ServiceContext, db: Executor, personId: string): Promise<boolean> {
  return setBroadcastsStopped(db, personId, ctx.now());
}

/** /start again: broadcasts resume. */
export async function resumeBroadcasts(db: Executor, personId: string): Promise<boolean> {
  return setBroadcastsStopped(db, personId, null);
}

/** A recipient pressed 我要参加 or 收到 under a broadcast they were sent. */
export async function answerBroadcast(ctx: ServiceContext, db: Executor, personId: string, broadcastId: string, answer: BroadcastButton): Promise<boolean> {
  if (!(await wasSentTo(db, broadcastId, personId))) return false;
  await recordResponse(db, broadcastId, personId, answer, ctx.now());
  return true;
}

/** A sender for a person by id (the approver pressing in chat is looked up by the engine already). */
export async function senderById(db: Executor, personId: string): Promise<Sender | undefined> {
  const person = await findPerson(db, personId);
  return person ? { person, placements: await placementsOf(db, personId) } : undefined;
}
