// Conversations: one chat update in, the flow engine's turn, and what the bot says out. The
// update's id, the person's new place in the flow, any change the flow made and the messages to
// send are written in one transaction; the messages join the chat's send queue (send-service.ts).
import { randomUUID } from 'node:crypto';
import type { ChatOutput, ChatTarget, SendingWindow, Strangers } from '../ports/channel.js';
import { describeUpdate, type ChatUpdate } from '../ports/chat-update.js';
import type { Locale, Platform } from '../domain/types.js';
import { isLocale, localeFromLanguageCode } from '../domain/language.js';
import type { ConversationEngine, FlowState } from './conversation.js';
import { t } from '../i18n/index.js';
import type { JobMeta, JobOutcome } from '../ports/jobs.js';
import type { Db, Executor } from '../store/db.js';
import { chatOutputQueues, recipientKey, type NewChatOutput } from '../store/repositories/delivery-repository.js';
import { clearFlowState, conversationLockKey, type FlowStateRow } from '../store/repositories/flow-repository.js';
import { markInboxFailed, type InboxSummary } from '../store/repositories/inbox-repository.js';
import { recordEvent } from '../store/repositories/matter-repository.js';
import { endTurn, loadTurn, startTurn, type FlowStateWrite, type TurnIdentity } from '../store/repositories/turn-repository.js';
import { withStoreScope } from '../store/scope.js';
import { LAST_SEEN_GRAIN_MS } from '../domain/reach.js';
import { senderByIdentity } from '../store/repositories/people-repository.js';
import { markReachable, markUnreachable } from '../store/repositories/registration-repository.js';
import { outboxJob } from '../ports/jobs.js';
import type { ServiceContext } from '../ports/context.js';
import { errorLabel, errorSummary, isConnectionError } from '../util/error-summary.js';
import { noteSeen } from './reach-service.js';
import { releaseHeld, releaseWaitingCopies } from './send-window.js';

export interface ChatOptions {
  engine: ConversationEngine;
  /** For people whose platform gives no language code (default zh-CN). */
  defaultLocale?: Locale;
  /** How a platform writes a command: its channel's capability (default '/'). */
  commandPrefix?: (platform: Platform) => string | undefined;
  /** How someone unknown becomes known on a platform: its channel's trait (default 'register'). */
  strangers?: (platform: Platform) => Strangers | undefined;
  /** The sending window a chat is under (its channel's capability); none: the bot may write at any time. */
  sendingWindow?: (platform: Platform, target: ChatTarget) => SendingWindow | null;
}

/**
 * A person's updates are handled in the order they came: a turn that finds an earlier update of
 * theirs still waiting (two of theirs picked up at once, and this one took their conversation's
 * lock first) undoes itself and runs again shortly after. The earlier one has waited `behindMs`:
 * the longer it has (a retry after a failure), the less often this one asks again.
 */
class TurnWaits extends Error {
  override readonly name = 'TurnWaits';
  readonly retryAfterMs: number;
  constructor(behindMs: number) {
    super('an earlier update of the same person is still waiting');
    this.retryAfterMs = Math.min(2000, Math.max(100, Math.round(behindMs / 2)));
  }
}

/** From this attempt on, a turn that keeps failing is answered with an apology and let go. */
export const APOLOGY_ATTEMPT = 3;

/**
 * Handles one chat update once: a second delivery of the same update finds its id recorded and
 * does nothing. A turn that fails is retried (the database may have blinked); one that fails
 * again and again is a bug, and the person gets an apology instead of silence.
 */
export async function handleChatUpdate(ctx: ServiceContext, opts: ChatOptions, update: ChatUpdate, meta: Pick<JobMeta, 'attempt'>): Promise<JobOutcome> {
  let outcome: JobOutcome & { outputs?: number };
  try {
    outcome = await ctx.db.transaction((tx) => turn(ctx, tx, opts, update));
  } catch (err) {
    // An update that overtook an earlier one of the same person goes after it (nothing was kept).
    // Its job runs again after retryAfterMs, without using up an attempt (queue-system.ts).
    if (err instanceof TurnWaits) throw err;
    // A database that went away is waited for (the job retries); only a turn that fails on its own is given up.
    if (meta.attempt < APOLOGY_ATTEMPT || isConnectionError(err)) throw err;
    // The error's name and code only: a failed query's message carries its parameters (the person's words).
    ctx.logger.error({ err: errorSummary(err), update: describeUpdate(update), inboxId: update.inboxId, attempts: meta.attempt }, 'chat turn failed again and again; apologising and giving the update up');
    outcome = await ctx.db.transaction((tx) => apologise(ctx, tx, opts, update, { kind: update.content.kind, error: errorLabel(err), attempts: meta.attempt }));
  }
  if (outcome.outputs || outcome.merged) ctx.outboxWritten();
  return outcome;
}

