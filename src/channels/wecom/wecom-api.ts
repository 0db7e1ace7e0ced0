// A small client of WeCom's server API over fetch: the calls the adapter needs and nothing more.
// The base URL is configurable (WECOM_API_URL) so tests talk to the stand-in. Every call carries
// the access_token; a call refused for an expired or invalid token (42001, 40014) gets a new one
// (once for all concurrent callers, see TokenSource) and is retried once.
import { FileTooLargeError, type FileContent } from '../../ports/files.js';
import { RecipientUnreachableError } from '../../ports/channel.js';
import { TOKEN_EXPIRED_CODES, WecomApiError, WecomHttpError } from './wecom-errors.js';
import { MemoryTokenCache, TokenSource, type TokenCache } from './token-cache.js';
import type { AppMessage, CardUpdate, KfMessage, KfSyncPage, MediaType, SendResult } from './wecom-types.js';

export const WECOM_API_URL = 'https://qyapi.weixin.qq.com';

/** Upload limits of 上传临时素材 (media/upload), in bytes. */
export const MEDIA_LIMITS: Record<MediaType, number> = {
  image: 10 * 1024 * 1024,
  voice: 2 * 1024 * 1024,
  video: 10 * 1024 * 1024,
  file: 20 * 1024 * 1024,
};

export interface WecomApiOptions {
  corpId: string;
  /** The secret of the app (WECOM_SECRET) or of 微信客服 (WECOM_KF_SECRET). */
  secret: string;
  /** Names the secret in the shared token cache: the agent id, or 'kf'. */
  secretName: string;
  /** Default https://qyapi.weixin.qq.com. */
  baseUrl?: string;
  /** Default: this process's memory. */
  tokenCache?: TokenCache;
  /** Per call; default 15 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

type Json = Record<string, unknown>;

export class WecomApi {
  readonly tokens: TokenSource;
  private readonly base: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly opts: WecomApiOptions) {
    this.base = (opts.baseUrl ?? WECOM_API_URL).replace(/\/+$/, '');
    this.fetch = opts.fetch ?? globalThis.fetch;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.tokens = new TokenSource({
      cache: opts.tokenCache ?? new MemoryTokenCache(),
      key: `wecom:token:${opts.corpId}:${opts.secretName}`,
      fetchToken: () => this.getToken(),
      now: opts.now,
    });
  }

  /** gettoken: the only call without a token. */
  async getToken(): Promise<{ token: string; expiresInSec: number }> {
    const url = `${this.base}/cgi-bin/gettoken?corpid=${encodeURIComponent(this.opts.corpId)}&corpsecret=${encodeURIComponent(this.opts.secret)}`;
    const body = await this.json('gettoken', url, { method: 'GET' });
    const token = body.access_token;
    if (typeof token !== 'string' || !token) throw new WecomHttpError('gettoken', null, 'no access_token in the answer');
    const expires = Number(body.expires_in);
    return { token, expiresInSec: Number.isFinite(expires) && expires > 0 ? expires : 7200 };
  }

