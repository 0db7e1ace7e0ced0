// The WeCom adapter's receiving side: the callback URL (/wecom/callback) on the app's HTTP server.
// A member's message or card press is committed through the Admission before WeCom hears 200; a
// 微信客服 "there are messages" (kf_msg_or_event) reads kf/sync_msg from the stored cursor, each
// page committed with the cursor that follows it, and is answered 200 once the drain committed —
// a failure answers 500 and WeCom calls again. Forged, replayed or foreign callbacks are refused.
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../logger.js';
import type { Admission, Delivery } from '../../ports/admission.js';
import type { ChatUpdate } from '../../ports/chat-update.js';
import type { FloodGuard } from '../flood-guard.js';
import { CallbackCrypto, type NonceStore } from './callback-crypto.js';
import { wecomCallbackHandler, type CallbackRequest, type CallbackResponse } from './callback-handler.js';
import { drainKf, type KfPage } from './kf-sync.js';
import { parseCardRef, type WecomChatUpdate } from './to-chat-update.js';
import type { WecomApi } from './wecom-api.js';

export const WECOM_CALLBACK_PATH = '/wecom/callback';

export interface WecomInboundOptions {
  corpId: string;
  /** The callback's Token and EncodingAESKey (WECOM_TOKEN, WECOM_AES_KEY). */
  token: string;
  encodingAESKey: string;
  /** The 微信客服 API (kf/sync_msg). */
  kf: WecomApi;
  /** The account villagers write to (WECOM_KF_ACCOUNT), when the callback names none. */
  kfAccount?: string;
  admission: Admission;
  logger: Logger;
  /** Replays: shared by every process behind the URL (Redis); this process when absent. */
  nonces?: NonceStore;
  /** Default WECOM_CALLBACK_PATH. */
  path?: string;
  /** Where a poster scan's welcome code is left for the answer (the channel's). */
  welcomes?: WelcomeCodes;
  /** Messages per kf/sync_msg page (default and maximum 1000). */
  syncLimit?: number;
  /** Flood control per person (as on Telegram): a stream beyond the rate is dropped, the person told once a minute. */
  flood?: FloodGuard;
  /** The words of a card this process drew, by task id: a press carries them on (as Telegram's does), so its redraw can say what was done. */
  cardText?: (taskId: string) => string | undefined;
  /** The service's clock (a message's age on the first read); default the wall clock. */
  now?: () => number;
}

/**
 * The welcome codes of villagers who just opened the chat from a poster (enter_session): the first
 * answer may go through kf/send_msg_on_event within 20 seconds, before the villager wrote (no
 * window is open yet). Kept in this process: the answer is usually sent by the process that
 * admitted the scan; elsewhere, it waits for the villager's first message like any other.
 */
export class WelcomeCodes {
  private readonly codes = new Map<string, { code: string; until: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  put(chatId: string, code: string, at: number = this.now()): void {
    if (this.codes.size > 10_000) for (const [k, v] of this.codes) if (v.until <= this.now()) this.codes.delete(k);
    this.codes.set(chatId, { code, until: at + WELCOME_MS });
  }

  /** The chat's code if still valid, taken (a code answers once). */
  take(chatId: string): string | null {
    const c = this.codes.get(chatId);
    this.codes.delete(chatId);
    return c && c.until > this.now() ? c.code : null;
  }
}

/** A welcome code answers within 20 seconds; a margin for the send queue's own time. */
const WELCOME_MS = 18_000;

/** Another process committed the page this drain read: start again from the stored cursor. */
class CursorMovedError extends Error {
  override readonly name = 'CursorMovedError';
}

/**
 * How many times a drain starts again after another process moved the cursor. Each time, that
 * process committed a page (progress), so two drains side by side both end; the bound is a guard.
 * Stopping at the first move instead could leave messages written after the other's last read.
 */
const MOVED_RETRIES = 100;

/** A card press with the words of the card pressed, when this process drew it. */
function withCardText(u: WecomChatUpdate, cardText: WecomInboundOptions['cardText']): WecomChatUpdate {
  const c = u.content;
  if (c.kind !== 'callback' || c.messageText !== undefined || !cardText || !u.messageRef) return u;
  const text = cardText(parseCardRef(u.messageRef)?.taskId ?? u.messageRef);
  return text === undefined ? u : { ...u, content: { ...c, messageText: text } };
}

/** The first read of an account takes no message older than the 微信客服 window (48 hours). */
const FIRST_READ_MS = 48 * 3600_000;

export class WecomInbound {
  readonly path: string;
  readonly handle: (req: CallbackRequest) => Promise<CallbackResponse>;
  private readonly logger: Logger;
  /** One drain per account in this process at a time; a callback during one asks for another pass. */
  private readonly drains = new Map<string, { run: Promise<void>; again: boolean }>();

  constructor(private readonly opts: WecomInboundOptions) {
    this.path = opts.path ?? WECOM_CALLBACK_PATH;
    this.logger = opts.logger.child({ channel: 'wecom' });
    const crypto = new CallbackCrypto({ token: opts.token, encodingAESKey: opts.encodingAESKey, receiveId: opts.corpId, ...(opts.nonces ? { nonces: opts.nonces } : {}) });
    this.handle = wecomCallbackHandler({
      crypto,
      admit: async (action) => {
        if (action.kind === 'sync') return this.sync(action.openKfId ?? opts.kfAccount, action.token);
        const u = withCardText(action.update, opts.cardText);
        if (u.content.kind === 'ignored' || !u.userId) return;
        await this.admit([u]);
      },
      onRefused: (err) => this.logger.warn({ reason: 'reason' in err ? err.reason : 'malformed_xml' }, 'a wecom callback was refused'),
    });
  }

