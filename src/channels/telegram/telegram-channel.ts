// The Telegram adapter: updates in (webhook on the app's HTTP server, or long polling), normalised
// and queued; conversation outputs and notifications out, within Telegram's limits.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Telegraf } from 'telegraf';
import type { InlineKeyboardMarkup, Update } from 'telegraf/types';
import type { Attachment } from '../../domain/types.js';
import { t, toLocale } from '../../i18n/index.js';
import type { Logger } from '../../logger.js';
import { RecipientUnreachableError, RetryAfterError, type Channel, type ChatTarget, type OutboundMessage, type OutboundText } from '../../ports/channel.js';
import type { ChatUpdate } from '../../ports/chat-update.js';
import type { Admission } from '../../ports/admission.js';
import { FloodGuard, type FloodLimits } from '../flood-guard.js';
import { normalizeUpdate, TELEGRAM_FILE_LIMIT } from './normalize-update.js';
import { Poller } from './polling.js';
import { actionRows, inlineKeyboard, replyKeyboard } from './render-output.js';
import type { Lease } from '../../ports/lease.js';
import type { RateBuckets } from '../../ports/rate-buckets.js';
import { isGroupChat, SendScheduler, type RateLimits } from './send-scheduler.js';
import { botIdOf, SharedSendScheduler, type SendLimiter } from './shared-send-scheduler.js';
import { splitText, TELEGRAM_TEXT_LIMIT } from './split-text.js';
import { convertTelegramError, isHarmlessBadRequest, TelegramStartError } from './telegram-errors.js';
import { registerWebhookRoute } from './webhook-route.js';
import { TELEGRAM_CAPTION_LIMIT, TELEGRAM_PHOTO_UPLOAD_LIMIT, TELEGRAM_UPLOAD_LIMIT, TelegramFileFetcher } from './telegram-files.js';
import type { FileSource } from '../../ports/files.js';
import type { CardEdits } from '../../ports/cards.js';
import { crossingNote, fetchForCrossing, sendWithRetries } from '../file-crossing.js';
import { SendOrder, SlotRefusedError } from '../send-order.js';
import type { SendClass } from '../../domain/send-class.js';

/** The updates the bot asks Telegram for. */
export const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query', 'my_chat_member'] as const;

export interface TelegramChannelOptions {
  token: string;
  /** Another Bot API server (a local one, or an emulator in tests); default https://api.telegram.org. */
  apiRoot?: string;
  /** Set: webhook mode, served on the app's HTTP server at this URL's path. Unset: long polling. */
  webhookUrl?: string;
  /** Telegram sends it back with every update; generated when not given. */
  webhookSecret?: string;
  logger: Logger;
  limits?: Partial<RateLimits>;
  /**
   * Polling mode: the lease one process of the deployment holds to poll. A process that cannot
   * take it sends and works the queues but does not poll, and takes over when the lease frees.
   */
  pollLease?: Lease;
  /** Where the limits are kept: shared buckets (Redis) so several processes on one token stay within them together; this process when absent. */
  rateBuckets?: RateBuckets;
  /** Where the flood guard keeps its budgets per person: shared (Redis, or the database) so every process on the token applies one limit; this process when absent. */
  floodBuckets?: RateBuckets;
  /** Longest a send waits for its slot before handing the job back to wait in the queue (default 5 s). */
  maxWaitMs?: number;
  flood?: FloodLimits;
  pollTimeoutSec?: number;
  /** Fetches files of other platforms, to send them here as files (the composition root wires it). */
  files?: FileSource;
  /** Brings the card messages about a matter up to date when it moves (the composition root wires it). */
  cards?: CardEdits;
  /** Where updates go once started: committed (and queued) before Telegram hears "received". */
  admission: Admission;
}

/** The delivery id of a Telegram update: per bot (the token's numeric prefix), then the update_id. */
export function telegramInboxId(botId: string, updateId: string): string {
  return `telegram:${botId}:update:${updateId}`;
}

export type ReceiveResult = 'queued' | 'throttled' | 'dropped' | 'ignored';

