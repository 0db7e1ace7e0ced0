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
  claimChatOutputs,
  clearFlowState,
  finishChatOutputs,
  insertChatOutputs,
  loadFlowState,
  lockConversation,
  releaseChatOutputs,
  saveFlowState,
  type FlowStateRow,
} from '../store/repositories/flow-repository.js';
import { recordEvent } from '../store/repositories/matter-repository.js';
import { enqueue } from '../store/repositories/outbox-repository.js';
import { senderByIdentity } from '../store/repositories/people-repository.js';
import { markReachable, markUnreachable } from '../store/repositories/registration-repository.js';
import type { ServiceContext } from './context.js';

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
    if (meta.attempt < APOLOGY_ATTEMPT) throw err;
    ctx.logger.error({ err: { name: (err as Error).name, message: (err as Error).message, stack: (err as Error).stack }, update: describeUpdate(update) }, 'chat turn failed; apologising');
    outcome = await ctx.db.transaction((tx) => apologise(ctx, tx, opts, update));
  }
  if (outcome.outputs) ctx.outboxWritten();
  return outcome;
}

async function turn(ctx: ServiceContext, tx: Executor, opts: ChatOptions, update: ChatUpdate): Promise<JobOutcome & { outputs?: number }> {
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

async function apologise(ctx: ServiceContext, tx: Executor, opts: ChatOptions, update: ChatUpdate): Promise<JobOutcome & { outputs?: number }> {
  if (!(await recordEvent(tx, update.eventId))) return { outcome: 'duplicate' };
  if (!update.userId) return { outcome: 'failed' };
  const outputs: ChatOutput[] = [];
  const c = update.content;
  if (c.kind === 'callback') outputs.push({ kind: 'answer', callbackRef: c.callbackRef });
  if (update.chatType === 'private' || c.kind === 'callback' || c.kind === 'command') {
    const sender = await senderByIdentity(tx, update.platform, update.userId);
    const locale = isLocale(sender?.person.locale) ? sender.person.locale : localeFromLanguageCode(update.languageCode, opts.defaultLocale);
    outputs.push({ kind: 'message', text: t(locale, 'flows:common.error') });
  }
  // The step that failed would fail again: the person starts afresh.
  await clearFlowState(tx, update.platform, update.userId);
  await writeOutputs(tx, update, outputs);
  ctx.logger.warn({ update: describeUpdate(update) }, 'chat turn given up');
  return { outcome: 'apologised', outputs: outputs.length };
}

async function writeOutputs(tx: Executor, update: ChatUpdate, outputs: ChatOutput[]): Promise<void> {
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

/** A claim older than this belongs to a worker that died. */
const CLAIM_STALE_MS = 5 * 60_000;

/**
 * Sends the outputs of one `chat_send` job in order. Each is claimed first, so a retried or
 * duplicated job never sends one twice; a failure gives the rest back for the job's retry
 * (RetryAfterError: the job waits as long as the platform asked).
 */
export async function sendChatOutputs(
  ctx: ServiceContext,
  channels: ReadonlyMap<Platform, ChannelPort>,
  outputIds: string[],
  attempt: { claimer: string; final: boolean },
): Promise<JobOutcome> {
  const now = ctx.now();
  const claimed = await claimChatOutputs(ctx.db, outputIds, attempt.claimer, now, new Date(now.getTime() - CLAIM_STALE_MS));
  if (!claimed.length) return { outcome: 'already_done' };
  const counts: Record<string, number> = {};
  const count = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);
  const blocked = new Set<string>();
  for (let i = 0; i < claimed.length; i++) {
    const row = claimed[i]!;
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
      await finishChatOutputs(ctx.db, [row.id], { status: 'sent', messageRef: sent.messageRef ?? null, sentAt: ctx.now(), error: null });
      count('sent');
    } catch (err) {
      if (err instanceof RecipientUnreachableError) {
        blocked.add(row.chatId);
        await finishChatOutputs(ctx.db, [row.id], { status: 'unreachable', error: err.message.slice(0, 500) });
        if (row.chatId === row.userId) await markUnreachable(ctx.db, row.platform, row.userId, ctx.now());
        count('unreachable');
        continue;
      }
      const rest = claimed.slice(i).map((r) => r.id);
      const message = err instanceof Error ? err.message : String(err);
      // A wait the platform asked for does not use up an attempt: the rest are always kept.
      if (attempt.final && !(err instanceof RetryAfterError)) await finishChatOutputs(ctx.db, rest, { status: 'failed', error: message.slice(0, 500) });
      else await releaseChatOutputs(ctx.db, rest, message);
      throw err;
    }
  }
  return { outcome: 'done', ...counts };
}