  /** POSTs JSON to `cgi-bin/<method>` with the token; a refused token is renewed and the call retried once. */
  async call<T extends Json = Json>(method: string, payload: Json): Promise<T> {
    return this.withToken(method, (token) =>
      this.json(method, `${this.base}/cgi-bin/${method}?access_token=${encodeURIComponent(token)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      }),
    ) as Promise<T>;
  }

  /** 发送应用消息 to one member. Throws RecipientUnreachableError when WeCom lists them as invalid. */
  async sendAppMessage(agentId: number, touser: string, message: AppMessage): Promise<SendResult> {
    const r = await this.call('message/send', { touser, agentid: agentId, ...message });
    const invalid = typeof r.invaliduser === 'string' ? r.invaliduser.split('|').filter(Boolean) : [];
    if (invalid.some((u) => u.toLowerCase() === touser.toLowerCase())) throw new RecipientUnreachableError('wecom', 'invaliduser: not in the app\'s visible range, or no such member');
    return {
      ...(typeof r.msgid === 'string' ? { msgid: r.msgid } : {}),
      ...(typeof r.response_code === 'string' ? { response_code: r.response_code } : {}),
      ...(invalid.length ? { invaliduser: invalid.join('|') } : {}),
    };
  }

  /** 更新模版卡片消息: each response_code once, within 72 hours. */
  async updateTemplateCard(agentId: number, userids: string[], responseCode: string, update: CardUpdate): Promise<void> {
    await this.call('message/update_template_card', { userids, agentid: agentId, response_code: responseCode, ...update });
  }

  /** 上传临时素材: a media_id valid 3 days. Refuses a file above the type's limit before sending it. */
  async uploadMedia(type: MediaType, file: { bytes: Uint8Array; name: string; mimeType: string }): Promise<{ mediaId: string }> {
    if (file.bytes.length > MEDIA_LIMITS[type]) throw new FileTooLargeError(file.bytes.length, MEDIA_LIMITS[type]);
    const r = await this.withToken('media/upload', (token) => {
      const form = new FormData();
      form.append('media', new Blob([file.bytes], { type: file.mimeType }), file.name);
      return this.json('media/upload', `${this.base}/cgi-bin/media/upload?access_token=${encodeURIComponent(token)}&type=${type}`, { method: 'POST', body: form });
    });
    if (typeof r.media_id !== 'string') throw new WecomHttpError('media/upload', null, 'no media_id in the answer');
    return { mediaId: r.media_id };
  }

  /** 获取临时素材: the bytes, refusing more than `maxBytes`. */
  async getMedia(mediaId: string, opts: { maxBytes: number }): Promise<FileContent> {
    return this.withToken('media/get', async (token) => {
      const res = await this.request('media/get', `${this.base}/cgi-bin/media/get?access_token=${encodeURIComponent(token)}&media_id=${encodeURIComponent(mediaId)}`, { method: 'GET' });
      const type = res.headers.get('content-type') ?? '';
      if (!res.ok || /json|text\/plain/.test(type)) {
        await this.readJson('media/get', res);
        throw new WecomHttpError('media/get', res.status, 'a JSON answer instead of the file');
      }
      const declared = Number(res.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > opts.maxBytes) {
        await res.body?.cancel();
        throw new FileTooLargeError(declared, opts.maxBytes);
      }
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.length > opts.maxBytes) throw new FileTooLargeError(bytes.length, opts.maxBytes);
      return { bytes, name: fileNameOf(res.headers.get('content-disposition')) ?? mediaId, mimeType: type || 'application/octet-stream', sizeBytes: bytes.length };
    });
  }

  /** 微信客服 读取消息: one page from `cursor`. `token` (from kf_msg_or_event, 10 minutes) lifts the strict limit. */
  async kfSyncMsg(q: { cursor?: string; token?: string; limit?: number; openKfId?: string }): Promise<KfSyncPage> {
    const r = await this.call('kf/sync_msg', {
      ...(q.cursor ? { cursor: q.cursor } : {}),
      ...(q.token ? { token: q.token } : {}),
      limit: q.limit ?? 1000,
      ...(q.openKfId ? { open_kfid: q.openKfId } : {}),
    });
    return { next_cursor: String(r.next_cursor ?? ''), has_more: Number(r.has_more) === 1 || r.has_more === true, msg_list: Array.isArray(r.msg_list) ? (r.msg_list as KfSyncPage['msg_list']) : [] };
  }

  /** 微信客服 发送消息. `msgid` (≤32 of [0-9a-zA-Z_-]) makes a retry safe to tell apart. */
  async kfSendMsg(touser: string, openKfId: string, message: KfMessage, msgid?: string): Promise<{ msgid: string }> {
    const r = await this.call('kf/send_msg', { touser, open_kfid: openKfId, ...(msgid ? { msgid } : {}), ...message });
    return { msgid: String(r.msgid ?? msgid ?? '') };
  }

  /** 发送欢迎语等事件响应消息: answers an enter_session event's welcome_code (once, within 20 s). */
  async kfSendMsgOnEvent(code: string, message: KfMessage, msgid?: string): Promise<{ msgid: string }> {
    const r = await this.call('kf/send_msg_on_event', { code, ...(msgid ? { msgid } : {}), ...message });
    return { msgid: String(r.msgid ?? msgid ?? '') };
  }

  private async withToken<T>(method: string, run: (token: string) => Promise<T>): Promise<T> {
    const token = await this.tokens.get();
    try {
      return await run(token);
    } catch (err) {
      if (!(err instanceof WecomApiError) || !TOKEN_EXPIRED_CODES.has(err.errcode)) throw err;
      return run(await this.tokens.refresh(token));
    }
  }

  private async request(method: string, url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new WecomHttpError(method, null, `cannot reach WeCom: ${(err as Error).message}. Check the network, or WECOM_API_URL`);
    }
  }

  private async json(method: string, url: string, init: RequestInit): Promise<Json> {
    return this.readJson(method, await this.request(method, url, init));
  }

  private async readJson(method: string, res: Response): Promise<Json> {
    const raw = await res.text();
    let body: Json;
    try {
      body = JSON.parse(raw) as Json;
    } catch {
      throw new WecomHttpError(method, res.status, 'the answer is not JSON');
    }
    const errcode = Number(body.errcode ?? 0);
    if (errcode !== 0) throw new WecomApiError(errcode, String(body.errmsg ?? ''), method);
    if (!res.ok) throw new WecomHttpError(method, res.status, 'HTTP error');
    return body;
  }
}

/** `attachment; filename="a.jpg"` or RFC 5987 `filename*=UTF-8''…` → the name. */
function fileNameOf(disposition: string | null): string | undefined {
  if (!disposition) return undefined;
  const star = /filename\*=(?:UTF-8'')?([^;]+)/i.exec(disposition);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, '')).slice(0, 200);
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  return plain?.[1]?.slice(0, 200);
}
