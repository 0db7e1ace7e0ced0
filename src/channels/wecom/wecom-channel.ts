// The WeCom adapter's sending side. Staff (a member's chat: their userid) get app messages through
// message/send: text, or a button_interaction template card when the message has buttons, redrawn
// in place by update_template_card. Villagers (a `kf:<open_kfid>:<external_userid>` chat) get
// 微信客服 messages through kf/send_msg, their choices as a msgmenu, within the window WeCom allows
// after they last wrote (declared by sendingWindow; the send service keeps to it).
import type { Attachment } from '../../domain/types.js';
import type { Logger } from '../../logger.js';
import { RecipientUnreachableError, RetryAfterError, type Channel, type ChatButton, type ChatTarget, type OutboundMessage, type OutboundText, type SendingWindow } from '../../ports/channel.js';
import type { CardEdits } from '../../ports/cards.js';
import { FileFetchError, FileTooLargeError, type FileContent, type FileFetcher, type FileSource } from '../../ports/files.js';
import { MemoryRateBuckets, type Bucket, type RateBuckets } from '../../ports/rate-buckets.js';
import { crossingNote, fetchForCrossing, sendWithRetries } from '../file-crossing.js';
import { buttonCard, menuMessage, taskIdOf, type PlainButton } from './draw.js';
import { KF_SENDING_WINDOW, appDayBucket, memberBuckets } from './send-budget.js';
import { splitText } from './split-text.js';
import { KEYBOARD_ITEM, cardRef, parseCardRef, parseKfChatId } from './to-chat-update.js';
import type { TokenCache } from './token-cache.js';
import type { WelcomeCodes } from './wecom-inbound.js';
import { MEDIA_LIMITS, WecomApi } from './wecom-api.js';
import { RATE_LIMIT_CODES, WecomApiError, convertWecomError } from './wecom-errors.js';
import { WecomFileFetchError, WecomFiles } from './wecom-files.js';
import type { AppMessage, CardUpdate, KfMessage } from './wecom-types.js';
import { randomBytes } from 'node:crypto';

export interface WecomChannelOptions {
  corpId: string;
  agentId: number;
  /** The app's Secret. */
  secret: string;
  /** The 微信客服 Secret; absent: the app's token serves the kf/* calls (the app granted the API). */
  kfSecret?: string;
  apiUrl?: string;
  /** The corp's licensed accounts: the app's daily budget is accounts × 200. */
  licensedAccounts: number;
  logger: Logger;
  /** Where the access tokens live: shared (Redis) so one refresh serves every process; this process when absent. */
  tokenCache?: TokenCache;
  /** The shared send budgets (member minute/hour, app day); this process's when absent. */
  rateBuckets?: RateBuckets;
  /** Longest a send waits for its slot before handing the job back to wait in the queue (default 5 s). */
  maxWaitMs?: number;
  /** Fetches files of other platforms (the composition root wires it). */
  files?: FileSource;
  /** Brings the card messages about a matter up to date when it moves. */
  cards?: CardEdits;
  /** Poster scans' welcome codes (left by the inbound side): the first answer goes out through them. */
  welcomes?: WelcomeCodes;
}

/** A card's title line, in characters (WeCom: "建议不超过26个字"). */
const TITLE_CHARS = 26;
/** The text under a card's title (sub_title_text, "建议不超过112个字"): a longer message goes as text before its card. */
const BODY_CHARS = 112;
/** Waits for one refusal on a later part of a message at most this many times before giving up. */
const MAX_INLINE_RETRIES = 3;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chars = (s: string) => [...s];
const clipChars = (s: string, n: number) => (chars(s).length <= n ? s : `${chars(s).slice(0, n - 1).join('')}…`);

export class WecomChannel implements Channel {
  readonly name = 'wecom' as const;
  /** Commands are typed as on Telegram: `/stats`. */
  readonly commandPrefix = '/';
  /** The app's API (staff). */
  readonly app: WecomApi;
  /** The 微信客服 API (villagers): its own secret's token, or the app's. */
  readonly kf: WecomApi;
  readonly files: WecomFiles;
  /** Fetches files people sent on WeCom, for the other platforms' adapters. */
  readonly fetcher: FileFetcher;
  private readonly buckets: RateBuckets;
  private readonly maxWaitMs: number;
  private readonly logger: Logger;
  private seq = 0;
  /** The words of the cards this process sent or redrew, by task id: an edit of buttons alone redraws them with these. */
  private readonly cardTexts = new Map<string, string>();

