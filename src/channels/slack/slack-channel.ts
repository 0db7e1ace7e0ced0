// The Slack side of the send worker: what a flow says is drawn as Block Kit (slack-conversation.ts); a notification that hands over a matter becomes a card; any
// other notification about a matter that has a card in the same place goes into the card's
// thread (a villager's answer lands under the card the officer works from); the rest are plain
// messages with their buttons.
import type { ServiceContext } from '../../ports/context.js';
import type { AnswerTo, Channel, ChatTarget, NoticeHint, OutboundMessage, OutboundText } from '../../ports/channel.js';
import { attachmentLine, noticeBlocks } from './blocks.js';
import { CARD_TEMPLATES, type SlackCards } from './slack-cards.js';
import { isSlackApiError, type SlackApi } from './slack-api.js';
import { deliverOutput, outputBlocks, readAnswerRef, RESPONSE_URL_TTL_MS, RESPONSE_URL_USES } from './slack-conversation.js';
import { translator } from '../../i18n/index.js';
import type { Attachment } from '../../domain/types.js';
import type { FileSource } from '../../ports/files.js';
import { crossingNote, fetchForCrossing, sendWithRetries } from '../file-crossing.js';
import { RecipientUnreachableError, RetryAfterError } from '../../ports/channel.js';
import { SLACK_UPLOAD_LIMIT } from './slack-files.js';

/** Longer than one section shows (3,000 characters): an ephemeral would cut it, so it goes to the DM. */
const EPHEMERAL_CHARS = 3000;

