// Matter cards: what a card shows, read from the store (the villager's words, where the matter
// stands, the buttons its viewer may press now: the domain's one rule, cardActionsFor), and the
// cards a platform has posted, so it can update them in place. The Slack adapter is handed one by
// the composition root.
import { cardActionsFor, groupView } from '../domain/index.js';
import type { Attachment } from '../domain/types.js';
import type { ServiceContext } from '../ports/context.js';
import { CARD_ACTIONS, CARD_TEMPLATES, type CardAction, type CardModel as PortCardModel } from '../ports/cards.js';
import type { Executor } from '../store/db.js';
import { ancestry, findNode, type GridNodeRow } from '../store/repositories/grid-repository.js';
import { findMatter, matterEventsOf, messagesOf, type MatterRow } from '../store/repositories/matter-repository.js';
import { findPerson, titleOf } from '../store/repositories/people-repository.js';
import { cardsOfMatter, dropCard, insertSlackCard, latestCard, touchCard, type NewSlackCard, type SlackCardRow } from '../store/repositories/slack-card-repository.js';
import { rewriteWaitingParams, waitingNoticesOf, type NewDelivery } from '../store/repositories/delivery-repository.js';
import { relationsOf } from './relations.js';
import { cardFacts } from './matter-defaults.js';
import { BOOKKEEPING_WAIT_MS, recordSent } from './send-lease.js';
import { errorSummary, isConnectionError } from '../util/error-summary.js';

export type { NewSlackCard as NewCard, SlackCardRow as PostedCard };

// The templates, the buttons and the card's shape are the port's (src/ports/cards.ts): the adapter draws them.
export { CARD_ACTIONS, CARD_TEMPLATES, type CardAction };

/** A card's content, with the matter as stored. */
export type CardModel = PortCardModel<MatterRow>;

/** The buttons `viewerId` (null: a group or channel, where whoever presses is checked then) may press on the matter now. */
export async function cardButtons(db: Executor, matter: MatterRow, viewerId: string | null, line?: GridNodeRow[]): Promise<CardAction[]> {
  if (!viewerId) return cardActionsFor(matter, [], 'group');
  return cardActionsFor(matter, await relationsOf(db, viewerId, matter, undefined, line), 'private');
}

/**
 * Puts on each card notice about `matter` (CARD_TEMPLATES) the buttons its reader gets as the
 * matter stands after this write (`params.actions`): the notice is drawn with them when it is
 * sent, as the card will be redrawn with them when the matter moves. Call it with the matter as
 * the same transaction leaves it.
 */
export async function withCardActions(db: Executor, matter: MatterRow, rows: NewDelivery[], opts: { line?: GridNodeRow[] } = {}): Promise<void> {
  for (const row of rows) {
    if (row.matterId !== matter.id || !CARD_TEMPLATES.has(row.template)) continue;
    row.params = { ...row.params, actions: await cardButtons(db, matter, row.personId ?? null, opts.line) };
  }
}

/**
 * Card notices about `matter` still waiting in their queues get the buttons as it stands now
 * (`matter` as the caller's transaction leaves it): written before it moved, and no card yet that
 * could be edited, one would otherwise arrive offering what no longer applies. A notice a sender
 * has claimed keeps what it was claimed with (its card is redrawn once sent). Returns how many.
 */
export async function refreshWaitingCards(db: Executor, matter: MatterRow): Promise<number> {
  let n = 0;
  for (const row of await waitingNoticesOf(db, matter.id, [...CARD_TEMPLATES])) {
    const actions = await cardButtons(db, matter, row.personId ?? null);
    if (JSON.stringify(actions) === JSON.stringify(row.params.actions)) continue;
    if (await rewriteWaitingParams(db, row.id, { ...row.params, actions })) n++;
  }
  return n;
}