  constructor(private readonly opts: WecomChannelOptions) {
    const base = { corpId: opts.corpId, baseUrl: opts.apiUrl, tokenCache: opts.tokenCache };
    this.app = new WecomApi({ ...base, secret: opts.secret, secretName: String(opts.agentId) });
    this.kf = opts.kfSecret ? new WecomApi({ ...base, secret: opts.kfSecret, secretName: 'kf' }) : this.app;
    this.files = new WecomFiles({ app: this.app, kf: this.kf });
    this.buckets = opts.rateBuckets ?? new MemoryRateBuckets();
    this.maxWaitMs = opts.maxWaitMs ?? 5000;
    this.logger = opts.logger.child({ channel: 'wecom' });
    const files = this.files;
    this.fetcher = {
      platform: 'wecom',
      async fetch(a: Attachment, o: { maxBytes: number }): Promise<FileContent> {
        try {
          return await files.fetch(a.fileRef ?? '', o);
        } catch (err) {
          if (err instanceof WecomFileFetchError) throw new FileFetchError('wecom', err.reason);
          throw err;
        }
      },
    };
  }

  /** 微信客服 lets the county write to a villager 5 times within 48 hours of their last message; a member's chat has no window. */
  sendingWindow(target: ChatTarget): SendingWindow | null {
    return parseKfChatId(target.chatId) ? { messages: KF_SENDING_WINDOW.messages, withinMs: KF_SENDING_WINDOW.afterInboundMs } : null;
  }

  async deliver(target: ChatTarget, output: OutboundMessage): Promise<{ messageRef?: string }> {
    switch (output.kind) {
      case 'message': {
        const kf = parseKfChatId(target.chatId);
        return kf ? this.deliverKf(kf, output, target.locale ?? 'zh-CN') : this.deliverMember(target.chatId, output, target.locale ?? 'zh-CN');
      }
      case 'edit':
        return this.edit(target.chatId, output);
      case 'answer':
        // WeCom shows no notice on a press (Telegram's toast, Slack's ephemeral): the words for a
        // member who pressed — a stale button, someone else took it, 查看's words — come as a
        // message. Without words the redraw (an edit) is what they see. A villager's (微信客服)
        // would spend the window, which counts messages and edits only: not sent there.
        if (output.text && !parseKfChatId(target.chatId)) await this.deliverMember(target.chatId, { kind: 'message', text: output.text }, target.locale ?? 'zh-CN');
        return {};
      case 'ack':
        // No reactions on WeCom: the turn's own words say the message was taken.
        return {};
    }
  }

  async refreshMatter(matterId: string, eventId?: string): Promise<number> {
    return (await this.opts.cards?.queueEdits('wecom', matterId, eventId)) ?? 0;
  }

  // ── staff: app messages ───────────────────────────────────────────────────

  private async deliverMember(userId: string, output: OutboundText, locale: string): Promise<{ messageRef?: string }> {
    const buttons = (output.buttons ?? []).flat();
    let ref: string | undefined;
    if (buttons.length) {
      const { title, body, before } = cardText(output.text);
      let first = true;
      if (before) {
        for (const part of splitText(before)) {
          await this.appSend(userId, { msgtype: 'text', text: { content: part } }, first);
          first = false;
        }
      }
      // At most 6 buttons a card: more go on cards of their own under the same title.
      for (let i = 0; i < buttons.length; i += 6) {
        const taskId = this.newTaskId();
        const card = buttonCard({ title, ...(body && i === 0 ? { body } : {}), buttons: buttons.slice(i, i + 6).map(plain) }, taskId);
        const sent = await this.appSend(userId, { msgtype: 'template_card', template_card: card }, first);
        this.remember(taskId, output.text);
        first = false;
        ref ??= cardRef(taskId, sent.response_code);
      }
    } else {
      const parts = splitText(output.text || ' ');
      for (let i = 0; i < parts.length; i++) {
        const sent = await this.appSend(userId, { msgtype: 'text', text: { content: parts[i]! } }, i === 0);
        ref = sent.msgid ?? ref;
      }
    }
    for (const a of output.attachments ?? []) await this.sendAttachment({ side: 'app', userId }, a, locale);
    return ref ? { messageRef: ref } : {};
  }

