// Sends one delivery: renders it in the recipient's language and hands it to the first channel
// that can reach them. A delivery that is no longer pending is never sent again.
import type { ChannelPort, OutboundMessage } from '../channels/channel-port.js';
import { RecipientUnreachableError } from '../channels/channel-port.js';
import type { Platform } from '../domain/types.js';
import { formatTime, translator } from '../i18n/index.js';
import type { JobOutcome } from '../queue/jobs.js';
import { claimDelivery, findDelivery, finishDelivery, releaseDelivery, type DeliveryRow } from '../store/repositories/delivery-repository.js';
import { findPerson, identitiesOf, markIdentityUnreachable } from '../store/repositories/people-repository.js';
import type { ServiceContext } from './context.js';

export interface NotifyOptions {
  channels: ReadonlyMap<Platform, ChannelPort>;
  /** Used when none of the person's platforms has a running adapter. */
  fallback: ChannelPort;
  timezone: string;
}

/** Renders a delivery's template for one locale. Codes in the parameters become words. */
export function renderDelivery(delivery: Pick<DeliveryRow, 'template' | 'params'>, locale: string, timezone: string): OutboundMessage {
  const tr = translator(locale);
  const p: Record<string, unknown> = { ...delivery.params };
  if (typeof p.category === 'string') p.category = tr(`common:category.${p.category}`);
  if (typeof p.dueAt === 'string') p.due = formatTime(new Date(p.dueAt), locale, timezone);
  if (typeof p.title === 'string' && p.title) p.who = tr('notify:who_with_title', { title: p.title, name: p.assignee });
  else if (typeof p.assignee === 'string') p.who = p.assignee;
  return { text: tr(`notify:${delivery.template}`, p) };
}

/** A claim older than this is taken to belong to a worker that died. */
const CLAIM_STALE_MS = 5 * 60_000;

export interface SendAttempt {
  /** The job sending it: a retry of the same job may resend after a crash, another job may not. */
  claimer: string;
  /** On the last attempt a failure is final. */
  final: boolean;
}

export async function sendDelivery(ctx: ServiceContext, opts: NotifyOptions, deliveryId: string, attempt: SendAttempt): Promise<JobOutcome> {
  const now = ctx.now();
  const delivery = await claimDelivery(ctx.db, deliveryId, attempt.claimer, now, new Date(now.getTime() - CLAIM_STALE_MS));
  if (!delivery) {
    const current = await findDelivery(ctx.db, deliveryId);
    return current ? { outcome: 'already_done', status: current.status } : { outcome: 'missing' };
  }
  try {
    return await send(ctx, opts, delivery);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (attempt.final) await finishDelivery(ctx.db, deliveryId, { status: 'failed', error: message.slice(0, 500) });
    else await releaseDelivery(ctx.db, deliveryId, message);
    throw err;
  }
}

async function send(ctx: ServiceContext, opts: NotifyOptions, delivery: DeliveryRow): Promise<JobOutcome> {
  const deliveryId = delivery.id;
  const person = await findPerson(ctx.db, delivery.personId);
  if (!person) return { outcome: 'missing_person' };

  const message = renderDelivery(delivery, person.locale, opts.timezone);
  const identities = (await identitiesOf(ctx.db, person.id)).filter((i) => !i.unreachableAt);
  const usable = identities.filter((i) => opts.channels.has(i.platform));
  for (const identity of usable) {
    const channel = opts.channels.get(identity.platform)!;
    try {
      await channel.send({ personId: person.id, externalId: identity.externalId, chatId: identity.chatId, locale: person.locale }, message);
    } catch (err) {
      if (err instanceof RecipientUnreachableError) {
        await markIdentityUnreachable(ctx.db, identity.id, ctx.now());
        ctx.logger.info({ deliveryId, personId: person.id, platform: identity.platform }, 'identity unreachable; trying the next one');
        continue;
      }
      throw err;
    }
    await finishDelivery(ctx.db, deliveryId, { status: 'sent', channel: channel.name, sentAt: ctx.now(), error: null });
    return { outcome: 'sent', channel: channel.name };
  }
  if (identities.length > 0 && usable.length > 0) {
    await finishDelivery(ctx.db, deliveryId, { status: 'unreachable', error: 'every identity is unreachable' });
    return { outcome: 'unreachable' };
  }
  // No adapter runs for this person's platforms (or they have none): the log is the channel.
  await opts.fallback.send({ personId: person.id, externalId: '', chatId: null, locale: person.locale }, message);
  await finishDelivery(ctx.db, deliveryId, { status: 'sent', channel: opts.fallback.name, sentAt: ctx.now(), error: null });
  return { outcome: 'sent', channel: opts.fallback.name };
}
