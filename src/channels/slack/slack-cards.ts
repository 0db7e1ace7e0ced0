// Matter cards in Slack: posted once per notification that hands a matter to someone, kept in the
// store, and updated in place (chat.update) whenever the matter moves, so a channel always shows
// the truth.
import { CARD_TEMPLATES, type CardStore, type PostedCard } from '../../ports/cards.js';
import { matterCard } from './blocks.js';
import { isSlackApiError, type PostResult, type SlackApi } from './slack-api.js';

/** Notifications that put a matter in someone's hands: each posts a card. */
export { CARD_TEMPLATES };

/** Slack no longer has the message: forget the card. */
const GONE = new Set(['message_not_found', 'channel_not_found', 'is_archived', 'cant_update_message', 'not_in_channel']);

export class SlackCards {
  constructor(
    private readonly store: CardStore,
    private readonly now: () => Date,
    private readonly api: SlackApi,
    private readonly timezone: string,
  ) {}

  private async render(matterId: string, personId: string | null, locale: string, template: string) {
    const model = await this.store.model(matterId, personId);
    // A person's own card shows times in their zone; a channel's in the service's.
    const timezone = (personId ? await this.store.timezoneOf(personId) : null) ?? this.timezone;
    return model ? matterCard(model, { locale, timezone, now: this.now(), template, personal: personId !== null }) : null;
  }

  /** Posts a card for `personId` (null: a node's channel) and records it. */
  async post(a: { matterId: string; personId: string | null; channel: string; template: string; locale: string; fallbackText: string }): Promise<PostResult> {
    const card = await this.render(a.matterId, a.personId, a.locale, a.template);
    const posted = await this.api.post({ channel: a.channel, text: card?.text ?? a.fallbackText, blocks: card?.blocks });
    if (card) await this.store.record({ matterId: a.matterId, personId: a.personId, channel: posted.channel, ts: posted.ts, template: a.template, locale: a.locale });
    return posted;
  }

  /** The newest card of the matter in a person's DM or a channel, for its thread. */
  latest(matterId: string, where: { personId: string } | { channel: string }): Promise<PostedCard | undefined> {
    return this.store.latest(matterId, where);
  }

  /**
   * Updates every card of the matter. A card is rendered again after its update when the matter
   * moved meanwhile, so two refreshes racing still leave the newest state on screen.
   */
  async refresh(matterId: string): Promise<number> {
    const cards = await this.store.postedFor(matterId);
    let n = 0;
    for (const card of cards) if (await this.refreshOne(card)) n++;
    return n;
  }

  private async refreshOne(card: PostedCard): Promise<boolean> {
    let shown = '';
    for (let round = 0; round < 3; round++) {
      const next = await this.render(card.matterId, card.personId, card.locale, card.template);
      if (!next) return false;
      const key = JSON.stringify(next.blocks);
      if (key === shown) break;
      try {
        await this.api.update({ channel: card.channel, ts: card.ts, text: next.text, blocks: next.blocks });
      } catch (err) {
        if (isSlackApiError(err) && GONE.has(err.code)) {
          await this.store.drop(card.id);
          return false;
        }
        throw err;
      }
      shown = key;
    }
    await this.store.touch(card.id);
    return true;
  }
}