  /**
   * An edit of a card this adapter sent (`<task_id>:<response_code>`): update_template_card with
   * that code, which WeCom takes once. New buttons redraw the card; none left, its buttons become
   * one label. Anything else (a text message, a 微信客服 message, a code spent already) cannot be
   * edited on WeCom: nothing is sent — the turn's own next message says what happened.
   */
  private async edit(chatId: string, output: Extract<OutboundMessage, { kind: 'edit' }>): Promise<{ messageRef?: string }> {
    const card = parseKfChatId(chatId) ? null : parseCardRef(output.messageRef);
    if (!card) return {};
    const buttons = (output.buttons ?? []).flat();
    const text = output.text ?? this.cardTexts.get(card.taskId);
    if (buttons.length > 6) this.logger.info({ buttons: buttons.length }, 'a wecom card is redrawn with its first 6 buttons (a card holds no more)');
    const update: CardUpdate =
      buttons.length && text !== undefined
        ? { template_card: buttonCard({ ...redrawFace(text), buttons: buttons.slice(0, 6).map(plain) }, card.taskId) }
        : // No buttons left: they become one label, the status the edit ends with (`✅ 已接单`).
          { button: { replace_name: clipChars(lastParagraph(text ?? '') || '✓', 20) } };
    if (text !== undefined) this.remember(card.taskId, text);
    try {
      await this.app.updateTemplateCard(this.opts.agentId, [chatId], card.responseCode, update);
    } catch (err) {
      const e = convertWecomError(err);
      if (e instanceof RetryAfterError || e instanceof RecipientUnreachableError) throw e;
      // A spent or lapsed response code: the card stays as it was.
      this.logger.info({ errcode: err instanceof WecomApiError ? err.errcode : undefined }, 'a wecom card could not be redrawn; it stays as it was');
    }
    return { messageRef: output.messageRef };
  }

  /**
   * One app message in the member's budget (minute and hour) and the app's day. Before anything
   * of the message went out (`first`) a wait past maxWaitMs, or WeCom's refusal, goes up as
   * RetryAfterError and the job waits in the queue; on a later part we wait here instead.
   */
  private async appSend(userId: string, message: AppMessage, first: boolean): Promise<{ msgid?: string; response_code?: string }> {
    const member = memberBuckets(this.opts.corpId, this.opts.agentId, userId);
    const day = appDayBucket(this.opts.corpId, this.opts.agentId, this.opts.licensedAccounts);
    for (let attempt = 0; ; attempt++) {
      for (const bucket of [...member, day]) await this.slot(bucket, first);
      try {
        return await this.app.sendAppMessage(this.opts.agentId, userId, message);
      } catch (err) {
        const e = convertWecomError(err);
        if (e instanceof RetryAfterError && err instanceof WecomApiError && RATE_LIMIT_CODES.has(err.errcode)) {
          await this.buckets.hold(member[0]!, e.retryAfterMs);
          this.logger.info({ errcode: err.errcode, first }, 'wecom asked to wait');
          if (first || attempt >= MAX_INLINE_RETRIES) throw e;
          await sleep(e.retryAfterMs);
          continue;
        }
        throw e;
      }
    }
  }

  private async slot(bucket: Bucket, first: boolean): Promise<void> {
    const slot = await this.buckets.reserve(bucket, first ? this.maxWaitMs : Infinity);
    if ('refusedMs' in slot) throw new RetryAfterError(slot.refusedMs, 'wecom', true);
    if (slot.waitMs > 0) await sleep(slot.waitMs);
  }

  // ── villagers: 微信客服 ────────────────────────────────────────────────────

  private async deliverKf(to: { openKfId: string; externalUserId: string }, output: OutboundText, locale: string): Promise<{ messageRef?: string }> {
    const choices = kfChoices(output);
    let ref: string | undefined;
    const text = output.text || ' ';
    // The text goes as the menu's head when it fits; else as text, the menu after it.
    const head = choices.length && Buffer.byteLength(text) <= 1024 ? text : null;
    if (head === null) {
      for (const part of splitText(text)) ref = (await this.kfSend(to, { msgtype: 'text', text: { content: part } })).msgid;
    }
    for (let i = 0; i < choices.length; i += 10) {
      const items = choices.slice(i, i + 10);
      ref = (await this.kfSend(to, menuMessage(i === 0 && head !== null ? head : '', items))).msgid;
    }
    for (const a of output.attachments ?? []) await this.sendAttachment({ side: 'kf', ...to }, a, locale);
    return ref ? { messageRef: ref } : {};
  }

  private async kfSend(to: { openKfId: string; externalUserId: string }, message: KfMessage): Promise<{ msgid: string }> {
    // A villager who just scanned a poster has not written: the first answer goes through the scan's welcome code.
    const welcome = this.opts.welcomes?.take(`kf:${to.openKfId}:${to.externalUserId}`);
    if (welcome) {
      try {
        return await this.kf.kfSendMsgOnEvent(welcome, message, this.newMsgId());
      } catch (err) {
        this.logger.info({ errcode: err instanceof WecomApiError ? err.errcode : undefined }, 'a wecom welcome code was refused; sent as a message');
      }
    }
    try {
      // Our own msgid: a retry of the same send is told apart in WeCom's records.
      return await this.kf.kfSendMsg(to.externalUserId, to.openKfId, message, this.newMsgId());
    } catch (err) {
      throw convertWecomError(err);
    }
  }

  // ── files ─────────────────────────────────────────────────────────────────

