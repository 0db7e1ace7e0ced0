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
import { chatOutputQueues, createChatOutputs } from '../store/repositories/delivery-repository.js';
import { clearFlowState, loadFlowState, lockConversation, saveFlowState, type FlowStateRow } from '../store/repositories/flow-repository.js';
import { handleInboxEvent, markInboxFailed, type InboxSummary } from '../store/repositories/inbox-repository.js';
import { recordEvent } from '../store/repositories/matter-repository.js';
import { enqueue } from '../store/repositories/outbox-repository.js';
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
  // The inbox row handled and the update's id recorded: one statement.
  const first = update.inboxId ? await handleInboxEvent(tx, update.inboxId, update.eventId, ctx.now()) : await recordEvent(tx, update.eventId);
  if (!first) return { outcome: 'duplicate' };
  if (!update.userId) return { outcome: 'ignored' };
  const { platform, userId } = update;
  await lockConversation(tx, platform, userId);
  const content = update.content;
  if (content.kind === 'membership') {
    if (content.status === 'blocked') await markUnreachable(tx, platform, userId, ctx.now());
    else await markReachable(tx, platform, userId);
    return { outcome: `membership_${content.status}` };
  }
  // Notifications follow a person to the platform they last wrote from.
  // Under a sending window the time is kept exactly: the window counts from this very message.
  const wrote = content.kind !== 'ignored' && content.kind !== 'throttled';
  const seen = (reachable = false) => noteSeen(tx, platform, userId, ctx.now(), { reachable, exact: Boolean(opts.sendingWindow?.(platform, { chatId: update.chatId, userId, group: update.chatType === 'group' })) });
  // Someone writing to us privately can be written to again.
  const reachable = update.chatType === 'private' && content.kind !== 'ignored';
  // Statements that do not depend on each other's answers are issued together: postgres-js
  // pipelines them on the transaction's connection, where they run in the order given.
  const [, known, row] = await Promise.all([
    wrote ? seen(reachable) : reachable ? markReachable(tx, platform, userId) : null,
    senderByIdentity(tx, platform, userId),
    loadFlowState(tx, platform, userId),
  ]);
  const sender = known ?? null;
  // Flows get the transaction as their store: whatever they change commits with the turn.
  const svc: ServiceContext = { ...ctx, db: tx as unknown as Db };
  const result = await opts.engine.turn({ svc, update, sender, state: row ? stateOf(row) : null, defaultLocale: opts.defaultLocale, commandPrefix: opts.commandPrefix?.(update.platform), strangers: opts.strangers?.(update.platform) });

  if (result.state) {
    const s = result.state;
    await saveFlowState(tx, {
      platform,
      externalId: userId,
      flow: s.flow,
      stepName: s.step,
      data: s.data,
      expiresAt: s.expiresAt,
      chatId: s.chatId,
      token: s.token,
      locale: s.locale,
      updatedAt: ctx.now(),
    });
  } else if (row) {
    await clearFlowState(tx, platform, userId);
  }
  // Someone this very turn made known (they registered): they wrote now, and their window opens now.
  if (wrote && !sender) await seen();
  // An identity never changes hands within a turn: someone known at its start is the same person now.
  await writeOutputs(tx, update, result.outputs, sender ? sender.person.id : undefined);
  // What waited for them to write (a closed sending window) follows the answers, merged in one message.
  const merged = wrote ? await releaseWaiting(tx, update, sender?.person.id ?? null) : 0;
  // Broadcasts that waited for them go as themselves, after all that (never merged).
  // In a private chat not keyed by the person (WeChat Customer Service's), the answers went to the chat's queue: the copies follow them there.
  const answersInChat = update.chatType === 'private' && update.chatId !== update.userId;
  const copies = wrote && sender ? await releaseWaitingCopies(tx, sender.person.id, ctx.now(), answersInChat ? { platform, chatId: update.chatId } : null) : 0;
  return { outcome: 'handled', outputs: result.outputs.length, flow: result.state?.flow ?? null, step: result.state?.step ?? null, ...(merged ? { merged } : {}), ...(copies ? { copies } : {}) };
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
 * Writes what the bot says to the chat's send queue, in order. In a private chat with someone we
 * know, it joins that person's queue: the notifications to them and the answers in their chat go
 * out in the order they were written.
 */
async function writeOutputs(tx: Executor, update: Pick<ChatUpdate, 'platform' | 'chatId' | 'userId' | 'eventId' | 'chatType'>, outputs: ChatOutput[], knownPersonId?: string): Promise<void> {
  if (!outputs.length) return;
  const privateChat = update.chatType === 'private' && update.chatId === update.userId;
  const personId = !privateChat ? null : (knownPersonId ?? (await senderByIdentity(tx, update.platform, update.userId))?.person.id ?? null);
  const rows = outputs.map((output) => ({
    id: randomUUID(),
    platform: update.platform,
    chatId: update.chatId,
    userId: update.userId,
    eventId: update.eventId,
    personId,
    output: output as unknown as Record<string, unknown>,
  }));
  // The queues are known before the insert: both statements go together.
  await Promise.all([createChatOutputs(tx, rows), enqueue(tx, chatOutputQueues(rows).map((recipient) => outboxJob('send', { recipient })))]);
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