export class SlackChannel implements Channel {
  readonly name = 'slack' as const;
  /** Our commands are words after the app's one slash command (slack/manifest.yaml): `/grid stats`. */
  readonly commandPrefix = '/grid ';
  /** Staff, linked by the roster or a code from another platform; nobody registers here. */
  readonly strangers = 'link' as const;
  /** Posts made through each response_url by this process (Slack takes 5); a refusal from Slack says the same across processes. */
  private readonly used = new Map<string, { uses: number; at: number }>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly api: SlackApi,
    private readonly cards: SlackCards,
    /** Fetches files of other platforms, to upload them here (the composition root wires it). */
    private readonly files?: FileSource,
  ) {}

  /** One outbound message: a notification (`about`) as a card or in its card's thread, anything else as a flow's output. */
  async deliver(target: ChatTarget, output: OutboundMessage): Promise<{ messageRef?: string }> {
    if (output.kind === 'message' && output.about) return this.notice(target, { ...output, about: output.about });
    if (output.kind === 'message' && output.answerTo) return this.answerInPlace(target, output, output.answerTo);
    // A press on an ephemeral answer (possibly in a channel the app is not in): its notice goes back the same way.
    if (output.kind === 'answer' && output.answerTo && output.text) return this.answerInPlace(target, { kind: 'message', text: output.text }, output.answerTo);
    return deliverOutput(this.api, target, output);
  }

  /**
   * An answer to a slash command typed in a channel (or to a press on such an answer): shown there
   * to the person alone, through the command's response_url. It goes to the DM instead when it is
   * too long for one ephemeral or asks the person to write (the conversation goes on in the DM),
   * and the ephemeral says so; when the response_url has lapsed (30 minutes, 5 posts) or Slack
   * refuses it, to the DM without a word there.
   */
  private async answerInPlace(target: ChatTarget, output: OutboundText, to: AnswerTo): Promise<{ messageRef?: string }> {
    const { answerTo: _, ...message } = output;
    const ref = readAnswerRef(to.ref);
    const now = this.ctx.now().getTime();
    const live = ref && now - ref.at < RESPONSE_URL_TTL_MS && (this.used.get(ref.url)?.uses ?? 0) < RESPONSE_URL_USES ? ref : null;
    const long = [...output.text].length > EPHEMERAL_CHARS;
    // A step that takes typed text goes on in the DM, where the person types (buttons work anywhere).
    const continues = Boolean(output.expectsText);
    const toDm = long || continues;
    if (live && !toDm && (await this.respond(live.url, { text: output.text, blocks: outputBlocks(message) }))) return {};
    const posted = await deliverOutput(this.api, target, message);
    // Where it went, said where it was asked; the answer is already out, so a failure here is let go.
    if (live && toDm) await this.respond(live.url, { text: translator(to.locale)(long ? 'slack:answer.long' : 'slack:answer.continues') }).catch(() => false);
    return posted;
  }

  /** One post through a response_url; false when Slack would not take it (lapsed, used up). */
  private async respond(url: string, body: Parameters<SlackApi['respond']>[1]): Promise<boolean> {
    const now = this.ctx.now().getTime();
    for (const [u, e] of this.used) if (now - e.at > RESPONSE_URL_TTL_MS) this.used.delete(u);
    const entry = this.used.get(url) ?? { uses: 0, at: now };
    entry.uses += 1;
    this.used.set(url, entry);
    try {
      await this.api.respond(url, body);
      return true;
    } catch (err) {
      if (!isSlackApiError(err)) throw err;
      entry.uses = RESPONSE_URL_USES;
      this.ctx.logger.info({ code: err.code }, 'slack: a response_url was refused; answering in the DM');
      return false;
    }
  }

  private async notice(to: ChatTarget, message: Extract<OutboundMessage, { kind: 'message' }> & { about: NoticeHint }): Promise<{ messageRef?: string }> {
    // A user id as channel posts to the app's DM with that person.
    const channel = to.chatId;
    const locale = to.locale ?? 'zh-CN';
    // No person: a grid node's channel, not someone's DM.
    const personId = to.personId || null;
    const { matterId, template } = message.about;
    if (matterId && CARD_TEMPLATES.has(template)) {
      const posted = await this.cards.post({ matterId, personId, channel, template, locale, fallbackText: message.text });
      // The villager's photos go under the card the officer works from.
      await this.sendFiles(message, locale, posted.channel, posted.ts);
      return { messageRef: `${posted.channel}:${posted.ts}` };
    }
    const card = matterId ? await this.cards.latest(matterId, personId ? { personId } : { channel }) : undefined;
    const blocks = noticeBlocks(message.text, message.buttons?.flat());
    const files = filesLine(message, locale);
    if (files) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: files }] });
    const posted = await this.api.post({ channel: card?.channel ?? channel, text: message.text, blocks, threadTs: card?.ts });
    await this.sendFiles(message, locale, posted.channel, card?.ts);
    return { messageRef: `${posted.channel}:${posted.ts}` };
  }

  /**
   * Files kept on another platform, uploaded here (into the card's thread when there is one);
   * one that cannot cross leaves a note in the reader's language in its place.
   */
  private async sendFiles(message: { attachments?: Attachment[] }, locale: string, channel: string, threadTs: string | undefined): Promise<void> {
    for (const a of foreignFiles(message)) {
      const got = await fetchForCrossing(this.files, a, SLACK_UPLOAD_LIMIT);
      let reason = got.ok ? null : got.reason;
      if (got.ok) {
        const { file } = got;
        const title = a.caption && a.caption !== a.fileName ? a.caption.slice(0, 250) : file.name;
        const sent = await sendWithRetries(() => this.api.uploadFile({ channel, threadTs, name: file.name, title, bytes: file.bytes }).then(() => {}), passUp);
        if (sent) continue;
        reason = 'send_failed';
      }
      this.ctx.logger.info({ platform: a.platform, kind: a.kind, reason }, 'a file could not cross to slack; the reader gets a note');
      await this.api.post({ channel, text: crossingNote(a, reason!, locale, got.ok ? undefined : got.limitBytes), threadTs });
    }
  }

  async refreshMatter(matterId: string): Promise<number> {
    return this.cards.refresh(matterId);
  }
}

/** Places and files of this platform are named in a line; files of others are uploaded (sendFiles). */
function filesLine(message: { attachments?: Attachment[] }, locale: string): string | null {
  const list = (message.attachments ?? []).filter((a) => !isForeignFile(a));
  return list.length ? list.map((a) => attachmentLine(a, locale)).join('  ') : null;
}

const isForeignFile = (a: Attachment) => a.platform !== 'slack' && a.kind !== 'location' && Boolean(a.fileRef);
const foreignFiles = (message: { attachments?: Attachment[] }) => (message.attachments ?? []).filter(isForeignFile);

/** A wait or a closed door is the send worker's to handle; other upload failures are tried again here. */
const passUp = (err: unknown) => err instanceof RetryAfterError || err instanceof RecipientUnreachableError;
