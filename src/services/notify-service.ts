// Sends one delivery: renders it in the recipient's language and hands it to the first channel
// that can reach them. A delivery that is no longer pending is never sent again.
import type { ChannelPort, OutboundMessage } from '../channels/channel-port.js';
import { RecipientUnreachableError } from '../channels/channel-port.js';
import type { Attachment, Platform } from '../domain/types.js';
import { actionData, RATINGS } from './matter-actions.js';
import { formatTime, translator } from '../i18n/index.js';
import type { JobOutcome } from '../queue/jobs.js';
import { claimDeliveries, finishDeliveries, releaseDeliveries, type DeliveryRow } from '../store/repositories/delivery-repository.js';
import { markIdentityUnreachable, recipients } from '../store/repositories/people-repository.js';
import type { ServiceContext } from './context.js';

export interface NotifyOptions {
  channels: ReadonlyMap<Platform, ChannelPort>;
  /** Used when none of the person's platforms has a running adapter. */
  fallback: ChannelPort;
  timezone: string;
}

/** The buttons each kind of notification carries. Pressing one is authorised again. */
const TEMPLATE_ACTIONS: Record<string, Array<{ action: string; arg?: string; label: string }>> = {
  assigned: ['take', 'reply', 'transfer', 'escalate', 'settle'].map((a) => ({ action: a, label: a })),
  escalated: ['take', 'reply', 'transfer', 'escalate', 'settle'].map((a) => ({ action: a, label: a })),
  reopened: ['take', 'reply', 'transfer', 'escalate', 'settle'].map((a) => ({ action: a, label: a })),
  unassigned: [{ action: 'takeover', label: 'takeover' }],
  escalation_alert: ['takeover', 'transfer', 'supervise'].map((a) => ({ action: a, label: a })),
  villager_added: ['reply', 'settle'].map((a) => ({ action: a, label: a })),
  urged: ['reply', 'settle'].map((a) => ({ action: a, label: a })),
  supervised: ['reply', 'settle'].map((a) => ({ action: a, label: a })),
  reply: [{ action: 'add_info', label: 'add_info' }],
  settled: RATINGS.map((r) => ({ action: 'evaluate', arg: r, label: `evaluate_${r}` })),
};

/** Renders a delivery's template for one locale. Codes in the parameters become words. */
export function renderDelivery(delivery: Pick<DeliveryRow, 'template' | 'params'>, locale: string, timezone: string): OutboundMessage {
  const tr = translator(locale);
  const p: Record<string, unknown> = { ...delivery.params };
  if (typeof p.category === 'string') p.category = tr(`common:category.${p.category}`);
  if (typeof p.dueAt === 'string') p.due = formatTime(new Date(p.dueAt), locale, timezone);
  if (typeof p.level === 'string') p.levelName = tr(`notify:level_names.${p.level}`);
  if (typeof p.title === 'string' && p.title) p.who = tr('notify:who_with_title', { title: p.title, name: p.assignee });
  else if (typeof p.assignee === 'string') p.who = p.assignee;
  const ref = typeof p.ref === 'string' ? p.ref : null;
  const buttons = ref ? TEMPLATE_ACTIONS[delivery.template] ?? [] : [];
  const attachments = Array.isArray(p.attachments) ? (p.attachments as Attachment[]) : undefined;
  return {
    text: tr(`notify:${delivery.template}`, p),
    ...(buttons.length ? { actions: buttons.map((b) => ({ label: tr(`notify:actions.${b.label}`), data: actionData(b.action, ref!, b.arg) })) } : {}),
    ...(attachments?.length ? { attachments } : {}),
  };
}

/** A claim older than this is taken to belong to a worker that died. */
const CLAIM_STALE_MS = 5 * 60_000;

export interface SendAttempt {
  /** The job sending it: a retry of the same job may resend after a crash, another job may not. */
  claimer: string;
  /** On the last attempt a failure is final. */
  final: boolean;
}

/**
 * Sends the deliveries of one job. Each is claimed first, so a delivery that another job sent or
 * is sending is skipped; a failure gives the rest back for the job's retry.
 */
export async function sendDeliveries(ctx: ServiceContext, opts: NotifyOptions, deliveryIds: string[], attempt: SendAttempt): Promise<JobOutcome> {
  const now = ctx.now();
  const claimed = await claimDeliveries(ctx.db, deliveryIds, attempt.claimer, now, new Date(now.getTime() - CLAIM_STALE_MS));
  if (!claimed.length) return { outcome: 'already_done' };
  const people = await recipients(ctx.db, [...new Set(claimed.map((d) => d.personId))]);
  const outcomes: Record<string, number> = {};
  for (let i = 0; i < claimed.length; i++) {
    const delivery = claimed[i]!;
    try {
      const result = await sendOne(ctx, opts, delivery, people.get(delivery.personId));
      outcomes[result] = (outcomes[result] ?? 0) + 1;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const rest = claimed.slice(i).map((d) => d.id);
      if (attempt.final) await finishDeliveries(ctx.db, rest, { status: 'failed', error: message.slice(0, 500) });
      else await releaseDeliveries(ctx.db, rest, message);
      throw err;
    }
  }
  return { outcome: 'done', ...outcomes };
}

type Recipients = Awaited<ReturnType<typeof recipients>>;

async function sendOne(ctx: ServiceContext, opts: NotifyOptions, delivery: DeliveryRow, who: ReturnType<Recipients['get']>): Promise<string> {
  if (!who) {
    await finishDeliveries(ctx.db, [delivery.id], { status: 'failed', error: 'no such person' });
    return 'missing_person';
  }
  const { person } = who;
  const message = renderDelivery(delivery, person.locale, opts.timezone);
  const identities = who.identities.filter((i) => !i.unreachableAt);
  const usable = identities.filter((i) => opts.channels.has(i.platform));
  for (const identity of usable) {
    const channel = opts.channels.get(identity.platform)!;
    try {
      await channel.send({ personId: person.id, externalId: identity.externalId, chatId: identity.chatId, locale: person.locale }, message);
    } catch (err) {
      if (err instanceof RecipientUnreachableError) {
        await markIdentityUnreachable(ctx.db, identity.id, ctx.now());
        ctx.logger.info({ deliveryId: delivery.id, personId: person.id, platform: identity.platform }, 'identity unreachable; trying the next one');
        continue;
      }
      throw err;
    }
    await finishDeliveries(ctx.db, [delivery.id], { status: 'sent', channel: channel.name, sentAt: ctx.now(), error: null });
    return 'sent';
  }
  if (usable.length > 0) {
    await finishDeliveries(ctx.db, [delivery.id], { status: 'unreachable', error: 'every identity is unreachable' });
    return 'unreachable';
  }
  // No adapter runs for this person's platforms (or they have none): the log is the channel.
  await opts.fallback.send({ personId: person.id, externalId: '', chatId: null, locale: person.locale }, message);
  await finishDeliveries(ctx.db, [delivery.id], { status: 'sent', channel: opts.fallback.name, sentAt: ctx.now(), error: null });
  return 'sent';
}
