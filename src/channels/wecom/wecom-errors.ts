// WeCom's refusals as named errors carrying errcode/errmsg (as grammY's GrammyError carries
// error_code), each with a hint that says what to do; and the conversion to the port's errors.
// Codes and their meanings: the global error code page, https://developer.work.weixin.qq.com/document/path/90313
import { RecipientUnreachableError, RetryAfterError, WindowClosedError } from '../../ports/channel.js';

/** The access_token was refused as expired (42001) or invalid (40014): fetch a new one and retry once. */
export const TOKEN_EXPIRED_CODES: ReadonlySet<number> = new Set([40014, 42001]);
/** Too many calls (45009, frequency) or too many at once (45033, concurrency). */
export const RATE_LIMIT_CODES: ReadonlySet<number> = new Set([45009, 45033]);
/**
 * The WeChat Customer Service sending window: 95001 (more than 5 messages since the customer last
 * wrote), 95002 (more than 48 hours since), 95018 (the session state does not allow sending, or
 * more than 48 hours).
 */
export const WINDOW_CODES: ReadonlySet<number> = new Set([95001, 95002, 95018]);
/** No recipient of the message is valid or visible to the app (81013); the user id is invalid (40003). */
export const UNREACHABLE_CODES: ReadonlySet<number> = new Set([81013, 40003]);

const HINTS: Record<number, string> = {
  [-1]: 'WeCom is busy: retry later (the docs advise at most 3 retries)',
  40001: 'the secret does not match the corp id: copy the app\'s Secret (or the 微信客服 Secret) again into WECOM_SECRET / WECOM_KF_SECRET, and check the app is enabled',
  40013: 'the corp id is wrong: copy 企业ID from 我的企业 → 企业信息 into WECOM_CORP_ID',
  40014: 'the access_token is invalid: it is fetched again once',
  42001: 'the access_token expired: it is fetched again once',
  45002: 'the text is over 2048 bytes: split it (splitText)',
  45009: 'WeCom refused: too many calls; wait a minute (per-member limits are per minute and per hour)',
  45033: 'WeCom refused: too many calls at the same time; send fewer at once',
  48002: 'the app may not call this API: for 微信客服, add the app under 微信客服 → API → 可调用接口的应用, or use the 微信客服 Secret',
  60020: 'this server\'s IP is not a trusted IP of the app: add it under the app\'s 企业可信IP (it takes a minute to apply)',
  81013: 'no recipient is in the app\'s visible range: add the member to the app\'s 可见范围',
  95001: 'the customer has had 5 messages since they last wrote: wait for their next message',
  95002: 'more than 48 hours since the customer last wrote: wait for their next message',
  95018: 'the customer service session does not allow sending now (state, or past 48 hours)',
  301002: 'the access_token belongs to another app: WECOM_AGENT_ID and WECOM_SECRET must be the same app\'s',
};

/** A WeCom API call answered with a non-zero errcode. */
export class WecomApiError extends Error {
  override readonly name = 'WecomApiError';
  readonly hint: string | undefined;
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    /** The API path, e.g. `message/send`. */
    readonly method: string,
  ) {
    const hint = HINTS[errcode];
    super(`WeCom ${method} failed: ${errcode} ${errmsg}${hint ? ` (${hint})` : ''}`);
    this.hint = hint;
  }
}

/** The HTTP call itself failed (network, 5xx, a body that is not WeCom's JSON). */
export class WecomHttpError extends Error {
  override readonly name = 'WecomHttpError';
  constructor(
    readonly method: string,
    readonly status: number | null,
    detail: string,
  ) {
    super(`WeCom ${method}: ${detail}${status !== null ? ` (HTTP ${status})` : ''}`);
  }
}

/**
 * A 微信客服 message refused by the sending window: the port's WindowClosedError, so the send
 * service holds it until the villager writes, as it holds what it kept back itself.
 */
export class SendingWindowClosedError extends WindowClosedError {
  override readonly name = 'SendingWindowClosedError';
  constructor(
    readonly errcode: number,
    readonly reason: 'count' | 'time' | 'state',
  ) {
    super('wecom', `the customer's sending window is closed (${errcode}, ${reason}): hold the message until they write`);
  }
}

/** How long to wait after a rate-limit refusal: WeCom lifts a minute-level block after the minute. */
export const RATE_LIMIT_WAIT_MS = 60_000;

/** Converts a WeCom failure to what the send worker acts on; anything else is returned as it is. */
export function convertWecomError(err: unknown): unknown {
  if (!(err instanceof WecomApiError)) return err;
  if (RATE_LIMIT_CODES.has(err.errcode)) return new RetryAfterError(err.errcode === 45033 ? 1_000 : RATE_LIMIT_WAIT_MS, 'wecom');
  if (WINDOW_CODES.has(err.errcode)) return new SendingWindowClosedError(err.errcode, err.errcode === 95001 ? 'count' : err.errcode === 95002 ? 'time' : 'state');
  if (UNREACHABLE_CODES.has(err.errcode)) return new RecipientUnreachableError('wecom', `wecom ${err.errcode}: ${err.errmsg}`);
  return err;
}