export async function loadCardModel(db: Executor, matterId: string, viewerId: string | null): Promise<CardModel | null> {
  const matter = await findMatter(db, matterId);
  if (!matter) return null;
  const [node, reporter, assignee, messages, events] = await Promise.all([
    findNode(db, matter.gridNodeId),
    matter.reporterId ? findPerson(db, matter.reporterId) : undefined,
    matter.assigneeId ? findPerson(db, matter.assigneeId) : undefined,
    messagesOf(db, matter.id),
    matterEventsOf(db, matter.id),
  ]);
  const incoming = messages.filter((m) => m.direction === 'in');
  const settle = events.filter((e) => e.action === 'settle').at(-1);
  const evaluate = events.filter((e) => e.action === 'evaluate').at(-1);
  // A settlement before a reopening is history, not the result.
  const reopened = events.filter((e) => e.action === 'reopen').at(-1);
  const current = settle && (!reopened || settle.id > reopened.id) ? settle : undefined;
  const model: CardModel = {
    matter,
    grid: node?.name ?? '',
    reporter: reporter?.name ?? null,
    assignee: assignee ? { name: assignee.name, title: await titleOf(db, assignee.id, node ? (await ancestry(db, node)).map((n) => n.id) : []) } : null,
    words: incoming[0]?.text ?? matter.summary,
    attachments: incoming.flatMap((m) => m.attachments ?? []).slice(0, 10),
    result: current?.note ?? null,
    rating: current && evaluate && evaluate.id > current.id ? String((evaluate.data as { rating?: string } | null)?.rating ?? '') || null : null,
    buttons: await cardButtons(db, matter, viewerId),
    ...(await cardFacts(db, matter, viewerId)),
  };
  return viewerId ? model : channelCard(model);
}

/**
 * A grid node's channel is a group: its card carries what groupView lets a group read (category,
 * grid, reference, level, who answers for it), never the villager's words or name, the result's
 * words or the files' captions; 'view' sends the words privately.
 */
function channelCard(model: CardModel): CardModel {
  const kept = groupView({ summary: model.words, reporter: model.reporter, result: model.result, phone: model.phone, attachments: model.attachments }).params;
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    ...model,
    matter: { ...model.matter, summary: text(groupView({ summary: model.matter.summary }).params.summary) ?? '' },
    words: text(kept.summary) ?? '',
    reporter: text(kept.reporter),
    result: text(kept.result),
    phone: text(kept.phone),
    attachments: Array.isArray(kept.attachments) ? (kept.attachments as Attachment[]) : [],
  };
}

/** The cards of one service context: their content, and where they were posted. */
export class CardService {
  constructor(private readonly ctx: Pick<ServiceContext, 'db'> & Partial<Pick<ServiceContext, 'logger'>>) {}

  /** What the card shows to `viewerId` (null: a channel); null when the matter is gone. */
  model(matterId: string, viewerId: string | null): Promise<CardModel | null> {
    return loadCardModel(this.ctx.db, matterId, viewerId);
  }

  /** The person's own time zone, if they set one. */
  async timezoneOf(personId: string): Promise<string | null> {
    return (await findPerson(this.ctx.db, personId))?.timezone ?? null;
  }

  /**
   * Keeps a card just posted. Slack has the message already: a database away is waited for a
   * short while and then the card is left unkept (logged; it is not redrawn in place), never an
   * error that would have the notice sent again.
   */
  async record(card: NewSlackCard): Promise<SlackCardRow | null> {
    try {
      return await recordSent(() => insertSlackCard(this.ctx.db, card), isConnectionError, BOOKKEEPING_WAIT_MS);
    } catch (err) {
      this.ctx.logger?.warn({ matterId: card.matterId, err: errorSummary(err) }, 'card posted, but it could not be kept');
      return null;
    }
  }

  postedFor(matterId: string): Promise<SlackCardRow[]> {
    return cardsOfMatter(this.ctx.db, matterId);
  }

  /** The newest card of the matter in a person's DM or a channel. */
  latest(matterId: string, where: { personId: string } | { channel: string }): Promise<SlackCardRow | undefined> {
    return latestCard(this.ctx.db, matterId, where);
  }

  /** The platform has the card again as the matter stands. */
  touch(id: string): Promise<void> {
    return touchCard(this.ctx.db, id);
  }

  /** The platform no longer has it. */
  drop(id: string): Promise<void> {
    return dropCard(this.ctx.db, id);
  }
}