async function turn(ctx: ServiceContext, tx: Executor, opts: ChatOptions, update: ChatUpdate): Promise<JobOutcome & { outputs?: number; merged?: number }> {
  const { platform, userId } = update;
  const content = update.content;
  const privateChat = update.chatType === 'private' && update.chatId === userId;
  // One statement: the inbox row handled, the update's id recorded and, for a new update, the
  // person's conversation locked. What the turn reads is issued with it: postgres-js pipelines
  // both on the transaction's connection, and the read runs once the first has taken the lock.
  const started = startTurn(tx, { inboxId: update.inboxId ?? null, eventId: update.eventId, at: ctx.now(), lockKey: userId ? conversationLockKey(platform, userId) : null });
  // It also says whether an update of theirs admitted earlier still waits: this one waits its turn.
  const reading = userId && content.kind !== 'membership' ? loadTurn(tx, platform, userId, privateChat ? recipientKey({ chatPlatform: platform, chatId: update.chatId }) : null, update.inboxId ?? null) : null;
  const [first, known] = await Promise.all([started, reading]);
  if (!first) return { outcome: 'duplicate' };
  if (!userId) return { outcome: 'ignored' };
  if (known?.behindMs != null) throw new TurnWaits(known.behindMs);
  if (content.kind === 'membership') {
    if (content.status === 'blocked') await markUnreachable(tx, platform, userId, ctx.now());
    else await markReachable(tx, platform, userId);
    return { outcome: `membership_${content.status}` };
  }
  const start = known!;
  // Notifications follow a person to the platform they last wrote from.
  // Under a sending window the time is kept exactly: the window counts from this very message.
  const wrote = content.kind !== 'ignored' && content.kind !== 'throttled';
  const exact = Boolean(opts.sendingWindow?.(platform, { chatId: update.chatId, userId, group: update.chatType === 'group' }));
  const seen = (reachable = false) => noteSeen(tx, platform, userId, ctx.now(), { reachable, exact });
  // Someone writing to us privately can be written to again.
  const reachable = update.chatType === 'private' && content.kind !== 'ignored';
  // Written only when it changes something (the identity as read: touchIdentity's own rule).
  const identity = start.identity;
  if (identity && wrote && seenDue(identity, ctx.now(), { exact, reachable })) await seen(reachable);
  else if (identity && !wrote && reachable && identity.unreachableAt) await markReachable(tx, platform, userId);
  const sender = start.sender ?? null;
  // Flows get the transaction as their store: whatever they change commits with the turn.
  const svc: ServiceContext = { ...ctx, db: withStoreScope(tx, ctx.db) as unknown as Db };
  const result = await opts.engine.turn({ svc, update, sender, state: start.flowState ? stateOf(start.flowState) : null, defaultLocale: opts.defaultLocale, commandPrefix: opts.commandPrefix?.(update.platform), strangers: opts.strangers?.(update.platform) });

  const s = result.state;
  const flowState: FlowStateWrite | null = s
    ? { kind: 'save', row: { platform, externalId: userId, flow: s.flow, stepName: s.step, data: s.data, expiresAt: s.expiresAt, chatId: s.chatId, token: s.token, locale: s.locale, updatedAt: ctx.now() } }
    : start.flowState
      ? { kind: 'clear', platform, externalId: userId }
      : null;
  // Someone this very turn made known (they registered): they wrote now, and their window opens now.
  if (wrote && !sender) await seen();
  // An identity never changes hands within a turn: someone known at its start is the same person now.
  const rows = await outputRows(tx, update, result.outputs, sender ? sender.person.id : undefined);
  // The new place in the flow, the answers and their send jobs: one statement.
  await endTurn(tx, { flowState, outputs: rows, jobs: outputJobs(rows) });
  // What waited for them to write (a closed sending window) follows the answers, merged in one message.
  // Read with the person: nothing held, no statement.
  const merged = wrote && start.held ? await releaseWaiting(tx, update, sender?.person.id ?? null) : 0;
  // Broadcasts that waited for them go as themselves, after all that (never merged).
  // In a private chat not keyed by the person (WeChat Customer Service's), the answers went to the chat's queue: the copies follow them there.
  const answersInChat = update.chatType === 'private' && update.chatId !== update.userId;
  const copies = wrote && sender && start.waitingCopies ? await releaseWaitingCopies(tx, sender.person.id, ctx.now(), answersInChat ? { platform, chatId: update.chatId } : null) : 0;
  return { outcome: 'handled', outputs: result.outputs.length, flow: result.state?.flow ?? null, step: result.state?.step ?? null, ...(merged ? { merged } : {}), ...(copies ? { copies } : {}) };
}

/** Whether noteSeen would write the identity as read at the turn's start (touchIdentity's rule, so an unchanged row costs no statement). */
function seenDue(identity: TurnIdentity, now: Date, o: { exact: boolean; reachable: boolean }): boolean {
  const unlessAfter = now.getTime() - (o.exact ? 0 : LAST_SEEN_GRAIN_MS);
  const due = !identity.lastSeenAt || identity.lastSeenAt.getTime() < unlessAfter || identity.overtaken;
  return due || (o.reachable && identity.unreachableAt !== null);
}