/** Waits for one 429 on a later part of a message at most this many times before giving up. */
const MAX_INLINE_RETRIES = 3;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class TelegramChannel implements Channel {
  readonly name = 'telegram' as const;
  /** Bot commands: `/stats`. */
  readonly commandPrefix = '/';
  readonly bot: Telegraf;
  readonly webhookSecret: string;
  /** The webhook's path on the HTTP server; null in polling mode. */
  readonly webhookPath: string | null;
  /** Fetches files people sent here, for the other platforms' adapters. */
  readonly fetcher: TelegramFileFetcher;
  private readonly scheduler: SendLimiter;
  /** Sends waiting for a slot of the token's overall budget, granted most urgent first. */
  private readonly order: SendOrder;
  private readonly flood: FloodGuard;
  private readonly maxWaitMs: number;
  /** A private chat's command menu as this process set it: 'zh-TW', or 'default' (the bot-wide lists). */
  private readonly chatMenus = new Map<string, 'zh-TW' | 'default'>();
  private readonly logger: Logger;
  private receiving = false;
  /** A bot's id is its token's numeric prefix: update ids are unique per bot. */
  private readonly botId: string;
  private poller: Poller | null = null;
  private leaseTimer: NodeJS.Timeout | null = null;
  private leaseCheck: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly opts: TelegramChannelOptions) {
    this.bot = new Telegraf(opts.token, { telegram: { apiRoot: opts.apiRoot ?? 'https://api.telegram.org' } });
    this.webhookSecret = opts.webhookSecret ?? randomBytes(32).toString('base64url');
    this.webhookPath = opts.webhookUrl ? new URL(opts.webhookUrl).pathname : null;
    this.fetcher = new TelegramFileFetcher(this.bot.telegram, opts.token, opts.apiRoot ?? 'https://api.telegram.org');
    this.scheduler = opts.rateBuckets ? new SharedSendScheduler(opts.rateBuckets, botIdOf(opts.token), opts.limits) : new SendScheduler(opts.limits);
    this.flood = new FloodGuard(opts.flood, opts.floodBuckets, `telegram:${botIdOf(opts.token)}`);
    this.maxWaitMs = opts.maxWaitMs ?? 5000;
    this.order = new SendOrder(() => this.scheduler.reserveGlobal());
    this.logger = opts.logger.child({ channel: 'telegram' });
    this.botId = botIdOf(opts.token);
  }

  /** Adds the webhook route to the app's HTTP server (webhook mode only); call before it listens. */
  registerRoutes(app: FastifyInstance<any, any, any, any, any>): void {
    if (!this.webhookPath) return;
    registerWebhookRoute(app, { path: this.webhookPath, secret: this.webhookSecret, receive: (u) => this.receive(u), logger: this.logger });
  }

  /**
   * Checks the token, registers the commands, then sets the webhook (with its secret) or starts
   * polling. Updates go to the admission the channel was given.
   */
  async start(): Promise<void> {
    this.receiving = true;
    try {
      this.bot.botInfo = await this.bot.telegram.getMe();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      throw new TelegramStartError(typeof code === 'number' ? code : null, (err as Error).message);
    }
    await this.setCommands();
    if (this.opts.webhookUrl) {
      await this.bot.telegram.setWebhook(this.opts.webhookUrl, { secret_token: this.webhookSecret, allowed_updates: [...ALLOWED_UPDATES], drop_pending_updates: false });
      this.logger.info({ bot: this.bot.botInfo.username, path: this.webhookPath }, 'telegram webhook set');
    } else {
      this.stopped = false;
      const lease = this.opts.pollLease;
      if (!lease || (await lease.acquire())) await this.startPolling();
      else this.logger.warn({ bot: this.bot.botInfo.username }, 'another gridline process polls this bot, so this one does not (it sends, and takes over if that process stops). To run several processes, use webhook mode: set TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET');
      if (lease) this.leaseTimer = setInterval(() => void (this.leaseCheck ??= this.checkLease(lease).finally(() => (this.leaseCheck = null))), lease.renewEveryMs);
    }
  }

  /** True while this process polls (polling mode, lease held). */
  /** The bot's username once started (its deep links are t.me/<username>?start=…), else undefined. */
  get username(): string | undefined {
    return this.bot.botInfo?.username;
  }

  get polling(): boolean {
    return this.poller !== null;
  }

  private async startPolling(): Promise<void> {
    await this.bot.telegram.deleteWebhook({ drop_pending_updates: false });
    this.poller = new Poller(this.bot.telegram, (u) => this.receive(u), this.logger, { allowedUpdates: ALLOWED_UPDATES, timeoutSec: this.opts.pollTimeoutSec });
    this.poller.start();
    this.logger.info({ bot: this.bot.botInfo?.username }, 'telegram polling');
  }

  /** The holder renews its lease and stops polling if it lost it; the others try to take it. */
  private async checkLease(lease: Lease): Promise<void> {
    try {
      if (this.stopped) return;
      if (this.poller) {
        if (await lease.renew()) return;
        this.logger.warn('the polling lease was lost (another process may poll now); polling stops here');
        await this.poller.stop();
        this.poller = null;
      } else if (await lease.acquire()) {
        if (this.stopped) return void (await lease.release());
        this.logger.info('the process that polled this bot stopped; polling here now');
        await this.startPolling();
      }
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message } }, 'telegram polling lease check failed');
    }
  }

  /** Stops taking updates. The webhook stays set: Telegram keeps updates until we are back. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    this.leaseTimer = null;
    await this.leaseCheck;
    await this.poller?.stop();
    this.poller = null;
    await this.opts.pollLease?.release();
    this.receiving = false;
  }

  /** One raw update from the webhook or the poller. Throws only when it could not be queued. */
  async receive(raw: Update): Promise<ReceiveResult> {
    if (!this.receiving) throw new Error('the Telegram channel is not started');
    // Per bot: two bots' update_ids may meet; the same update delivered again is admitted once.
    const deliveryId = telegramInboxId(this.botId, String(raw.update_id));
    const admit = (u: ChatUpdate) => this.opts.admission.admit([{ deliveryId, update: u }]);
    let update: ChatUpdate;
    try {
      update = normalizeUpdate(raw, { botUsername: this.bot.botInfo?.username, fileLimitBytes: TELEGRAM_FILE_LIMIT });
    } catch (err) {
      // An update we cannot even read is acknowledged, never redelivered forever.
      this.logger.warn({ updateId: raw.update_id, err: { name: (err as Error).name } }, 'telegram update could not be read; acknowledged and dropped');
      return 'ignored';
    }
    if (update.content.kind === 'ignored' || !update.userId) return 'ignored';
    if (update.content.kind !== 'membership') {
      // Where the budgets are kept being away must not refuse what people say: let it through.
      const verdict = await this.flood.check(update.userId, String(raw.update_id)).catch((err: Error) => {
        this.logger.warn({ err: { name: err.name, message: err.message } }, 'flood guard unavailable; update let through');
        return 'pass' as const;
      });
      if (verdict === 'drop') return 'dropped';
      if (verdict === 'warn') {
        await admit({ ...update, content: { kind: 'throttled' } });
        return 'throttled';
      }
    }
    await admit(update);
    return 'queued';
  }

  // ── out ──────────────────────────────────────────────────────────────────

  /**
   * One outbound message. A notification (`about`) has its actions laid out two to a row and no
   * reply keyboard in a group; its text is split when long, then its attachments follow.
   */
  async deliver(target: ChatTarget, output: OutboundMessage): Promise<{ messageRef?: string }> {
    const chatId = target.chatId;
    const cls = target.sendClass;
    switch (output.kind) {
      case 'message': {
        const buttons = output.about && output.buttons ? actionRows(output.buttons.flat()) : output.buttons;
        const keyboard = output.keyboard && !target.group ? output.keyboard : undefined;
        const markup = buttons?.length ? inlineKeyboard(buttons) : keyboard ? replyKeyboard(keyboard) : undefined;
        const only = output.attachments?.length === 1 ? output.attachments[0]! : undefined;
        if (output.captioned && only?.fileRef && (only.kind === 'photo' || only.kind === 'document') && output.text.length <= TELEGRAM_CAPTION_LIMIT) {
          // One message: the file, the words as its caption, the buttons under it.
          const ref = await this.sendAttachment(chatId, { ...only, caption: output.text }, target.locale ?? 'zh-CN', cls, buttons?.length ? inlineKeyboard(buttons) : undefined, true);
          if (ref) return { messageRef: ref };
        }
        const messageRef = await this.sendText(chatId, output.text, markup, true, cls);
        for (const a of output.attachments ?? []) await this.sendAttachment(chatId, a, target.locale ?? 'zh-CN', cls);
        await this.matchMenu(target, output);
        return { messageRef };
      }
      case 'edit': {
        // An empty keyboard takes the buttons away explicitly (for the text edit and the markup edit alike).
        const markup: InlineKeyboardMarkup | undefined = output.buttons?.length ? inlineKeyboard(output.buttons) : output.clearButtons ? { inline_keyboard: [] } : undefined;
        await this.cosmetic(chatId, cls, () =>
          output.text !== undefined
            ? this.bot.telegram.editMessageText(chatId, Number(output.messageRef), undefined, clip(output.text), markup ? { reply_markup: markup } : {})
            : this.bot.telegram.editMessageReplyMarkup(chatId, Number(output.messageRef), undefined, markup),
        );
        return { messageRef: output.messageRef };
      }
      case 'answer':
        // Not a message: no rate slot. A press answered too late is harmless.
        await this.bot.telegram.answerCbQuery(output.callbackRef, output.text).catch((err) => {
          if (!isHarmlessBadRequest(err)) throw convertTelegramError(err);
        });
        return {};
      case 'ack':
        // Telegram's reactions have no ✅ or 🔒, and the turn's own words already say it was taken.
        return {};
    }
  }

  /**
   * The matter moved: each card message sent here about it is edited to say where it stands now
   * and to offer what its reader may do now. The edits wait in the readers' send queues and come
   * back through `deliver` (kind 'edit').
   */
  async refreshMatter(matterId: string, eventId?: string): Promise<number> {
    return (await this.opts.cards?.queueEdits('telegram', matterId, eventId)) ?? 0;
  }

  /** `first`: nothing of this message went out yet (a 429 may hand the job back). */
  private async sendText(chatId: string, text: string, markup: InlineKeyboardMarkup | ReturnType<typeof replyKeyboard> | undefined, first: boolean, cls: SendClass | undefined): Promise<string> {
    const parts = splitText(text || ' ', TELEGRAM_TEXT_LIMIT);
    let ref = '';
    for (let i = 0; i < parts.length; i++) {
      const last = i === parts.length - 1;
      const sent = await this.call(
        chatId,
        first && i === 0,
        () => this.bot.telegram.sendMessage(chatId, parts[i]!, { link_preview_options: { is_disabled: true }, ...(last && markup ? { reply_markup: markup } : {}) }),
        cls,
      );
      ref = String(sent.message_id);
    }
    return ref;
  }

  /**
   * `markup`: buttons under the file (a captioned broadcast); `first`: nothing of the message went
   * out yet. Returns the sent message's id, or undefined when a note went instead of the file.
   */
  private async sendAttachment(chatId: string, a: Attachment, locale: string, cls: SendClass | undefined, markup?: InlineKeyboardMarkup, first = false): Promise<string | undefined> {
    const tg = this.bot.telegram;
    const caption = { ...(a.caption ? { caption: a.caption.slice(0, TELEGRAM_CAPTION_LIMIT) } : {}), ...(markup ? { reply_markup: markup } : {}) };
    if (a.kind === 'location' && a.latitude !== undefined && a.longitude !== undefined) {
      await this.call(chatId, false, () => tg.sendLocation(chatId, a.latitude!, a.longitude!), cls);
      return;
    }
    if (!a.fileRef) return;
    if (a.platform !== 'telegram') return this.sendForeign(chatId, a, locale, cls, markup, first);
    const ref = a.fileRef;
    let sent: { message_id: number };
    if (a.kind === 'photo') sent = await this.call(chatId, first, () => tg.sendPhoto(chatId, ref, caption), cls);
    else if (a.kind === 'voice') sent = await this.call(chatId, first, () => tg.sendVoice(chatId, ref, caption), cls);
    else if (a.kind === 'video') sent = await this.call(chatId, first, () => tg.sendVideo(chatId, ref, caption), cls);
    else sent = await this.call(chatId, first, () => tg.sendDocument(chatId, ref, caption), cls);
    return String(sent.message_id);
  }

  /**
   * A file kept on another platform: fetched from there (within 50 MB, refused before download
   * when its size says so) and uploaded; when it cannot cross, a note in the reader's language.
   */
  private async sendForeign(chatId: string, a: Attachment, locale: string, cls: SendClass | undefined, markup?: InlineKeyboardMarkup, first = false): Promise<string | undefined> {
    const tg = this.bot.telegram;
    const got = await fetchForCrossing(this.opts.files, a, TELEGRAM_UPLOAD_LIMIT);
    if (!got.ok) {
      this.logger.info({ platform: a.platform, kind: a.kind, reason: got.reason }, 'a file could not cross to telegram; the reader gets a note');
      // A captioned message's words and buttons still go (the caller sends them when this gives no id).
      if (!markup && !first) await this.sendText(chatId, crossingNote(a, got.reason, locale, got.limitBytes), undefined, false, cls);
      return;
    }
    const { file } = got;
    // A caption that is only the file name says nothing the file does not.
    const caption = { ...(a.caption && a.caption !== a.fileName ? { caption: a.caption.slice(0, TELEGRAM_CAPTION_LIMIT) } : {}), ...(markup ? { reply_markup: markup } : {}) };
    const mime = file.mimeType;
    let ref: string | undefined;
    const upload = async () => {
      // A fresh stream each try: an upload that failed may have read part of it.
      const input = { source: Buffer.from(file.bytes), filename: file.name };
      let sent: { message_id: number };
      if (a.kind === 'photo' && /^image\/(jpeg|png|webp)$/.test(mime) && file.sizeBytes <= TELEGRAM_PHOTO_UPLOAD_LIMIT) sent = await this.call(chatId, first, () => tg.sendPhoto(chatId, input, caption), cls);
      else if (a.kind === 'voice' && /^audio\/(ogg|opus)/.test(mime)) sent = await this.call(chatId, first, () => tg.sendVoice(chatId, input, caption), cls);
      else if (a.kind === 'video' && mime === 'video/mp4') sent = await this.call(chatId, first, () => tg.sendVideo(chatId, input, caption), cls);
      else sent = await this.call(chatId, first, () => tg.sendDocument(chatId, input, caption), cls);
      ref = String(sent.message_id);
    };
    if (await sendWithRetries(upload, (err) => err instanceof RetryAfterError || err instanceof RecipientUnreachableError)) return ref;
    this.logger.info({ platform: a.platform, kind: a.kind, reason: 'send_failed' }, 'a file could not be uploaded to telegram; the reader gets a note');
    if (!markup && !first) await this.sendText(chatId, crossingNote(a, 'send_failed', locale), undefined, false, cls);
    return undefined;
  }

  /**
   * One API call that sends a message, in its rate slot: the chat's, then the token's overall one,
   * granted by class (`cls`, SendOrder). On a 429 before anything of the message went out
   * (`first`), RetryAfterError goes up and the job waits in the queue; on a later part, we wait
   * here instead, so the parts already sent are not sent twice. A message part-sent finishes
   * first: its later parts wait for the overall slot with the conversations' answers.
   */
  private async call<T>(chatId: string, first: boolean, fn: () => Promise<T>, cls: SendClass | undefined): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const slot = await this.scheduler.reserve(chatId, isGroupChat(chatId), first ? this.maxWaitMs : Infinity);
      if ('refusedMs' in slot) throw new RetryAfterError(slot.refusedMs, 'telegram', true);
      if (slot.waitMs > 0) await sleep(slot.waitMs);
      try {
        await this.order.acquire(first ? cls : 'answer', first ? this.maxWaitMs : Infinity);
      } catch (err) {
        // More urgent sends took every slot meanwhile: this one waits in the queue, nothing of it sent.
        if (err instanceof SlotRefusedError) throw new RetryAfterError(1000, 'telegram', true);
        throw err;
      }
      try {
        return await fn();
      } catch (err) {
        const e = convertTelegramError(err);
        if (e instanceof RetryAfterError) {
          await this.scheduler.pause(chatId, e.retryAfterMs);
          this.logger.info({ chatKind: isGroupChat(chatId) ? 'group' : 'private', retryAfterMs: e.retryAfterMs, first }, 'telegram asked to wait (429)');
          if (first || attempt >= MAX_INLINE_RETRIES) throw e;
          continue;
        }
        throw e;
      }
    }
  }

  /** Edits: in the chat's rate slot, and a refusal (not modified, too old) is not an error. */
  private async cosmetic(chatId: string, cls: SendClass | undefined, fn: () => Promise<unknown>): Promise<void> {
    try {
      await this.call(chatId, true, fn, cls);
    } catch (err) {
      if (isHarmlessBadRequest(err)) return;
      throw err;
    }
  }

  /**
   * Telegram tells languages apart by two letters only (zh-CN and zh-TW are both "zh"), so a zh-TW
   * reader's private chat gets a menu of its own, set when we first answer them in zh-TW; it is
   * taken away when they change to another language (the default lists serve them again).
   */
  private async matchMenu(target: ChatTarget, output: OutboundText): Promise<void> {
    const locale = output.reader?.locale ?? target.locale;
    if (target.group || !locale || isGroupChat(target.chatId)) return;
    const wanted = toLocale(locale) === 'zh-TW' ? 'zh-TW' : 'default';
    const known = this.chatMenus.get(target.chatId);
    if (known === wanted) return;
    // A chat we know nothing of in a default language needs nothing, unless they just changed from zh-TW.
    if (known === undefined && wanted === 'default' && !output.reader?.chosen) return void this.chatMenus.set(target.chatId, wanted);
    const scope = { type: 'chat' as const, chat_id: Number(target.chatId) };
    try {
      if (wanted === 'zh-TW') await this.bot.telegram.setMyCommands(menuCommands('zh-TW'), { scope });
      else await this.bot.telegram.deleteMyCommands({ scope });
      if (this.chatMenus.size >= CHAT_MENUS_MAX) this.chatMenus.clear();
      this.chatMenus.set(target.chatId, wanted);
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message }, wanted }, 'telegram chat command menu not set; the reader sees the default one');
    }
  }

  private async setCommands(): Promise<void> {
    const commands = menuCommands;
    try {
      // Telegram tells languages apart by two letters only: zh-TW readers get theirs per chat (matchMenu).
      await this.bot.telegram.setMyCommands(commands('zh-CN'));
      await this.bot.telegram.setMyCommands(commands('en'), { language_code: 'en' });
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message } }, 'telegram setMyCommands failed; the command menu may be missing');
    }
  }
}

/** The command menu in one language. */
function menuCommands(locale: string): Array<{ command: string; description: string }> {
  return (['start', 'report', 'ask', 'mine', 'patrol', 'leave', 'back', 'stats', 'broadcast', 'stop', 'help', 'lang', 'tz', 'reach', 'cancel'] as const).map((c) => ({ command: c, description: t(locale, `telegram:commands.${c}`) }));
}

/** Chats whose menu this process set or knows, at most (then it forgets and sets again when needed). */
const CHAT_MENUS_MAX = 10_000;

/** Texts for an edit cannot be split: an over-long one is cut with an ellipsis. */
function clip(text: string): string {
  return text.length <= TELEGRAM_TEXT_LIMIT ? text : `${text.slice(0, TELEGRAM_TEXT_LIMIT - 1)}…`;
}
