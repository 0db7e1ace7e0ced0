// Conversations: one chat update in, the flow engine's turn, and what the bot says out. The
// update's id, the person's new place in the flow, any change the flow made and the messages to
// send are written in one transaction; the messages go out through the `chat_send` job.
import { randomUUID } from 'node:crypto';
import type { ChatOutput } from '../channels/chat-output.js';
import { isChatChannel } from '../channels/chat-output.js';
import { describeUpdate, type ChatUpdate } from '../channels/chat-update.js';
import { RecipientUnreachableError, RetryAfterError, type ChannelPort } from '../channels/channel-port.js';
import type { Locale, Platform } from '../domain/types.js';
import type { FlowEngine } from '../flows/engine.js';
import { isLocale, localeFromLanguageCode } from '../flows/language.js';
import type { FlowState } from '../flows/types.js';
import { t } from '../i18n/index.js';
import type { JobMeta, JobOutcome } from '../queue/jobs.js';
import type { Db, Executor } from '../store/db.js';
import {
  chatOutputsByIds,
  claimChatOutputs,
  failPendingChatOutputs,
  clearFlowState,
  finishChatOutputs,
  insertChatOutputs,
  loadFlowState,
  lockConversation,
  releaseChatOutputs,
  saveFlowState,
  type FlowStateRow,
} from '../store/repositories/flow-repository.js';
import { markInboxFailed, markInboxHandled, type InboxSummary } from '../store/repositories/inbox-repository.js';
import { recordEvent } from '../store/repositories/matter-repository.js';
import { enqueue } from '../store/repositories/outbox-repository.js';
import { senderByIdentity } from '../store/repositories/people-repository.js';
import { markReachable, markUnreachable } from '../store/repositories/registration-repository.js';
import type { ServiceContext } from './context.js';
import { errorLabel, errorSummary, isConnectionError } from '../util/error-summary.js';
import { leaseExpiredBefore, recordSent } from './send-lease.js';
import { noteSeen } from './reach-service.js';

export interface ChatOptions {
  engine: FlowEngine;
  /** For people whose platform gives no language code (default zh-CN). */
  defaultLocale?: Locale;
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
  if (outcome.outputs) ctx.outboxWritten();
  return outcome;
}

async function turn(ctx: ServiceContext, tx: Executor, opts: ChatOptions, update: ChatUpdate): Promise<JobOutcome & { outputs?: number }> {
  if (update.inboxId) await markInboxHandled(tx, update.inboxId, ctx.now());
  if (!(await recordEvent(tx, update.eventId))) return { outcome: 'duplicate' };
  if (!update.userId) return { outcome: 'ignored' };
  const { platform, userId } = update;
  await lockConversation(tx, platform, userId);
  const content = update.content;
  if (content.kind === 'membership') {
    if (content.status === 'blocked') await markUnreachable(tx, platform, userId, ctx.now());
    else await markReachable(tx, platform, userId);
    return { outcome: `membership_${content.status}` };
  }
  // Someone writing to us privately can be written to again.
  if (update.chatType === 'private' && content.kind !== 'ignored') await markReachable(tx, platform, userId);
  // Notifications follow a person to the platform they last wrote from.
  if (content.kind !== 'ignored' && content.kind !== 'throttled') await noteSeen(tx, platform, userId, ctx.now());

  const sender = (await senderByIdentity(tx, platform, userId)) ?? null;
  const row = await loadFlowState(tx, platform, userId);
  // Flows get the transaction as their store: whatever they change commits with the turn.
  const svc: ServiceContext = { ...ctx, db: tx as unknown as Db };
  const result = await opts.engine.turn({ svc, update, sender, state: row ? stateOf(row) : null, defaultLocale: opts.defaultLocale });

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
  await writeOutputs(tx, update, result.outputs);
  return { outcome: 'handled', outputs: result.outputs.length, flow: result.state?.flow ?? null, step: result.state?.step ?? null };
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

async function writeOutputs(tx: Executor, update: Pick<ChatUpdate, 'platform' | 'chatId' | 'userId' | 'eventId'>, outputs: ChatOutput[]): Promise<void> {
  if (!outputs.length) return;
  const rows = outputs.map((output, seq) => ({
    id: randomUUID(),
    platform: update.platform,
    chatId: update.chatId,
    userId: update.userId,
    eventId: update.eventId,
    seq,
    output: output as unknown as Record<string, unknown>,
  }));
  await insertChatOutputs(tx, rows);
  await enqueue(tx, [{ queue: 'chat_send', job: 'chat_send', payload: { outputIds: rows.map((r) => r.id) } }]);
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

/**
 * Sends the outputs of one `chat_send` job in order. Each is claimed just before it is sent, so a retried or
 * duplicated job never sends one twice; a failure gives it back for the job's retry
 * (RetryAfterError: the job waits as long as the platform asked).
 */
export async function sendChatOutputs(
  ctx: ServiceContext,
  channels: ReadonlyMap<Platform, ChannelPort>,
  outputIds: string[],
  attempt: { claimer: string; final: boolean },
): Promise<JobOutcome> {
  const rows = await chatOutputsByIds(ctx.db, outputIds);
  const open = new Set(rows.filter((r) => r.status === 'pending' || r.status === 'sending').map((r) => r.id));
  const todo = outputIds.filter((id) => open.has(id));
  if (!todo.length) return { outcome: 'already_done' };
  const counts: Record<string, number> = {};
  const count = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);
  const blocked = new Set<string>();
  for (let i = 0; i < todo.length; i++) {
    // Claimed (a lease) just before it is sent, recorded just after: see send-lease.ts.
    const now = ctx.now();
    const [row] = await claimChatOutputs(ctx.db, [todo[i]!], attempt.claimer, now, leaseExpiredBefore(now, ctx.sendLeaseMs));
    if (!row) {
      count('skipped');
      continue;
    }
    const channel = channels.get(row.platform);
    if (!isChatChannel(channel)) {
      await finishChatOutputs(ctx.db, [row.id], { status: 'failed', error: `no ${row.platform} channel running` });
      count('no_channel');
      continue;
    }
    if (blocked.has(row.chatId)) {
      await finishChatOutputs(ctx.db, [row.id], { status: 'unreachable' });
      count('unreachable');
      continue;
    }
    try {
      const sent = await channel.deliver({ platform: row.platform, chatId: row.chatId, userId: row.userId }, row.output as unknown as ChatOutput);
      await recordSent(() => finishChatOutputs(ctx.db, [row.id], { status: 'sent', messageRef: sent.messageRef ?? null, sentAt: ctx.now(), error: null }), isConnectionError);
      count('sent');
    } catch (err) {
      if (err instanceof RecipientUnreachableError) {
        blocked.add(row.chatId);
        await finishChatOutputs(ctx.db, [row.id], { status: 'unreachable', error: err.message.slice(0, 500) });
        if (row.chatId === row.userId) await markUnreachable(ctx.db, row.platform, row.userId, ctx.now());
        count('unreachable');
        continue;
      }
      const message = err instanceof Error ? err.message : String(err);
      // A wait the platform asked for does not use up an attempt: the rest are always kept.
      if (attempt.final && !(err instanceof RetryAfterError)) {
        await finishChatOutputs(ctx.db, [row.id], { status: 'failed', error: message.slice(0, 500) });
        await failPendingChatOutputs(ctx.db, todo.slice(i + 1), message);
      } else await releaseChatOutputs(ctx.db, [row.id], message);
      throw err;
    }
  }
  return { outcome: 'done', ...counts };
}