async function apologise(ctx: ServiceContext, tx: Executor, opts: ChatOptions, update: ChatUpdate, summary: InboxSummary): Promise<JobOutcome & { outputs?: number }> {
  if (update.inboxId) await markInboxFailed(tx, update.inboxId, summary, ctx.now());
  if (!(await recordEvent(tx, update.eventId))) return { outcome: 'duplicate' };
  if (!update.userId) return { outcome: 'failed' };
  const outputs = await apologyOutputs(tx, update, opts.defaultLocale, 'flows:common.error');
  // The step that failed would fail again: the person starts afresh.
  await clearFlowState(tx, update.platform, update.userId);
  await writeOutputs(tx, update, outputs);
  ctx.logger.warn({ update: describeUpdate(update), inboxId: update.inboxId }, 'chat turn given up');
  return { outcome: 'apologised', outputs: outputs.length };
}

/** The polite answer to an update we could not handle: in a private chat, or to a button or command. */
async function apologyOutputs(tx: Executor, update: Pick<ChatUpdate, 'platform' | 'userId' | 'chatType' | 'languageCode' | 'content'>, defaultLocale: Locale | undefined, key: string): Promise<ChatOutput[]> {
  const outputs: ChatOutput[] = [];
  const c = update.content;
  if (c.kind === 'callback') outputs.push({ kind: 'answer', callbackRef: c.callbackRef });
  if (update.chatType === 'private' || c.kind === 'callback' || c.kind === 'command') {
    const sender = await senderByIdentity(tx, update.platform, update.userId);
    const locale = isLocale(sender?.person.locale) ? sender.person.locale : localeFromLanguageCode(update.languageCode, defaultLocale);
    outputs.push({ kind: 'message', text: t(locale, key) });
  }
  return outputs;
}

/**
 * An update that could not even be stored as given (the inbox kept only its ids): the person is
 * told once, in their language, that we could not read it. The platform has been told "received".
 */
export async function answerUnreadable(tx: Executor, update: Pick<ChatUpdate, 'platform' | 'eventId' | 'userId' | 'chatId' | 'chatType' | 'languageCode' | 'content'>, defaultLocale?: Locale): Promise<number> {
  if (!update.userId || !(await recordEvent(tx, update.eventId))) return 0;
  const outputs = await apologyOutputs(tx, update, defaultLocale, 'flows:common.unreadable');
  await writeOutputs(tx, update, outputs);
  return outputs.length;
}

/**
 * What the bot says, as rows of the chat's send queue, in order. In a private chat with someone we
 * know, they join that person's queue: the notifications to them and the answers in their chat go
 * out in the order they were written.
 */
async function outputRows(tx: Executor, update: Pick<ChatUpdate, 'platform' | 'chatId' | 'userId' | 'eventId' | 'chatType'>, outputs: ChatOutput[], knownPersonId?: string): Promise<NewChatOutput[]> {
  if (!outputs.length) return [];
  const privateChat = update.chatType === 'private' && update.chatId === update.userId;
  const personId = !privateChat ? null : (knownPersonId ?? (await senderByIdentity(tx, update.platform, update.userId))?.person.id ?? null);
  return outputs.map((output) => ({
    id: randomUUID(),
    platform: update.platform,
    chatId: update.chatId,
    userId: update.userId,
    eventId: update.eventId,
    personId,
    output: output as unknown as Record<string, unknown>,
  }));
}

/** A send job for each queue the outputs joined. */
const outputJobs = (rows: NewChatOutput[]) => chatOutputQueues(rows).map((recipient) => outboxJob('send', { recipient }));

/** Writes what the bot says to the chat's send queue, with its send jobs (one statement). */
async function writeOutputs(tx: Executor, update: Pick<ChatUpdate, 'platform' | 'chatId' | 'userId' | 'eventId' | 'chatType'>, outputs: ChatOutput[], knownPersonId?: string): Promise<void> {
  const rows = await outputRows(tx, update, outputs, knownPersonId);
  await endTurn(tx, { flowState: null, outputs: rows, jobs: outputJobs(rows) });
}

/**
 * The person wrote: what was held for them while their sending window was closed goes out now
 * (send-window.ts). In a private chat, what the conversation held for the chat goes too (it is
 * superseded by this turn's answers).
 */
async function releaseWaiting(tx: Executor, update: Pick<ChatUpdate, 'platform' | 'chatId' | 'userId' | 'chatType'>, personId: string | null): Promise<number> {
  const privateChat = update.chatType === 'private' && update.chatId === update.userId;
  if (!personId && !privateChat) return 0;
  return releaseHeld(tx, personId, privateChat ? { platform: update.platform, chatId: update.chatId } : null);
}

function stateOf(row: FlowStateRow): FlowState {
  return {
    flow: row.flow,
    step: row.stepName,
    data: row.data,
    chatId: row.chatId ?? row.externalId,
    token: row.token ?? '',
    locale: isLocale(row.locale) ? row.locale : null,
    expiresAt: row.expiresAt,
  };
}