  private async sendAttachment(to: { side: 'app'; userId: string } | { side: 'kf'; openKfId: string; externalUserId: string }, a: Attachment, locale: string): Promise<void> {
    const send = (m: AppMessage | KfMessage) => (to.side === 'app' ? this.appSend(to.userId, m as AppMessage, false) : this.kfSend(to, m as KfMessage));
    if (a.kind === 'location' && a.latitude !== undefined && a.longitude !== undefined) {
      await send({ msgtype: 'text', text: { content: `📍 ${a.latitude}, ${a.longitude}` } });
      return;
    }
    if (!a.fileRef) return;
    const got = await fetchForCrossing((x, o) => (x.platform === 'wecom' ? this.fetcher.fetch(x, o) : (this.opts.files?.(x, o) ?? Promise.reject(new FileFetchError(x.platform, 'no fetcher')))), a, MEDIA_LIMITS.file);
    if (!got.ok) {
      this.logger.info({ platform: a.platform, kind: a.kind, reason: got.reason }, 'a file could not cross to wecom; the reader gets a note');
      await send({ msgtype: 'text', text: { content: crossingNote(a, got.reason, locale, got.limitBytes) } });
      return;
    }
    const file = got.file;
    const upload = async () => {
      const { mediaId, type } = await this.files.upload(to.side, a.kind, file);
      await send({ msgtype: type, [type]: { media_id: mediaId } } as AppMessage & KfMessage);
    };
    const passUp = (err: unknown) => err instanceof RetryAfterError || err instanceof RecipientUnreachableError || err instanceof FileTooLargeError || (err instanceof Error && err.name === 'SendingWindowClosedError');
    if (await sendWithRetries(upload, passUp)) return;
    this.logger.info({ platform: a.platform, kind: a.kind, reason: 'send_failed' }, 'a file could not be uploaded to wecom; the reader gets a note');
    await send({ msgtype: 'text', text: { content: crossingNote(a, 'send_failed', locale) } });
  }

  /** The words of a card this process sent or redrew (a press carries none: the inbound side adds them, as Telegram's callback does). */
  cardTextOf(taskId: string): string | undefined {
    return this.cardTexts.get(taskId);
  }

  private remember(taskId: string, text: string): void {
    if (this.cardTexts.size >= 5000) this.cardTexts.delete(this.cardTexts.keys().next().value!);
    this.cardTexts.set(taskId, text);
  }

  private newTaskId(): string {
    return taskIdOf('gl', Date.now().toString(36), randomBytes(4).toString('hex'), ++this.seq);
  }

  private newMsgId(): string {
    return `gl${Date.now().toString(36)}${randomBytes(6).toString('hex')}`.slice(0, 32);
  }
}

function plain(b: ChatButton): PlainButton {
  return { label: b.label, data: b.data };
}

/** A menu item's text within its 128 bytes (a matter's line in a list can be longer): cut at a character, with an ellipsis. */
function menuItem(b: PlainButton): PlainButton {
  if (Buffer.byteLength(b.label) <= 128) return b;
  let label = '';
  for (const ch of b.label) {
    if (Buffer.byteLength(label + ch) > 125) break;
    label += ch;
  }
  return { ...b, label: `${label}…` };
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim()) ?? '').trim();
}

/** A message's text as a card: its first line the title, the rest under it; a text too long for a card goes before it. */
function cardText(text: string): { title: string; body?: string; before?: string } {
  const title = firstLine(text);
  const rest = text.slice(text.indexOf(title) + title.length).trim();
  if (chars(title).length <= TITLE_CHARS && chars(rest).length <= BODY_CHARS) return { title: title || ' ', ...(rest ? { body: rest } : {}) };
  return { title: clipChars(title, TITLE_CHARS), before: text };
}

function lastParagraph(text: string): string {
  const paras = text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
  return firstLine(paras.at(-1) ?? '');
}

/** A redrawn card's face: the title, and under it the rest, or (too long) its last paragraph — where an edit says what changed. */
function redrawFace(text: string): { title: string; body?: string } {
  const face = cardText(text);
  if (!face.before) return face;
  const last = text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean).at(-1) ?? '';
  return { title: face.title, ...(last && last !== face.title ? { body: clipChars(last, BODY_CHARS) } : {}) };
}

/** A villager's choices as menu items: the buttons, else the reply keyboard's (whose labels come back as text). */
function kfChoices(output: OutboundText): PlainButton[] {
  const buttons = (output.buttons ?? []).flat();
  if (buttons.length) return buttons.map(plain).map(menuItem);
  if (!output.keyboard || output.keyboard === 'remove') return [];
  // Sharing a contact or a location is not a menu item: the villager sends those from WeChat's own menu.
  const labels = output.keyboard.rows.flat().filter((b) => !b.request).map((b) => b.label);
  return labels.map((label, i) => menuItem({ label, data: `${KEYBOARD_ITEM}${i}` }));
}