  /** Adds GET and POST of the callback URL to the app's HTTP server; call before it listens. */
  mount(app: FastifyInstance<any, any, any, any, any>): void {
    const path = this.path;
    const handle = this.handle;
    const logger = this.logger;
    app.register(async (scope) => {
      // WeCom posts XML: taken as text here, parsed (and size-checked) by the handler.
      scope.addContentTypeParser(['text/xml', 'application/xml', 'text/plain'], { parseAs: 'string', bodyLimit: 512 * 1024 }, (_req, body, done) => done(null, body));
      const serve = async (req: { method: string; query: unknown; body: unknown }, reply: { code(n: number): { type(t: string): { send(b: string): unknown } } }) => {
        const res = await handle({ method: req.method, query: (req.query ?? {}) as Record<string, string | undefined>, body: typeof req.body === 'string' ? req.body : undefined });
        if (res.status === 500) logger.warn('a wecom callback could not be committed; WeCom will call again');
        return reply.code(res.status).type('text/plain; charset=utf-8').send(res.body);
      };
      scope.get(path, serve);
      scope.post(path, serve);
    });
  }

  private async admit(all: WecomChatUpdate[], cursor?: { key: string; expected: string | null; next: string }): Promise<void> {
    const updates = await this.throttle(all);
    const deliveries: Delivery[] = updates.map((u) => ({ deliveryId: u.eventId, update: u as ChatUpdate }));
    const out = await this.opts.admission.admit(deliveries, cursor);
    if (out.moved) throw new CursorMovedError('the 微信客服 cursor moved meanwhile');
    for (const u of updates) if (u.messageRef?.startsWith('welcome:') && out.fresh.includes(u.eventId)) this.opts.welcomes?.put(u.chatId, u.messageRef.slice('welcome:'.length), Date.parse(u.at) || undefined);
  }

  /** The flood guard's verdicts: dropped updates left out, the first past the limit turned into "slow down". */
  private async throttle(updates: WecomChatUpdate[]): Promise<WecomChatUpdate[]> {
    const flood = this.opts.flood;
    if (!flood) return updates;
    const out: WecomChatUpdate[] = [];
    for (const u of updates) {
      if (u.content.kind === 'membership') {
        out.push(u);
        continue;
      }
      // Where the budgets are kept being away must not refuse what people say: let it through.
      const verdict = await flood.check(u.userId, u.eventId).catch(() => 'pass' as const);
      if (verdict === 'pass') out.push(u);
      else if (verdict === 'warn') out.push({ ...u, content: { kind: 'throttled' } });
    }
    return out;
  }

  /**
   * Reads what waits in 微信客服 for the account. Callbacks that come while a drain runs ask for
   * one more pass (the messages they announce may have been written after that drain's last page)
   * and resolve with it; a failed drain rejects them all, so each is answered 500 and called again.
   */
  sync(openKfId: string | undefined, token?: string): Promise<void> {
    const key = openKfId ?? '*';
    const running = this.drains.get(key);
    if (running) {
      running.again = true;
      return running.run;
    }
    const state = { run: Promise.resolve(), again: false };
    state.run = (async () => {
      try {
        let first = true;
        while (first || state.again) {
          state.again = false;
          await this.drainOnce(openKfId, first ? token : undefined);
          first = false;
        }
      } finally {
        this.drains.delete(key);
      }
    })();
    this.drains.set(key, state);
    return state.run;
  }

  private async drainOnce(openKfId: string | undefined, token: string | undefined): Promise<void> {
    const key = `wecom:kf:${this.opts.corpId}:${openKfId ?? '*'}`;
    for (let attempt = 0; ; attempt++) {
      try {
        const cursor = (await this.opts.admission.cursor(key)) ?? undefined;
        const result = await drainKf({
          api: this.opts.kf,
          cursor,
          token,
          ...(openKfId ? { openKfId } : {}),
          ...(this.opts.syncLimit ? { limit: this.opts.syncLimit } : {}),
          // A page's updates and the cursor after it, in one transaction. What nobody answers (a
          // servicer's message, a session event without a join code) moves the cursor and nothing else.
          // On the very first read (no cursor yet: gridline was not reading), what was written more
          // than 48 hours ago is history no answer could reach (the window is closed): skipped.
          commit: (page: KfPage) => this.admit(page.updates.filter((u) => u.content.kind !== 'ignored' && u.userId && (cursor !== undefined || !(Date.parse(u.at) < (this.opts.now ?? Date.now)() - FIRST_READ_MS))), { key, expected: page.from ?? null, next: page.next }),
        });
        if (result.more) this.logger.info({ pages: result.pages }, 'wecom 微信客服 has more messages; the next callback reads on');
        return;
      } catch (err) {
        if (!(err instanceof CursorMovedError) || attempt >= MOVED_RETRIES) throw err;
      }
    }
  }
}
